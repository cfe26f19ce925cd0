// Trying the draft while building it: a preview conversation pinned to the draft (only editors may
// open one), its answer streamed as server-sent events.
import { ReloadOutlined, SendOutlined } from "@ant-design/icons";
import { Alert, Button, Card, Input, Space, Typography } from "antd";
import { useEffect, useRef, useState } from "react";
import { useTranslation } from "react-i18next";

import { openChatStream, readChatEvents, type CitationData } from "../../api/chatStream";
import { api } from "../../api/client";
import { errorMessage, unwrap } from "../../api/errors";
import { AnswerMarkdown } from "../chat/AnswerMarkdown";
import "../chat/chat.css";

// The answer is drawn as chat draws it: one Markdown renderer, with its citation markers.
type PreviewCitation = CitationData;

interface ChatLine {
  role: "user" | "assistant";
  text: string;
  failed?: boolean;
  citations?: PreviewCitation[];
}

function pages(citation: PreviewCitation): string {
  if (!citation.page_start) return "";
  return citation.page_end && citation.page_end !== citation.page_start
    ? ` (${citation.page_start}–${citation.page_end})`
    : ` (${citation.page_start})`;
}

export function PreviewChat({ assistantId, starters, unsaved }: { assistantId: number; starters: string[]; unsaved: boolean }) {
  const { t } = useTranslation("builder");
  const [conversationId, setConversationId] = useState<number | null>(null);
  const [lines, setLines] = useState<ChatLine[]>([]);
  const [question, setQuestion] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const log = useRef<HTMLDivElement>(null);

  useEffect(() => {
    log.current?.scrollTo({ top: log.current.scrollHeight });
  }, [lines]);

  function appendToAnswer(text: string, failed = false) {
    setLines((current) => {
      const copy = [...current];
      const last = copy[copy.length - 1];
      copy[copy.length - 1] = { ...last, text: last.text + text, failed: failed || last.failed };
      return copy;
    });
  }

  function addCitation(citation: PreviewCitation) {
    setLines((current) => {
      const copy = [...current];
      const last = copy[copy.length - 1];
      copy[copy.length - 1] = { ...last, citations: [...(last.citations ?? []), citation] };
      return copy;
    });
  }

  async function ask(content: string) {
    const text = content.trim();
    if (!text || busy) return;
    setBusy(true);
    setError(null);
    setQuestion("");
    setLines((current) => [...current, { role: "user", text }, { role: "assistant", text: "" }]);
    try {
      let id = conversationId;
      if (id === null) {
        const conversation = unwrap(
          await api.POST("/api/v1/conversations/", { body: { assistant: assistantId, preview: true, title: "" } }),
        );
        id = conversation.id;
        setConversationId(id);
      }
      for await (const event of readChatEvents(await openChatStream(id, { content: text }))) {
        if (event.type === "text.delta" && event.text) appendToAnswer(event.text);
        else if (event.type === "citation") addCitation(event.citation);
        else if (event.type === "error") appendToAnswer(event.message ? `\n${event.message}` : "", true);
      }
    } catch (err) {
      setError(errorMessage(err));
      setLines((current) => (current[current.length - 1]?.text ? current : current.slice(0, -1)));
    } finally {
      setBusy(false);
    }
  }

  function restart() {
    setConversationId(null);
    setLines([]);
    setError(null);
  }

  return (
    <Card
      className="builder-preview"
      size="small"
      title={<Typography.Title level={2} style={{ fontSize: 16, margin: 0 }}>{t("preview.title")}</Typography.Title>}
      extra={
        <Button size="small" icon={<ReloadOutlined />} onClick={restart} disabled={busy}>
          {t("preview.restart")}
        </Button>
      }
    >
      {unsaved && <Alert type="warning" showIcon title={t("preview.unsaved")} style={{ marginBottom: 8 }} />}
      <div className="builder-chat-log" ref={log} role="log" aria-live="polite" aria-label={t("preview.log")} data-testid="preview-log">
        {lines.length === 0 ? (
          <div>
            <Typography.Paragraph type="secondary">{t("preview.hint")}</Typography.Paragraph>
            <Space wrap>
              {starters.filter(Boolean).map((starter) => (
                <Button key={starter} size="small" onClick={() => void ask(starter)}>
                  {starter}
                </Button>
              ))}
            </Space>
          </div>
        ) : (
          lines.map((line, index) => (
            <div
              key={index}
              className={`builder-bubble builder-bubble-${line.role}`}
              data-testid={line.role === "assistant" ? "preview-answer" : "preview-question"}
            >
              <span className="sr-only">{t(line.role === "user" ? "preview.you" : "preview.assistant")}: </span>
              {line.role === "assistant" && line.text ? (
                <AnswerMarkdown text={line.text} citations={line.citations ?? []} />
              ) : (
                line.text || (busy && index === lines.length - 1 ? t("preview.thinking") : "")
              )}
              {line.citations && line.citations.length > 0 && (
                <ol className="builder-preview-sources" aria-label={t("preview.sources")} data-testid="preview-sources">
                  {line.citations.map((c) => (
                    <li key={c.marker} value={c.marker}>
                      {c.document_title}
                      {pages(c)}
                    </li>
                  ))}
                </ol>
              )}
            </div>
          ))
        )}
      </div>
      {error && <Alert type="error" showIcon title={error} style={{ marginBottom: 8 }} />}
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void ask(question);
        }}
      >
        <Space.Compact style={{ width: "100%" }}>
          <Input.TextArea
            value={question}
            onChange={(e) => setQuestion(e.target.value)}
            aria-label={t("preview.question")}
            placeholder={t("preview.placeholder")}
            autoSize={{ minRows: 1, maxRows: 4 }}
            onKeyDown={(e) => {
              if (e.key === "Enter" && !e.shiftKey) {
                e.preventDefault();
                void ask(question);
              }
            }}
          />
          <Button type="primary" htmlType="submit" icon={<SendOutlined />} loading={busy} aria-label={t("preview.send")} />
        </Space.Compact>
      </form>
    </Card>
  );
}
