import { describe, expect, it } from "vitest";

import { readSse, SseParser } from "./sse";

describe("SSE reader", () => {
  it("parses events split across chunks", () => {
    const parser = new SseParser();
    expect(parser.feed('event: text.delta\ndata: {"text":"Xin')).toEqual([]);
    expect(parser.feed(' chào"}\n\nevent: message.completed\ndata: {}\n\n')).toEqual([
      { event: "text.delta", data: '{"text":"Xin chào"}' },
      { event: "message.completed", data: "{}" },
    ]);
  });

  it("ignores comments and joins multi-line data", () => {
    const parser = new SseParser();
    expect(parser.feed(": keep-alive\n\ndata: a\ndata: b\r\n\r\n")).toEqual([{ event: "message", data: "a\nb" }]);
  });

  it("reads a whole response body", async () => {
    const body = new Response('event: text.delta\ndata: {"text":"Một"}\n\nevent: text.delta\ndata: {"text":"Hai"}');
    const seen: string[] = [];
    await readSse(body, (e) => seen.push(JSON.parse(e.data).text));
    expect(seen).toEqual(["Một", "Hai"]);
  });
});
