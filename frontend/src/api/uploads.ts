// Uploading files: multipart through fetch (openapi-fetch would set a JSON content type).
import { baseHeaders } from "./client";
import { ApiError } from "./errors";

export interface UploadOutcome {
  filename: string;
  outcome: "created" | "duplicate" | "rejected";
  reason: string;
}

/** Files posted as `files` to an upload endpoint (a knowledge base's documents, a conversation's
 * attachments); one outcome a file. */
export async function uploadFiles(url: string, files: readonly File[]): Promise<UploadOutcome[]> {
  const body = new FormData();
  for (const file of files) body.append("files", file, file.name);
  const response = await fetch(url, { method: "POST", credentials: "same-origin", headers: baseHeaders(), body });
  const data: unknown = await response.json().catch(() => undefined);
  // 400 with a list means every file was rejected: each outcome carries its reason.
  if (Array.isArray(data)) return data as UploadOutcome[];
  if (!response.ok) throw new ApiError(response.status, data);
  return [];
}
