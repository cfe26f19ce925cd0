import { describe, expect, it, vi } from "vitest";

import { UploadQueue, type DocumentState, type Transport, type UploadOutcome } from "./uploadQueue";

interface Pending {
  file: File;
  onProgress: (sent: number, total: number) => void;
  signal: AbortSignal;
  resolve: (outcome: UploadOutcome) => void;
  reject: (error: Error) => void;
}

/** A transport the test drives by hand: each call waits until the test answers it. */
function manualTransport() {
  const calls: Pending[] = [];
  const transport: Transport = (file, onProgress, signal) =>
    new Promise<UploadOutcome>((resolve, reject) => {
      signal.addEventListener("abort", () => reject(new Error("aborted")));
      calls.push({ file, onProgress, signal, resolve, reject });
    });
  return { calls, transport };
}

const file = (name: string, size = 10) => new File(["x".repeat(size)], name);
const doc = (id: number, status: string, progress = 0, failure_reason = ""): DocumentState => ({
  id,
  status,
  progress,
  failure_reason,
});
const created = (name: string, document: DocumentState): UploadOutcome => ({
  filename: name,
  outcome: "created",
  reason: "",
  document,
});
const flush = () => new Promise((resolve) => setTimeout(resolve, 0));

describe("UploadQueue", () => {
  it("sends no more files at once than its concurrency, and the next when one finishes", async () => {
    const { calls, transport } = manualTransport();
    const queue = new UploadQueue({ transport, concurrency: 2 });
    queue.add([file("a.pdf"), file("b.pdf"), file("c.pdf")]);
    expect(calls.map((call) => call.file.name)).toEqual(["a.pdf", "b.pdf"]);
    expect(queue.snapshot().map((item) => item.phase)).toEqual(["uploading", "uploading", "waiting"]);
    calls[0].resolve(created("a.pdf", doc(1, "queued", 0.02)));
    await flush();
    expect(calls.map((call) => call.file.name)).toEqual(["a.pdf", "b.pdf", "c.pdf"]);
    expect(queue.snapshot()[0]).toMatchObject({ phase: "queued", documentId: 1, percent: 2 });
  });

  it("shows the bytes sent while uploading", () => {
    const { calls, transport } = manualTransport();
    const queue = new UploadQueue({ transport });
    const listener = vi.fn();
    queue.subscribe(listener);
    queue.add([file("a.docx", 200)]);
    calls[0].onProgress(50, 200);
    expect(queue.snapshot()[0]).toMatchObject({ phase: "uploading", sent: 50, percent: 25 });
    expect(listener).toHaveBeenCalled();
  });

  it("follows each document through the stages until ready, then has nothing active", async () => {
    const { calls, transport } = manualTransport();
    const queue = new UploadQueue({ transport });
    queue.add([file("a.pdf")]);
    calls[0].resolve(created("a.pdf", doc(7, "queued", 0.02)));
    await flush();
    expect(queue.followedDocuments()).toEqual([7]);
    for (const [status, progress, phase, percent] of [
      ["parsing", 0.05, "parsing", 5],
      ["chunking", 0.15, "chunking", 15],
      ["embedding", 0.6, "embedding", 60],
      ["ready", 1, "ready", 100],
    ] as const) {
      queue.applyDocuments([doc(99, "queued"), doc(7, status, progress)]);
      expect(queue.snapshot()[0]).toMatchObject({ phase, percent });
    }
    expect(queue.hasActive()).toBe(false);
    expect(queue.followedDocuments()).toEqual([]);
  });

  it("keeps the server's failure reason when indexing fails", async () => {
    const { calls, transport } = manualTransport();
    const queue = new UploadQueue({ transport });
    queue.add([file("a.pdf")]);
    calls[0].resolve(created("a.pdf", doc(3, "parsing", 0.05)));
    await flush();
    queue.applyDocuments([doc(3, "failed", 0, "The file is damaged.")]);
    expect(queue.snapshot()[0]).toMatchObject({ phase: "failed", reason: "The file is damaged." });
    expect(queue.hasActive()).toBe(false);
  });

  it("reports a file of an unknown type as failed at once with the server's reason", async () => {
    const { calls, transport } = manualTransport();
    const queue = new UploadQueue({ transport });
    queue.add([file("x.exe")]);
    calls[0].resolve({
      filename: "x.exe",
      outcome: "created",
      reason: "Unsupported file type.",
      document: doc(5, "failed", 0, "Unsupported file type."),
    });
    await flush();
    expect(queue.snapshot()[0]).toMatchObject({ phase: "failed", reason: "Unsupported file type.", documentId: 5 });
  });

  it("tells a duplicate and a rejection apart, each with the server's message", async () => {
    const { calls, transport } = manualTransport();
    const queue = new UploadQueue({ transport });
    queue.add([file("a.pdf"), file("big.pdf")]);
    calls[0].resolve({
      filename: "a.pdf",
      outcome: "duplicate",
      reason: "The same file is already in this knowledge base as “A”.",
      document: doc(1, "ready", 1),
    });
    calls[1].resolve({ filename: "big.pdf", outcome: "rejected", reason: "Too large.", document: null });
    await flush();
    expect(queue.snapshot().map(({ phase, reason }) => ({ phase, reason }))).toEqual([
      { phase: "duplicate", reason: "The same file is already in this knowledge base as “A”." },
      { phase: "rejected", reason: "Too large." },
    ]);
  });

  it("reports a failed request as rejected with its message, and goes on with the next file", async () => {
    const { calls, transport } = manualTransport();
    const queue = new UploadQueue({ transport, concurrency: 1 });
    queue.add([file("a.pdf"), file("b.pdf")]);
    calls[0].reject(new Error("You may read this knowledge base but not change it."));
    await flush();
    expect(queue.snapshot()[0]).toMatchObject({ phase: "rejected", reason: "You may read this knowledge base but not change it." });
    expect(calls).toHaveLength(2);
  });

  it("cancels a waiting file without sending it, an upload by aborting it, and indexing on the server", async () => {
    const { calls, transport } = manualTransport();
    const cancelDocument = vi.fn(() => Promise.resolve());
    const queue = new UploadQueue({ transport, cancelDocument, concurrency: 2 });
    const [first, second, third] = queue.add([file("a.pdf"), file("b.pdf"), file("c.pdf")]);
    await queue.cancel(third);
    expect(queue.snapshot()[2].phase).toBe("cancelled");
    await queue.cancel(second);
    await flush();
    expect(calls[1].signal.aborted).toBe(true);
    expect(queue.snapshot()[1].phase).toBe("cancelled");
    expect(calls).toHaveLength(2); // the cancelled waiting file was never sent
    calls[0].resolve(created("a.pdf", doc(11, "embedding", 0.4)));
    await flush();
    await queue.cancel(first);
    expect(cancelDocument).toHaveBeenCalledWith(11);
    expect(queue.snapshot()[0].phase).toBe("cancelling");
    queue.applyDocuments([doc(11, "cancelled")]);
    expect(queue.snapshot()[0].phase).toBe("cancelled");
    queue.clearSettled();
    expect(queue.snapshot()).toEqual([]);
  });
});
