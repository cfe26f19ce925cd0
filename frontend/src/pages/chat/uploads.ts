// Uploading attachments: multipart through fetch (openapi-fetch would set a JSON content type).
import { baseHeaders } from "../../api/client";
import { ApiError } from "../../api/errors";

export interface UploadOutcome {
  filename: string;
  outcome: "created" | "duplicate" | "rejected";
  reason: string;
}

export async function uploadAttachments(conversationId: number, files: readonly File[]): Promise<UploadOutcome[]> {
  const body = new FormData();
  for (const file of files) body.append("files", file);
  const response = await fetch(`/api/v1/conversations/${conversationId}/attachments/`, {
    method: "POST",
    credentials: "same-origin",
    headers: baseHeaders(),
    body,
  });
  const data: unknown = await response.json().catch(() => undefined);
  // 400 with a list means every file was rejected: each outcome carries its reason.
  if (Array.isArray(data)) return data as UploadOutcome[];
  if (!response.ok) throw new ApiError(response.status, data);
  return [];
}
