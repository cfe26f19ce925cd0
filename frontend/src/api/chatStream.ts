// An answer streamed by the chat API (POST …/messages/ and …/regenerate/ with Accept:
// text/event-stream), as typed events. The events and their payloads are the backend's
// (assistants/chat/events.py); the chat and the builder's preview read them from here.
import { baseHeaders } from "./client";
import { ApiError } from "./errors";
import type { components } from "./schema";
import { readEvents, type ServerSentEvent } from "./sse";

export type ToolStatus = components["schemas"]["ToolCallStatusEnum"];
export type MessageStatus = components["schemas"]["MessageStatusEnum"];

export interface CitationData {
  marker: number;
  chunk_id?: number | null;
  document_id?: number | null;
  knowledge_base_id?: number | null;
  document_title: string;
  heading_path?: unknown;
  page_start?: number | null;
  page_end?: number | null;
  snippet: string;
  scores?: unknown;
}

/** A file attached to the conversation that the answer waits for while it is being indexed. */
export interface IndexingAttachment {
  id: number;
  filename: string;
  status: string;
  chunksDone: number;
  chunksTotal: number;
}

export type ChatEvent =
  | { type: "attachment.waiting"; attachments: IndexingAttachment[] }
  | { type: "message.started"; messageId: number | null }
  | { type: "text.delta"; text: string }
  | { type: "tool.call"; id: string; name: string; arguments: string }
  | { type: "tool.result"; id: string; name: string; status: ToolStatus; summary: string }
  | { type: "citation"; citation: CitationData }
  | { type: "message.completed"; messageId: number | null; status: MessageStatus | string }
  | { type: "error"; code: string; message: string; messageId: number | null };

function parse(data: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(data);
    return value && typeof value === "object" ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

const str = (value: unknown): string => (typeof value === "string" ? value : value == null ? "" : String(value));
const id = (value: unknown): number | null => (typeof value === "number" ? value : null);
const TOOL_STATUSES: readonly string[] = ["succeeded", "failed", "refused"] satisfies ToolStatus[];
const count = (value: unknown): number => (typeof value === "number" ? value : 0);

function indexingAttachments(value: unknown): IndexingAttachment[] {
  if (!Array.isArray(value)) return [];
  return value
    .filter((item): item is Record<string, unknown> => !!item && typeof item === "object")
    .map((item) => ({
      id: count(item.id),
      filename: str(item.filename),
      status: str(item.status),
      chunksDone: count(item.chunks_done),
      chunksTotal: count(item.chunks_total),
    }));
}

/** The typed event of one server-sent event; null for an event this client does not know (or a
 * citation without its marker). A payload that is not JSON reads as an empty one. */
export function toChatEvent(event: ServerSentEvent): ChatEvent | null {
  const data = parse(event.data);
  switch (event.event) {
    case "attachment.waiting":
      return { type: "attachment.waiting", attachments: indexingAttachments(data.attachments) };
    case "message.started":
      return { type: "message.started", messageId: id(data.message_id) };
    case "text.delta":
      return { type: "text.delta", text: str(data.text) };
    case "tool.call":
      return { type: "tool.call", id: str(data.id), name: str(data.name), arguments: str(data.arguments) };
    case "tool.result": {
      // A status this client does not know is shown as a failure, never as a success.
      const status = (TOOL_STATUSES.includes(str(data.status)) ? data.status : "failed") as ToolStatus;
      return { type: "tool.result", id: str(data.id), name: str(data.name), status, summary: str(data.summary) };
    }
    case "citation":
      return typeof data.marker === "number" ? { type: "citation", citation: data as unknown as CitationData } : null;
    case "message.completed":
      return { type: "message.completed", messageId: id(data.message_id), status: str(data.status) };
    case "error":
      return { type: "error", code: str(data.code) || "error", message: str(data.message), messageId: id(data.message_id) };
    default:
      return null;
  }
}

/** The typed events of a streamed answer, in order. */
export async function* readChatEvents(body: ReadableStream<Uint8Array>): AsyncGenerator<ChatEvent> {
  for await (const event of readEvents(body)) {
    const typed = toChatEvent(event);
    if (typed) yield typed;
  }
}

/** What to answer: a question, or again an answer already given. */
export type ChatRequest = { content: string } | { regenerate: number };

/** Asks the server for an answer and returns its event stream. A refusal before the stream starts
 * (quota, permission, a closed conversation) is an ApiError with the server's message. */
export async function openChatStream(
  conversationId: number,
  request: ChatRequest,
  signal?: AbortSignal,
): Promise<ReadableStream<Uint8Array>> {
  const regenerate = "regenerate" in request;
  const path = regenerate
    ? `/api/v1/conversations/${conversationId}/messages/${request.regenerate}/regenerate/`
    : `/api/v1/conversations/${conversationId}/messages/`;
  const response = await fetch(path, {
    method: "POST",
    credentials: "same-origin",
    headers: { ...baseHeaders(), "Content-Type": "application/json", Accept: "text/event-stream" },
    body: JSON.stringify(regenerate ? {} : { content: request.content }),
    signal,
  });
  if (!response.ok || !response.body) {
    const body: unknown = await response.json().catch(() => undefined);
    throw new ApiError(response.status, body);
  }
  return response.body;
}
