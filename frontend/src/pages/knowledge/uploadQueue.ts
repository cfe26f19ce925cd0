// The upload queue of the documents screen, apart from React so that it can be tested: files wait,
// are sent a few at a time (bytes sent shown per file), then follow their document through the
// indexing stages that the documents list reports, until ready or failed. The server's verdict on
// each file (created, duplicate of an existing document, rejected) and its reason are kept as sent.

export type UploadPhase =
  | "waiting"
  | "uploading"
  | "uploaded"
  | "queued"
  | "parsing"
  | "chunking"
  | "embedding"
  | "cancelling"
  | "ready"
  | "failed"
  | "cancelled"
  | "duplicate"
  | "rejected";

/** What the server says about one uploaded file (UploadResultSerializer). */
export interface UploadOutcome {
  filename: string;
  outcome: "created" | "duplicate" | "rejected";
  reason: string;
  document: DocumentState | null;
}

/** The part of a document (DocumentSerializer) the queue follows. */
export interface DocumentState {
  id: number;
  status: string;
  progress: number;
  failure_reason: string;
}

export interface UploadItem {
  key: string;
  name: string;
  size: number;
  phase: UploadPhase;
  /** bytes sent so far while uploading */
  sent: number;
  /** 0..100: bytes while uploading, then the document's indexing progress */
  percent: number;
  documentId: number | null;
  /** the server's reason: why rejected, which document it duplicates, why indexing failed */
  reason: string;
}

export type Transport = (
  file: File,
  onProgress: (sent: number, total: number) => void,
  signal: AbortSignal,
) => Promise<UploadOutcome>;

export interface UploadQueueOptions {
  transport: Transport;
  /** asks the server to stop indexing a document (POST …/cancel/) */
  cancelDocument?: (documentId: number) => Promise<unknown>;
  concurrency?: number;
}

const SETTLED: ReadonlySet<UploadPhase> = new Set(["ready", "failed", "cancelled", "duplicate", "rejected"]);
const SERVER_PHASES: ReadonlySet<string> = new Set([
  "uploaded",
  "queued",
  "parsing",
  "chunking",
  "embedding",
  "cancelling",
  "ready",
  "failed",
  "cancelled",
]);

export function isSettled(phase: UploadPhase): boolean {
  return SETTLED.has(phase);
}

/** A document still moving through the pipeline (the screen polls while any is). */
export function isIndexing(status: string): boolean {
  return ["uploaded", "queued", "parsing", "chunking", "embedding", "cancelling"].includes(status);
}

function fromDocument(item: UploadItem, document: DocumentState): UploadItem {
  const phase = SERVER_PHASES.has(document.status) ? (document.status as UploadPhase) : item.phase;
  return {
    ...item,
    phase,
    documentId: document.id,
    percent: phase === "ready" ? 100 : Math.round(Math.max(0, Math.min(1, document.progress)) * 100),
    reason: phase === "failed" ? document.failure_reason || item.reason : item.reason,
  };
}

export class UploadQueue {
  private items: UploadItem[] = [];
  private files = new Map<string, File>();
  private controllers = new Map<string, AbortController>();
  private listeners = new Set<() => void>();
  private counter = 0;
  private readonly concurrency: number;

  constructor(private readonly options: UploadQueueOptions) {
    this.concurrency = Math.max(1, options.concurrency ?? 3);
  }

  /** The current items; a new array after every change (for useSyncExternalStore). */
  snapshot = (): UploadItem[] => this.items;

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  add(files: File[]): string[] {
    const keys: string[] = [];
    const added = files.map((file) => {
      const key = `upload-${++this.counter}`;
      keys.push(key);
      this.files.set(key, file);
      return {
        key,
        name: file.name,
        size: file.size,
        phase: "waiting" as const,
        sent: 0,
        percent: 0,
        documentId: null,
        reason: "",
      };
    });
    this.items = [...this.items, ...added];
    this.emit();
    this.pump();
    return keys;
  }

  /** Whether anything still waits, uploads or is being indexed. */
  hasActive(): boolean {
    return this.items.some((item) => !isSettled(item.phase));
  }

  /** The ids of documents the queue follows that the server is still indexing. */
  followedDocuments(): number[] {
    return this.items
      .filter((item) => item.documentId !== null && !isSettled(item.phase))
      .map((item) => item.documentId as number);
  }

