// A parser for server-sent events read from a fetch() body. EventSource cannot POST nor send the
// CSRF header, so the chat and the builder's preview read the stream themselves (through
// chatStream.ts); the parser follows the WHATWG rules that matter
// here: events end at a blank line, lines end in LF, CR or CRLF (which may be split across chunks),
// several `data:` lines join with "\n", lines starting with ":" are comments (keep-alives).

export interface ServerSentEvent {
  event: string;
  data: string;
  id?: string;
}

export class SseParser {
  private buffer = "";
  private pendingCR = false;
  private eventType = "";
  private dataLines: string[] = [];
  private lastId: string | undefined;
  private hasData = false;

  /** Feeds one decoded chunk; returns the events it completed. */
  push(chunk: string): ServerSentEvent[] {
    const events: ServerSentEvent[] = [];
    let text = chunk;
    // A CR ended the previous chunk: an LF opening this one belongs to the same line ending.
    if (this.pendingCR) {
      this.pendingCR = false;
      if (text.startsWith("\n")) text = text.slice(1);
    }
    this.buffer += text;
    let start = 0;
    for (let i = 0; i < this.buffer.length; i++) {
      const ch = this.buffer[i];
      if (ch !== "\n" && ch !== "\r") continue;
      const line = this.buffer.slice(start, i);
      if (ch === "\r") {
        if (i + 1 < this.buffer.length) {
          if (this.buffer[i + 1] === "\n") i++;
        } else {
          this.pendingCR = true;
        }
      }
      start = i + 1;
      const event = this.line(line);
      if (event) events.push(event);
    }
    this.buffer = this.buffer.slice(start);
    return events;
  }

  /** The end of the stream: an event not closed by a blank line is dropped, as the standard says. */
  end(): ServerSentEvent[] {
    this.buffer = "";
    this.reset();
    return [];
  }

  private reset(): void {
    this.eventType = "";
    this.dataLines = [];
    this.hasData = false;
  }

  private line(line: string): ServerSentEvent | null {
    if (line === "") {
      if (!this.hasData) {
        this.reset();
        return null;
      }
      const event: ServerSentEvent = { event: this.eventType || "message", data: this.dataLines.join("\n") };
      if (this.lastId !== undefined) event.id = this.lastId;
      this.reset();
      return event;
    }
    if (line.startsWith(":")) return null;
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "event") this.eventType = value;
    else if (field === "data") {
      this.dataLines.push(value);
      this.hasData = true;
    } else if (field === "id" && !value.includes("\0")) this.lastId = value;
    return null;
  }
}

/** Reads a streamed response body as events, decoding UTF-8 across chunk boundaries. */
export async function* readEvents(body: ReadableStream<Uint8Array>): AsyncGenerator<ServerSentEvent> {
  const reader = body.getReader();
  const decoder = new TextDecoder("utf-8");
  const parser = new SseParser();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      for (const event of parser.push(decoder.decode(value, { stream: true }))) yield event;
    }
    for (const event of parser.push(decoder.decode())) yield event;
    parser.end();
  } finally {
    reader.releaseLock();
  }
}
