import { describe, expect, it } from "vitest";

import { readEvents, SseParser, type ServerSentEvent } from "./sse";

function parseAll(chunks: string[]): ServerSentEvent[] {
  const parser = new SseParser();
  return chunks.flatMap((chunk) => parser.push(chunk));
}

describe("SseParser", () => {
  it("reads events with a type and JSON data", () => {
    const events = parseAll(['event: text.delta\ndata: {"text":"Xin"}\n\nevent: text.delta\ndata: {"text":" chào"}\n\n']);
    expect(events).toEqual([
      { event: "text.delta", data: '{"text":"Xin"}' },
      { event: "text.delta", data: '{"text":" chào"}' },
    ]);
  });

  it("joins an event split at any chunk boundary", () => {
    const whole = 'event: citation\ndata: {"marker":1,"document_title":"Nghị định 30"}\n\n';
    for (let cut = 1; cut < whole.length; cut++) {
      const events = parseAll([whole.slice(0, cut), whole.slice(cut)]);
      expect(events).toEqual([{ event: "citation", data: '{"marker":1,"document_title":"Nghị định 30"}' }]);
    }
  });

  it("handles one character per chunk", () => {
    const events = parseAll([..."event: a\ndata: 1\n\nevent: b\ndata: 2\n\n"]);
    expect(events.map((e) => [e.event, e.data])).toEqual([
      ["a", "1"],
      ["b", "2"],
    ]);
  });

  it("joins several data lines with a line feed", () => {
    expect(parseAll(["data: first\ndata: second\ndata:third\n\n"])).toEqual([
      { event: "message", data: "first\nsecond\nthird" },
    ]);
  });

  it("ignores comments and events without data", () => {
    const events = parseAll([": keep-alive\n\nevent: lonely\n\n:another\nevent: x\ndata: y\n\n"]);
    expect(events).toEqual([{ event: "x", data: "y" }]);
  });

  it("accepts CRLF and CR line endings, also split between chunks", () => {
    expect(parseAll(["event: a\r\ndata: 1\r\n\r\n"])).toEqual([{ event: "a", data: "1" }]);
    expect(parseAll(["event: a\rdata: 1\r\r"])).toEqual([{ event: "a", data: "1" }]);
    expect(parseAll(["event: a\r", "\ndata: 1\r", "\n\r", "\n"])).toEqual([{ event: "a", data: "1" }]);
  });

  it("keeps only one leading space of a value and remembers the id", () => {
    expect(parseAll(["id: 7\ndata:  two spaces\n\n"])).toEqual([{ event: "message", data: " two spaces", id: "7" }]);
  });

  it("drops an event the stream cut off before its blank line", () => {
    const parser = new SseParser();
    expect(parser.push("event: a\ndata: 1\n")).toEqual([]);
    expect(parser.end()).toEqual([]);
  });

  it("joins a multi-line event cut inside its data lines, as the chat and the preview receive it", () => {
    const whole = 'event: text.delta\ndata: {"text":\ndata: "Điều 8"}\n\nevent: message.completed\ndata: {}\n\n';
    for (const cut of [3, 20, 24, 30, whole.indexOf("\n\n") + 1]) {
      expect(parseAll([whole.slice(0, cut), whole.slice(cut)])).toEqual([
        { event: "text.delta", data: '{"text":\n"Điều 8"}' },
        { event: "message.completed", data: "{}" },
      ]);
    }
  });

  it("parses events split across chunks", () => {
    const parser = new SseParser();
    expect(parser.push('event: text.delta\ndata: {"text":"Xin')).toEqual([]);
    expect(parser.push(' chào"}\n\nevent: message.completed\ndata: {}\n\n')).toEqual([
      { event: "text.delta", data: '{"text":"Xin chào"}' },
      { event: "message.completed", data: "{}" },
    ]);
  });

  it("ignores comments and joins multi-line data ended by CRLF", () => {
    expect(parseAll([": keep-alive\n\ndata: a\ndata: b\r\n\r\n"])).toEqual([{ event: "message", data: "a\nb" }]);
  });
});

describe("readEvents", () => {
  it("reads a whole response body", async () => {
    const body = new Response('event: text.delta\ndata: {"text":"Một"}\n\nevent: text.delta\ndata: {"text":"Hai"}\n\n').body!;
    const seen: string[] = [];
    for await (const event of readEvents(body)) seen.push((JSON.parse(event.data) as { text: string }).text);
    expect(seen).toEqual(["Một", "Hai"]);
  });

  it("decodes UTF-8 split inside a character", async () => {
    const bytes = new TextEncoder().encode('event: text.delta\ndata: {"text":"Thủ tục"}\n\n');
    const split = bytes.indexOf(0xbb) > 0 ? bytes.indexOf(0xbb) : 30; // inside the "ủ" sequence
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(bytes.slice(0, split));
        controller.enqueue(bytes.slice(split));
        controller.close();
      },
    });
    const events: ServerSentEvent[] = [];
    for await (const event of readEvents(body)) events.push(event);
    expect(events).toEqual([{ event: "text.delta", data: '{"text":"Thủ tục"}' }]);
  });
});