  /** Takes in the latest documents list: each followed file moves to its document's stage. */
  applyDocuments(documents: DocumentState[]): void {
    const byId = new Map(documents.map((document) => [document.id, document]));
    let changed = false;
    this.items = this.items.map((item) => {
      if (item.documentId === null || isSettled(item.phase)) return item;
      const document = byId.get(item.documentId);
      if (!document) return item;
      const next = fromDocument(item, document);
      if (next.phase !== item.phase || next.percent !== item.percent || next.reason !== item.reason) changed = true;
      return next;
    });
    if (changed) this.emit();
  }

  /** Stops one file: never sent if waiting, the request aborted if uploading, the indexing
   * cancelled on the server once it has a document. */
  async cancel(key: string): Promise<void> {
    const item = this.items.find((candidate) => candidate.key === key);
    if (!item || isSettled(item.phase)) return;
    if (item.phase === "waiting") {
      this.update(key, { phase: "cancelled" });
      this.files.delete(key);
      return;
    }
    if (item.phase === "uploading") {
      this.controllers.get(key)?.abort();
      return;
    }
    if (item.documentId !== null && this.options.cancelDocument) {
      await this.options.cancelDocument(item.documentId);
      this.update(key, { phase: "cancelling" });
    }
  }

  /** Forgets the files that are done (the list's "clear" button). */
  clearSettled(): void {
    this.items = this.items.filter((item) => !isSettled(item.phase));
    this.emit();
  }

  private running(): number {
    return this.items.filter((item) => item.phase === "uploading").length;
  }

  private pump(): void {
    while (this.running() < this.concurrency) {
      const next = this.items.find((item) => item.phase === "waiting");
      if (!next) return;
      void this.send(next.key);
    }
  }

  private async send(key: string): Promise<void> {
    const file = this.files.get(key);
    if (!file) return;
    const controller = new AbortController();
    this.controllers.set(key, controller);
    this.update(key, { phase: "uploading", sent: 0, percent: 0 });
    try {
      const result = await this.options.transport(
        file,
        (sent, total) => this.update(key, { sent, percent: total > 0 ? Math.round((sent / total) * 100) : 0 }),
        controller.signal,
      );
      this.settleUpload(key, result);
    } catch (error) {
      if (controller.signal.aborted) this.update(key, { phase: "cancelled" });
      else this.update(key, { phase: "rejected", reason: error instanceof Error ? error.message : String(error) });
    } finally {
      this.controllers.delete(key);
      this.files.delete(key);
      this.pump();
    }
  }

  private settleUpload(key: string, result: UploadOutcome): void {
    if (result.outcome === "duplicate") {
      this.update(key, { phase: "duplicate", reason: result.reason, documentId: result.document?.id ?? null, percent: 100 });
    } else if (result.outcome === "rejected" || !result.document) {
      this.update(key, { phase: "rejected", reason: result.reason });
    } else {
      const item = this.items.find((candidate) => candidate.key === key);
      if (item) this.replace(fromDocument({ ...item, reason: result.reason }, result.document));
    }
  }

  private update(key: string, changes: Partial<UploadItem>): void {
    const item = this.items.find((candidate) => candidate.key === key);
    if (item) this.replace({ ...item, ...changes });
  }

  private replace(next: UploadItem): void {
    this.items = this.items.map((item) => (item.key === next.key ? next : item));
    this.emit();
  }

  private emit(): void {
    for (const listener of this.listeners) listener();
  }
}

/** The real transport: one multipart POST per file through XMLHttpRequest, the only browser API
 * that reports upload progress. Errors come back as the server's message. */
export function xhrTransport(url: string, headers: () => Record<string, string>): Transport {
  return (file, onProgress, signal) =>
    new Promise<UploadOutcome>((resolve, reject) => {
      const request = new XMLHttpRequest();
      request.open("POST", url);
      request.withCredentials = true;
      for (const [name, value] of Object.entries(headers())) request.setRequestHeader(name, value);
      request.upload.onprogress = (event) => onProgress(event.loaded, event.lengthComputable ? event.total : file.size);
      request.onload = () => {
        let body: unknown = null;
        try {
          body = JSON.parse(request.responseText);
        } catch {
          body = null;
        }
        if (Array.isArray(body) && body.length > 0) {
          onProgress(file.size, file.size);
          resolve(body[0] as UploadOutcome);
          return;
        }
        const message = (body as { error?: { message?: string } } | null)?.error?.message;
        reject(new Error(message || `HTTP ${request.status}`));
      };
      request.onerror = () => reject(new Error(`HTTP ${request.status || 0}`));
      request.onabort = () => reject(new Error("aborted"));
      signal.addEventListener("abort", () => request.abort());
      const form = new FormData();
      form.append("files", file, file.name);
      request.send(form);
    });
}
