// A conversation with an assistant: started from the assistant (/chat/a/:assistantId, the
// conversation is created with the first question or file) or opened from the history
// (/chat/c/:conversationId). Answers stream in; see streams.tsx.
import { App, Avatar, Button, Space, Tag, Typography } from "antd";
import { useEffect, useMemo, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { useNavigate, useParams } from "react-router";

import { errorMessage } from "../../api/errors";
import { EmptyState, Loading, QueryError } from "../../components/PageState";
import { useAssistants, useConversation, useCreateConversation, useUploadAttachments, type Assistant } from "./api";
import { AttachmentList } from "./Attachments";
import { Composer } from "./Composer";
import { FeedbackDialog, type FeedbackTarget } from "./FeedbackDialog";
import { AnswerItem, answerOfLive, answerOfStored, QuestionItem } from "./MessageItem";
import { useStreams } from "./streams";
import { isActive, lastAnswerId, visibleMessages } from "./turn";

function Welcome({ assistant, onStarter }: { assistant: Assistant | undefined; onStarter: (q: string) => void }) {
  const { t } = useTranslation("chat");
  return (
    <div className="chat-welcome">
      <Avatar size={56} className="chat-assistant-avatar" aria-hidden>
        {assistant?.avatar || "🤖"}
      </Avatar>
      <Typography.Paragraph className="chat-welcome-text">{assistant?.description || t("conversation.welcome")}</Typography.Paragraph>
      {assistant && assistant.conversation_starters.length > 0 && (
        <div className="chat-welcome-starters" role="group" aria-label={t("assistants.starters")}>
          {assistant.conversation_starters.map((starter) => (
            <Button key={starter} className="chat-starter" onClick={() => onStarter(starter)}>
              {starter}
            </Button>
          ))}
        </div>
      )}
    </div>
  );
}

export function ConversationScreen({ mode }: { mode: "assistant" | "conversation" }) {
  const { t } = useTranslation("chat");
  const params = useParams();
  const navigate = useNavigate();
  const { message } = App.useApp();
  const streams = useStreams();
  const create = useCreateConversation();
  const upload = useUploadAttachments();
  const conversationId = mode === "conversation" ? Number(params.conversationId) : null;
  const detail = useConversation(conversationId);
  const assistants = useAssistants();
  const assistantId = mode === "assistant" ? Number(params.assistantId) : detail.data?.assistant;
  const assistant = assistants.data?.find((a) => a.id === assistantId);
  const live = conversationId != null ? streams.turns[conversationId] : undefined;
  const streaming = isActive(live);
  const [feedbackTarget, setFeedbackTarget] = useState<FeedbackTarget | null>(null);
  const [ratings, setRatings] = useState<Record<number, "up" | "down">>({});
  const end = useRef<HTMLDivElement>(null);

  const stored = mode === "conversation" && detail.data?.id === conversationId ? detail.data.messages : [];
  const messages = useMemo(() => visibleMessages(stored, live), [stored, live]);
  const lastAnswer = lastAnswerId(messages);

  // Follow the answer as it grows, unless the person scrolled up to read.
  useEffect(() => {
    const nearBottom = window.innerHeight + window.scrollY >= document.documentElement.scrollHeight - 240;
    if (nearBottom || live?.status === "connecting") end.current?.scrollIntoView?.({ block: "end" });
  }, [live?.text, live?.status, messages.length]);

  const ensureConversation = async (): Promise<number | null> => {
    if (conversationId != null) return conversationId;
    if (assistantId == null || Number.isNaN(assistantId)) return null;
    try {
      const conversation = await create.mutateAsync(assistantId);
      navigate(`/chat/c/${conversation.id}`, { replace: true });
      return conversation.id;
    } catch (error) {
      message.error(errorMessage(error));
      return null;
    }
  };

  const send = async (question: string): Promise<boolean> => {
    const id = await ensureConversation();
    if (id == null) return false;
    streams.ask(id, question);
    return true;
  };

  const attach = async (files: File[]) => {
    const id = await ensureConversation();
    if (id == null) return;
    try {
      const outcomes = await upload.mutateAsync({ conversation: id, files });
      for (const outcome of outcomes) {
        if (outcome.outcome === "rejected") message.error(t("attachments.rejected", { name: outcome.filename, reason: outcome.reason }));
        else if (outcome.outcome === "duplicate") message.info(t("attachments.duplicate", { name: outcome.filename }));
      }
    } catch (error) {
      message.error(errorMessage(error));
    }
  };

  if (mode === "conversation") {
    if (detail.isLoading && !detail.data) return <Loading rows={6} />;
    if (detail.error) return <QueryError error={detail.error} onRetry={() => void detail.refetch()} />;
  } else {
    if (assistants.isLoading) return <Loading rows={6} />;
    if (assistants.error) return <QueryError error={assistants.error} onRetry={() => void assistants.refetch()} />;
    if (!assistant)
      return (
        <EmptyState
          description={t("conversation.assistantUnavailable")}
          action={<Button onClick={() => navigate("/chat")}>{t("conversation.backToAssistants")}</Button>}
        />
      );
  }

  const title = (mode === "conversation" ? detail.data?.title : "") || assistant?.name || detail.data?.assistant_name || "";
  const assistantName = assistant?.name ?? detail.data?.assistant_name ?? "";
  const avatar = assistant?.avatar ?? "";
  const empty = messages.length === 0 && !live;

  return (
    <div className="chat-conversation">
      <header className="chat-conversation-head">
        <Typography.Title level={1} className="chat-page-title chat-conversation-title" ellipsis>
          {title}
        </Typography.Title>
        <Space size={4} wrap>
          {title !== assistantName && <Typography.Text type="secondary">{assistantName}</Typography.Text>}
          {assistant && <Tag>{assistant.department_name}</Tag>}
          {detail.data?.version_number != null && <Tag>{t("conversation.version", { number: detail.data.version_number })}</Tag>}
        </Space>
      </header>
      <div className="chat-messages" aria-live="polite" aria-relevant="additions">
        {empty && <Welcome assistant={assistant} onStarter={(q) => void send(q)} />}
        {/* One keyed list: the live answer has its stored message's key, so that when the stored
            copy replaces it the answer stays mounted (an open citation popover stays open). */}
        {[
          ...messages.map((m) =>
            m.role === "user" ? (
              <QuestionItem key={`m${m.id}`} text={m.content} />
            ) : (
              <AnswerItem
                key={`m${m.id}`}
                answer={answerOfStored(m)}
                assistantAvatar={avatar}
                actions={{
                  canRegenerate: m.id === lastAnswer && !streaming && !live,
                  feedback: ratings[m.id],
                  onRegenerate: () => conversationId != null && streams.regenerate(conversationId, m.id),
                  onRetry: () => conversationId != null && streams.regenerate(conversationId, m.id),
                  onFeedback: (rating) => conversationId != null && setFeedbackTarget({ conversation: conversationId, message: m.id, rating }),
                }}
              />
            ),
          ),
          ...(live
            ? [
                live.regenerateOf == null && live.question ? <QuestionItem key="live-question" text={live.question} /> : null,
                <AnswerItem
                  key={live.messageId != null ? `m${live.messageId}` : "live-answer"}
                  answer={answerOfLive(live)}
                  assistantAvatar={avatar}
                  actions={{
                    canRegenerate: false,
                    feedback: live.messageId != null ? ratings[live.messageId] : undefined,
                    onRegenerate: () => undefined,
                    onRetry: () => conversationId != null && streams.retry(conversationId),
                    onFeedback: (rating) =>
                      conversationId != null &&
                      live.messageId != null &&
                      setFeedbackTarget({ conversation: conversationId, message: live.messageId, rating }),
                  }}
                />,
              ]
            : []),
        ]}
        <div ref={end} />
      </div>
      <div className="chat-composer-dock">
        <AttachmentList conversationId={conversationId} />
        <Composer
          streaming={streaming}
          busy={create.isPending || upload.isPending}
          onSend={send}
          onStop={() => conversationId != null && void streams.stop(conversationId)}
          onAttach={(files) => void attach(files)}
        />
      </div>
      <FeedbackDialog
        target={feedbackTarget}
        onClose={() => setFeedbackTarget(null)}
        onSent={(id, rating) => setRatings((r) => ({ ...r, [id]: rating }))}
      />
    </div>
  );
}
