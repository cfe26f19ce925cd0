import { afterEach, describe, expect, it, vi } from "vitest";

import { openChatStream, readChatEvents, toChatEvent, type ChatEvent } from "./chatStream";
import { ApiError } from "./errors";

const sse = (event: string, data: unknown) => ({ event, data: JSON.stringify(data) });

function body(chunks: string[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream<Uint8Array>({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(encoder.encode(chunk));
      controller.close();
    },
  });
}

async function collect(stream: ReadableStream<Uint8Array>): Promise<ChatEvent[]> {
  const events: ChatEvent[] = [];
  for await (const event of readChatEvents(stream)) events.push(event);
  return events;
}

describe("toChatEvent", () => {
  it("types each event of the backend's stream", () => {
    expect(toChatEvent(sse("message.started", { message_id: 42, conversation_id: 7, version: 1, extractive: false }))).toEqual({
      type: "message.started",
      messageId: 42,
    });
    expect(toChatEvent(sse("text.delta", { text: "Theo " }))).toEqual({ type: "text.delta", text: "Theo " });
    expect(toChatEvent(sse("tool.call", { id: "c1", name: "tra_cuu", arguments: '{"q":"hộ tịch"}' }))).toEqual({
      type: "tool.call",
      id: "c1",
      name: "tra_cuu",
      arguments: '{"q":"hộ tịch"}',
    });
    expect(toChatEvent(sse("tool.result", { id: "c1", name: "tra_cuu", status: "refused", summary: "Không được phép", duration_ms: 3 }))).toEqual({
      type: "tool.result",
      id: "c1",
      name: "tra_cuu",
      status: "refused",
      summary: "Không được phép",
    });
    const citation = { marker: 1, document_id: 3, knowledge_base_id: 2, document_title: "NĐ 30", page_start: 4, page_end: 5, snippet: "…" };
    expect(toChatEvent(sse("citation", citation))).toEqual({ type: "citation", citation });
    expect(toChatEvent(sse("message.completed", { message_id: 42, status: "stopped", usage: {} }))).toEqual({
      type: "message.completed",
      messageId: 42,
      status: "stopped",
    });
    expect(toChatEvent(sse("error", { code: "llm_unavailable", message: "Mô hình không phản hồi", message_id: 42 }))).toEqual({
      type: "error",
      code: "llm_unavailable",
      message: "Mô hình không phản hồi",
      messageId: 42,
    });
  });

  it("reads a tool status it does not know as a failure, never a success", () => {
    expect(toChatEvent(sse("tool.result", { id: "c1", name: "x", status: "exploded" }))).toMatchObject({ status: "failed" });
  });

  it("drops unknown events and citations without a marker; a payload that is not JSON reads as empty", () => {
    expect(toChatEvent(sse("ping", {}))).toBeNull();
    expect(toChatEvent(sse("citation", { document_title: "NĐ 30" }))).toBeNull();
    expect(toChatEvent({ event: "error", data: "not json" })).toEqual({ type: "error", code: "error", message: "", messageId: null });
  });
});

describe("readChatEvents", () => {
  it("reads typed events from a body cut mid-event, skipping the unknown ones", async () => {
    const whole =
      'event: message.started\ndata: {"message_id": 5}\n\n: keep-alive\n\nevent: text.delta\ndata: {"text": "Thủ tục"}\n\n' +
      'event: ping\ndata: {}\n\nevent: message.completed\ndata: {"message_id": 5, "status": "completed"}\n\n';
    for (const cut of [10, 40, whole.indexOf("Thủ") + 1, whole.length - 3]) {
      expect(await collect(body([whole.slice(0, cut), whole.slice(cut)]))).toEqual([
        { type: "message.started", messageId: 5 },
        { type: "text.delta", text: "Thủ tục" },
        { type: "message.completed", messageId: 5, status: "completed" },
      ]);
    }
  });
});

describe("openChatStream", () => {
  afterEach(() => vi.unstubAllGlobals());

  it("posts a question, or a regeneration, asking for the event stream", async () => {
    const fetch = vi.fn(async () => new Response("event: text.delta\ndata: {}\n\n", { status: 201 }));
    vi.stubGlobal("fetch", fetch);
    await openChatStream(7, { content: "Xin chào" });
    await openChatStream(7, { regenerate: 42 });
    const calls = fetch.mock.calls as unknown as [string, RequestInit][];
    expect(calls.map(([path, init]) => [path, init.body])).toEqual([
      ["/api/v1/conversations/7/messages/", '{"content":"Xin chào"}'],
      ["/api/v1/conversations/7/messages/42/regenerate/", "{}"],
    ]);
    expect((calls[0][1].headers as Record<string, string>).Accept).toBe("text/event-stream");
  });

  it("turns a refusal before the stream into the server's message", async () => {
    const refusal = { error: { code: "quota_exceeded", message: "Đã hết hạn mức hôm nay", details: {} } };
    vi.stubGlobal("fetch", vi.fn(async () => new Response(JSON.stringify(refusal), { status: 429 })));
    const error = await openChatStream(7, { content: "?" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 429, code: "quota_exceeded", message: "Đã hết hạn mức hôm nay" });
  });
});
