// One message of a conversation: the question, or the answer with its tool calls, analysis results,
// drafted files, citations and actions (copy, regenerate, feedback); a failed answer shows the
// server's message and a retry button.
import {
  CheckCircleFilled,
  CloseCircleFilled,
  CopyOutlined,
  DislikeFilled,
  DislikeOutlined,
  FilePdfOutlined,
  FileWordOutlined,
  LikeFilled,
  LikeOutlined,
  LoadingOutlined,
  RedoOutlined,
  StopOutlined,
  ToolOutlined,
} from "@ant-design/icons";
import { Alert, App, Avatar, Button, Card, Space, Tag, Tooltip, Typography } from "antd";
import { useTranslation } from "react-i18next";

import { baseHeaders } from "../../api/client";
import { ApiError, errorMessage } from "../../api/errors";
import { AnalysisView } from "./AnalysisView";
import { AnswerMarkdown } from "./AnswerMarkdown";
import type { CitationInfo } from "./citations";
import { analysisOf, draftedFileOf } from "./toolResults";
import type { IndexingAttachment } from "../../api/chatStream";
import type { LiveTurn, StoredMessage, StoredToolCall } from "./turn";

export interface AnswerView {
  id: number | null;
  text: string;
  status: "connecting" | "streaming" | "pending" | "completed" | "stopped" | "failed";
  error: string;
  citations: readonly CitationInfo[];
  tools: { key: string; name: string; status: string; summary: string }[];
  stored: readonly StoredToolCall[];
  /** Attached files the answer waits for, still being indexed (a live answer only). */
  waitingFor?: readonly IndexingAttachment[];
}

export function answerOfStored(message: StoredMessage): AnswerView {
  return {
    id: message.id,
    text: message.content,
    status: message.status,
    error: message.error,
    citations: message.citations,
    tools: message.tool_calls.map((call) => ({
      key: String(call.id),
      name: call.name,
      status: call.status,
      summary: call.error && call.status !== "succeeded" ? call.error : call.result_summary,
    })),
    stored: message.tool_calls,
  };
}

export function answerOfLive(turn: LiveTurn): AnswerView {
  return {
    id: turn.messageId,
    text: turn.text,
    status: turn.status,
    error: turn.error?.message ?? "",
    citations: turn.citations,
    waitingFor: turn.waitingFor,
    tools: turn.toolCalls.map((call) => ({ key: call.id, name: call.name, status: call.status, summary: call.summary })),
    stored: [],
  };
}

export function QuestionItem({ text }: { text: string }) {
  const { t } = useTranslation("chat");
  return (
    <div className="chat-row chat-row-user">
      <div className="chat-bubble chat-bubble-user" aria-label={t("message.yourQuestion")} role="group">
        {text}
      </div>
    </div>
  );
}

function ToolCalls({ tools }: { tools: AnswerView["tools"] }) {
  const { t } = useTranslation("chat");
  if (tools.length === 0) return null;
  return (
    <ul className="chat-tools" aria-label={t("tools.label")}>
      {tools.map((tool) => (
        <li key={tool.key}>
          {tool.status === "running" ? (
            <LoadingOutlined aria-hidden />
          ) : tool.status === "succeeded" ? (
            <CheckCircleFilled style={{ color: "#237804" }} aria-hidden />
          ) : (
            <CloseCircleFilled style={{ color: "#a8071a" }} aria-hidden />
          )}
          <ToolOutlined aria-hidden />
          <Typography.Text code>{tool.name}</Typography.Text>
          <Typography.Text type="secondary">
            {t(`tools.status.${tool.status}`, { defaultValue: tool.status })}
            {tool.summary ? ` · ${tool.summary}` : ""}
          </Typography.Text>
        </li>
      ))}
    </ul>
  );
}

/** The PDF is made by the server on first request and may fail (no LibreOffice there): fetched
 * rather than linked, so that the reason is shown instead of a broken download. */
async function downloadPdf(url: string, filename: string): Promise<void> {
  const response = await fetch(url, { headers: baseHeaders(), credentials: "same-origin" });
  if (!response.ok) throw new ApiError(response.status, await response.json().catch(() => null));
  const link = document.createElement("a");
  link.href = URL.createObjectURL(await response.blob());
  link.download = filename;
  document.body.appendChild(link);
  link.click();
  link.remove();
  URL.revokeObjectURL(link.href);
}

function DraftedFiles({ calls }: { calls: readonly StoredToolCall[] }) {
  const { t } = useTranslation("chat");
  const { message } = App.useApp();
  const files = calls.map(draftedFileOf).filter((f) => f !== null);
  if (files.length === 0) return null;
  return (
    <Space orientation="vertical" className="chat-files">
      {files.map((file) => (
        <Card size="small" key={file.fileId} data-testid="drafted-file">
          <Space wrap align="center">
            <FileWordOutlined style={{ fontSize: 28, color: "#1d4ed8" }} aria-hidden />
            <Space orientation="vertical" size={0}>
              <Typography.Text strong>{file.filename}</Typography.Text>
              <Typography.Text type="secondary">{[file.number, file.date].filter(Boolean).join(" · ") || t("files.drafted")}</Typography.Text>
            </Space>
            <Button href={file.url} type="primary" ghost download aria-label={t("files.downloadNamed", { name: file.filename })}>
              {t("files.download")}
            </Button>
            <Button
              icon={<FilePdfOutlined aria-hidden />}
              aria-label={t("files.downloadNamed", { name: file.pdfFilename })}
              onClick={() => downloadPdf(file.pdfUrl, file.pdfFilename).catch((error) => message.error(errorMessage(error)))}
            >
              {t("files.downloadPdf")}
            </Button>
          </Space>
        </Card>
      ))}
    </Space>
  );
}

