import { describe, expect, it } from "vitest";

import { toChatEvent, type ChatEvent } from "../../api/chatStream";
import { applyEvent, endOfStream, isActive, lastAnswerId, newTurn, visibleMessages, type LiveTurn, type StoredMessage } from "./turn";

const ev = (event: string, data: unknown) => ({ event, data: JSON.stringify(data) });

/** The turn after the stream's events, each read as the client reads it (toChatEvent). */
function run(events: { event: string; data: string }[], turn: LiveTurn = newTurn(7, "Câu hỏi")): LiveTurn {
  return events
    .map(toChatEvent)
    .filter((event): event is ChatEvent => event !== null)
    .reduce(applyEvent, turn);
}

function message(id: number, role: "user" | "assistant", content: string, extra: Partial<StoredMessage> = {}): StoredMessage {
  return {
    id,
    role,
    content,
    status: "completed",
    error: "",
    extractive: false,
    model: "",
    prompt_tokens: 0,
    completion_tokens: 0,
    ttft_ms: null,
    latency_ms: null,
    regenerated_from: null,
    created_at: "2026-11-25T10:00:00Z",
    citations: [],
    tool_calls: [],
    redactions: {},
    ...extra,
  };
}

describe("applyEvent", () => {
  it("builds the answer from the events of a stream", () => {
    const turn = run([
      ev("message.started", { message_id: 42, conversation_id: 7, version: 1 }),
      ev("tool.call", { id: "c1", name: "tra_cuu", arguments: "{}" }),
      ev("tool.result", { id: "c1", name: "tra_cuu", status: "succeeded", summary: "3 đoạn", duration_ms: 5 }),
      ev("text.delta", { text: "Theo " }),
      ev("text.delta", { text: "Điều 8 [1]" }),
      ev("citation", { marker: 1, document_id: 3, knowledge_base_id: 2, document_title: "NĐ 30", snippet: "…" }),
      ev("message.completed", { message_id: 42, status: "completed" }),
    ]);
    expect(turn.messageId).toBe(42);
    expect(turn.text).toBe("Theo Điều 8 [1]");
    expect(turn.toolCalls).toEqual([{ id: "c1", name: "tra_cuu", status: "succeeded", summary: "3 đoạn" }]);
    expect(turn.citations.map((c) => c.marker)).toEqual([1]);
    expect(turn.status).toBe("completed");
    expect(isActive(turn)).toBe(false);
  });

  it("shows a tool as running until its result", () => {
    const turn = run([ev("message.started", { message_id: 1 }), ev("tool.call", { id: "c1", name: "phan_tich_bang" })]);
    expect(turn.toolCalls[0].status).toBe("running");
    expect(isActive(turn)).toBe(true);
  });

  it("keeps the server's error and marks the answer failed", () => {
    const turn = run([ev("message.started", { message_id: 5 }), ev("error", { code: "llm_unavailable", message: "Mô hình không phản hồi", message_id: 5 })]);
    expect(turn.status).toBe("failed");
    expect(turn.error).toEqual({ code: "llm_unavailable", message: "Mô hình không phản hồi" });
  });

  it("records a stop, and a cut stream as a failure", () => {
    expect(run([ev("message.completed", { status: "stopped" })]).status).toBe("stopped");
    const cut = endOfStream(run([ev("message.started", { message_id: 1 }), ev("text.delta", { text: "Đang" })]), "cut");
    expect(cut.status).toBe("failed");
    expect(cut.error?.code).toBe("stream_cut");
    expect(endOfStream(run([ev("message.completed", { status: "completed" })]), "cut").status).toBe("completed");
  });

  it("shows the attached files the answer waits for, as they move on, until the answer starts", () => {
    const waiting = run([
      ev("attachment.waiting", { attachments: [{ id: 9, filename: "bien_ban.pdf", status: "queued", chunks_done: 0, chunks_total: 0 }] }),
      ev("attachment.waiting", { attachments: [{ id: 9, filename: "bien_ban.pdf", status: "embedding", chunks_done: 3, chunks_total: 8 }] }),
    ]);
    expect(waiting.waitingFor).toEqual([{ id: 9, filename: "bien_ban.pdf", status: "embedding", chunksDone: 3, chunksTotal: 8 }]);
    expect(waiting.status).toBe("connecting");
    expect(isActive(waiting)).toBe(true);
    const started = run([ev("message.started", { message_id: 12 }), ev("text.delta", { text: "Ngày 15 tháng 11 [1]" })], waiting);
    expect(started.waitingFor).toEqual([]);
    expect(started.status).toBe("streaming");
  });

  it("ignores unknown events and bad JSON", () => {
    const turn = newTurn(1, "q");
    expect(run([{ event: "ping", data: "{}" }], turn)).toBe(turn);
    expect(run([{ event: "text.delta", data: "not json" }], turn).text).toBe("");
  });
});

describe("visibleMessages", () => {
  const stored = [message(1, "user", "Hỏi 1"), message(2, "assistant", "Đáp cũ"), message(3, "assistant", "Đáp mới", { regenerated_from: 2 })];

  it("hides answers replaced by a regeneration", () => {
    expect(visibleMessages(stored, undefined).map((m) => m.id)).toEqual([1, 3]);
    expect(lastAnswerId(visibleMessages(stored, undefined))).toBe(3);
  });

  it("hides the stored copies of the streaming turn", () => {
    const withLive = [...stored, message(4, "user", "Hỏi 2"), message(5, "assistant", "", { status: "streaming" })];
    const live = { ...newTurn(1, "Hỏi 2"), messageId: 5, status: "streaming" as const };
    expect(visibleMessages(withLive, live).map((m) => m.id)).toEqual([1, 3]);
    const before = { ...newTurn(1, "Hỏi 2") };
    expect(visibleMessages([...stored, message(4, "user", "Hỏi 2")], before).map((m) => m.id)).toEqual([1, 3]);
  });

  it("hides the answer being regenerated", () => {
    const live = newTurn(1, "", 3);
    expect(visibleMessages(stored, live).map((m) => m.id)).toEqual([1]);
  });
});
