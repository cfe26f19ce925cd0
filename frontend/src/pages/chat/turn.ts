// The answer being streamed, as a state built from the server's events (see the backend's
// assistants/chat/events.py), and how it joins the stored messages of the conversation.
import type { ChatEvent, IndexingAttachment, ToolStatus } from "../../api/chatStream";
import type { components } from "../../api/schema";
import type { CitationInfo } from "./citations";

export type StoredMessage = components["schemas"]["Message"];
export type StoredToolCall = components["schemas"]["ToolCall"];

export interface LiveToolCall {
  id: string;
  name: string;
  status: "running" | ToolStatus;
  summary: string;
}

export type TurnStatus = "connecting" | "streaming" | "completed" | "stopped" | "failed";

export interface TurnError {
  code: string;
  message: string;
}

export interface LiveTurn {
  conversationId: number;
  /** The question asked; for a regeneration, the answer being replaced. */
  question: string;
  regenerateOf: number | null;
  messageId: number | null;
  text: string;
  toolCalls: LiveToolCall[];
  citations: CitationInfo[];
  status: TurnStatus;
  error: TurnError | null;
  /** Attached files still being indexed, which the answer waits for before it starts. */
  waitingFor: IndexingAttachment[];
}

export function newTurn(conversationId: number, question: string, regenerateOf: number | null = null): LiveTurn {
  return {
    conversationId,
    question,
    regenerateOf,
    messageId: null,
    text: "",
    toolCalls: [],
    citations: [],
    status: "connecting",
    error: null,
    waitingFor: [],
  };
}

export function isActive(turn: LiveTurn | undefined): boolean {
  return turn !== undefined && (turn.status === "connecting" || turn.status === "streaming");
}

/** The state after one event of the stream. */
export function applyEvent(turn: LiveTurn, event: ChatEvent): LiveTurn {
  switch (event.type) {
    case "attachment.waiting":
      return { ...turn, waitingFor: event.attachments };
    case "message.started":
      return { ...turn, status: "streaming", messageId: event.messageId ?? turn.messageId, waitingFor: [] };
    case "text.delta":
      return { ...turn, status: "streaming", text: turn.text + event.text };
    case "tool.call":
      if (turn.toolCalls.some((call) => call.id === event.id)) return turn;
      return { ...turn, toolCalls: [...turn.toolCalls, { id: event.id, name: event.name, status: "running", summary: "" }] };
    case "tool.result": {
      const done = { id: event.id, name: event.name, status: event.status, summary: event.summary };
      const known = turn.toolCalls.some((call) => call.id === event.id);
      return {
        ...turn,
        toolCalls: known ? turn.toolCalls.map((call) => (call.id === event.id ? done : call)) : [...turn.toolCalls, done],
      };
    }
    case "citation":
      return { ...turn, citations: [...turn.citations, event.citation] };
    case "message.completed":
      return { ...turn, status: event.status === "stopped" ? "stopped" : event.status === "failed" ? "failed" : "completed" };
    case "error":
      return {
        ...turn,
        status: "failed",
        error: { code: event.code, message: event.message },
        messageId: event.messageId ?? turn.messageId,
      };
  }
}

/** A stream that ended without message.completed or error was cut (network, server restart). */
export function endOfStream(turn: LiveTurn, cutMessage: string): LiveTurn {
  if (!isActive(turn)) return turn;
  return { ...turn, status: "failed", error: { code: "stream_cut", message: cutMessage } };
}

/** The messages to show: answers replaced by a regeneration are hidden (the newest one stays),
 * and while an answer streams, the stored copies of its question and answer give way to it. */
export function visibleMessages(stored: readonly StoredMessage[], live: LiveTurn | undefined): StoredMessage[] {
  const replaced = new Set(stored.map((m) => m.regenerated_from).filter((id): id is number => id != null));
  if (live?.regenerateOf != null) replaced.add(live.regenerateOf);
  let shown = stored.filter((m) => !replaced.has(m.id));
  if (!live) return shown;
  if (live.messageId != null) shown = shown.filter((m) => m.id !== live.messageId);
  if (live.regenerateOf == null) {
    // The stored question of this turn, if the list was loaded after it was sent: the last user
    // message with the same text, followed by nothing older than the live answer.
    const last = shown[shown.length - 1];
    const beforeLast = shown[shown.length - 2];
    const isLiveQuestion = (m: StoredMessage | undefined) => m?.role === "user" && m.content.trim() === live.question.trim();
    if (isLiveQuestion(last)) shown = shown.slice(0, -1);
    else if (isLiveQuestion(beforeLast) && last?.role === "assistant" && last.status === "streaming") shown = shown.slice(0, -2);
  }
  return shown;
}

/** The message the regenerate button answers again: the last answer shown. */
export function lastAnswerId(messages: readonly StoredMessage[]): number | null {
  for (let i = messages.length - 1; i >= 0; i--) if (messages[i].role === "assistant") return messages[i].id;
  return null;
}