/** The clipboard API exists only in secure contexts (HTTPS, localhost); an intranet served over
 * plain HTTP falls back to the older copy command. */
async function copyText(text: string): Promise<boolean> {
  try {
    if (navigator.clipboard && window.isSecureContext) {
      await navigator.clipboard.writeText(text);
      return true;
    }
  } catch {
    // fall through to the older way
  }
  const area = document.createElement("textarea");
  area.value = text;
  area.setAttribute("readonly", "");
  area.style.position = "fixed";
  area.style.opacity = "0";
  document.body.appendChild(area);
  area.select();
  try {
    return document.execCommand("copy");
  } catch {
    return false;
  } finally {
    area.remove();
  }
}

/** "bien_ban.pdf (12/40)" while its passages are embedded, else its name. */
function attachmentProgress(attachment: IndexingAttachment): string {
  return attachment.chunksTotal > 0 ? `${attachment.filename} (${attachment.chunksDone}/${attachment.chunksTotal})` : attachment.filename;
}

export interface AnswerActions {
  canRegenerate: boolean;
  feedback?: "up" | "down";
  onRegenerate: () => void;
  onFeedback: (rating: "up" | "down") => void;
  onRetry: () => void;
}

export function AnswerItem({ answer, assistantAvatar, actions }: { answer: AnswerView; assistantAvatar: string; actions: AnswerActions }) {
  const { t } = useTranslation("chat");
  const { message } = App.useApp();
  const working = answer.status === "connecting" || answer.status === "streaming" || answer.status === "pending";
  const analyses = answer.stored.map(analysisOf).filter((a) => a !== null);

  const copy = async () => {
    if (await copyText(answer.text)) message.success(t("actions.copied"));
    else message.error(t("actions.copyFailed"));
  };

  return (
    <div className="chat-row chat-row-assistant">
      <Avatar className="chat-avatar" aria-hidden>
        {assistantAvatar || "🤖"}
      </Avatar>
      <div className="chat-answer" role="group" aria-label={t("message.answer")} aria-busy={working}>
        <ToolCalls tools={answer.tools} />
        {answer.text ? (
          <AnswerMarkdown text={answer.text} citations={answer.citations} />
        ) : working && answer.waitingFor?.length ? (
          <Typography.Text type="secondary" role="status">
            <LoadingOutlined /> {t("message.waitingForAttachments", { files: answer.waitingFor.map(attachmentProgress).join(", ") })}
          </Typography.Text>
        ) : working ? (
          <Typography.Text type="secondary" role="status">
            <LoadingOutlined /> {t("message.thinking")}
          </Typography.Text>
        ) : null}
        {working && answer.text && <span className="chat-cursor" aria-hidden />}
        {analyses.map((analysis, i) => (
          <AnalysisView key={i} analysis={analysis} />
        ))}
        <DraftedFiles calls={answer.stored} />
        {answer.status === "stopped" && (
          <Tag icon={<StopOutlined />} className="chat-stopped">
            {t("message.stopped")}
          </Tag>
        )}
        {answer.status === "failed" && (
          <Alert
            type="error"
            showIcon
            role="alert"
            title={t("errors.answerFailed")}
            description={answer.error || t("errors.unknown")}
            action={
              <Button size="small" icon={<RedoOutlined />} onClick={actions.onRetry}>
                {t("actions.retry")}
              </Button>
            }
          />
        )}
        {!working && answer.id != null && answer.status !== "failed" && (
          <Space size={0} className="chat-actions">
            <Tooltip title={t("actions.copy")}>
              <Button type="text" size="small" icon={<CopyOutlined />} aria-label={t("actions.copy")} onClick={() => void copy()} />
            </Tooltip>
            {actions.canRegenerate && (
              <Tooltip title={t("actions.regenerate")}>
                <Button type="text" size="small" icon={<RedoOutlined />} aria-label={t("actions.regenerate")} onClick={actions.onRegenerate} />
              </Tooltip>
            )}
            <Tooltip title={t("feedback.up")}>
              <Button
                type="text"
                size="small"
                icon={actions.feedback === "up" ? <LikeFilled /> : <LikeOutlined />}
                aria-label={t("feedback.up")}
                aria-pressed={actions.feedback === "up"}
                onClick={() => actions.onFeedback("up")}
              />
            </Tooltip>
            <Tooltip title={t("feedback.down")}>
              <Button
                type="text"
                size="small"
                icon={actions.feedback === "down" ? <DislikeFilled /> : <DislikeOutlined />}
                aria-label={t("feedback.down")}
                aria-pressed={actions.feedback === "down"}
                onClick={() => actions.onFeedback("down")}
              />
            </Tooltip>
          </Space>
        )}
      </div>
    </div>
  );
}
