// Uploading attachments to a conversation.
import { uploadFiles, type UploadOutcome } from "../../api/uploads";

export type { UploadOutcome };

export function uploadAttachments(conversationId: number, files: readonly File[]): Promise<UploadOutcome[]> {
  return uploadFiles(`/api/v1/conversations/${conversationId}/attachments/`, files);
}
