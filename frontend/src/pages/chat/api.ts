// The chat's reads and writes against the API, as TanStack Query hooks.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";

import { api } from "../../api/client";
import { unwrap } from "../../api/errors";
import { rowsOf } from "../../api/paginated";
import type { components } from "../../api/schema";
import { uploadAttachments } from "./uploads";

export type Assistant = components["schemas"]["Assistant"];
export type Conversation = components["schemas"]["Conversation"];
export type ConversationDetail = components["schemas"]["ConversationDetail"];
export type AttachedDocument = components["schemas"]["Document"];

const ALL = { page_size: 500 };

export const keys = {
  assistants: ["chat", "assistants"] as const,
  conversations: ["chat", "conversations"] as const,
  conversation: (id: number) => ["chat", "conversation", id] as const,
  attachments: (id: number) => ["chat", "attachments", id] as const,
};

export function useAssistants() {
  return useQuery({
    queryKey: keys.assistants,
    queryFn: async () => {
      const page = unwrap(await api.GET("/api/v1/assistants/", { params: { query: ALL } }));
      // Only published assistants can be chatted with; builders also see their drafts in this list.
      return rowsOf(page).filter((assistant) => assistant.published_version != null);
    },
  });
}

export function useConversations() {
  return useQuery({
    queryKey: keys.conversations,
    queryFn: async () =>
      rowsOf(unwrap(await api.GET("/api/v1/conversations/", { params: { query: ALL } }))),
  });
}

export function useConversation(id: number | null) {
  return useQuery({
    queryKey: keys.conversation(id ?? 0),
    enabled: id != null,
    // An answer still being written elsewhere (another tab, a reload during the stream): poll
    // until it ends.
    refetchInterval: (query) =>
      query.state.data?.messages.some((m) => m.status === "streaming" || m.status === "pending") ? 2000 : false,
    queryFn: async () =>
      unwrap(await api.GET("/api/v1/conversations/{conversation_id}/", { params: { path: { conversation_id: id! } } })),
  });
}

export function useCreateConversation() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async (assistant: number) =>
      unwrap(await api.POST("/api/v1/conversations/", { body: { assistant, preview: false, title: "" } })),
    onSuccess: () => void client.invalidateQueries({ queryKey: keys.conversations }),
  });
}

export function useRenameConversation() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async ({ id, title }: { id: number; title: string }) =>
      unwrap(
        await api.PATCH("/api/v1/conversations/{conversation_id}/", {
          params: { path: { conversation_id: id } },
          body: { title },
        }),
      ),
    onSuccess: (_data, { id }) => {
      void client.invalidateQueries({ queryKey: keys.conversations });
      void client.invalidateQueries({ queryKey: keys.conversation(id) });
    },
  });
}

export function useDeleteConversation() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async (id: number) => {
      const result = await api.DELETE("/api/v1/conversations/{conversation_id}/", {
        params: { path: { conversation_id: id } },
      });
      unwrap(result);
    },
    onSuccess: (_data, id) => {
      client.removeQueries({ queryKey: keys.conversation(id) });
      void client.invalidateQueries({ queryKey: keys.conversations });
    },
  });
}

export function useFeedback() {
  return useMutation({
    mutationFn: async (vars: { conversation: number; message: number; rating: "up" | "down"; comment: string }) =>
      unwrap(
        await api.POST("/api/v1/conversations/{conversation_id}/messages/{message_id}/feedback/", {
          params: { path: { conversation_id: vars.conversation, message_id: vars.message } },
          body: { rating: vars.rating, comment: vars.comment },
        }),
      ),
  });
}

const IN_PROGRESS = new Set(["uploaded", "queued", "parsing", "chunking", "embedding", "cancelling"]);

export function isIndexing(document: AttachedDocument): boolean {
  return IN_PROGRESS.has(document.status);
}

export function useAttachments(conversation: number | null) {
  return useQuery({
    queryKey: keys.attachments(conversation ?? 0),
    enabled: conversation != null,
    queryFn: async () =>
      unwrap(
        await api.GET("/api/v1/conversations/{conversation_id}/attachments/", {
          params: { path: { conversation_id: conversation! } },
        }),
      ),
    // Files are indexed by the worker: poll until every one is ready or failed.
    refetchInterval: (query) => (query.state.data?.some(isIndexing) ? 2000 : false),
  });
}

export function useRemoveAttachment(conversation: number | null) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async (document: number) => {
      unwrap(
        await api.DELETE("/api/v1/conversations/{conversation_id}/attachments/{document_id}/", {
          params: { path: { conversation_id: conversation!, document_id: document } },
        }),
      );
    },
    onSuccess: () => void client.invalidateQueries({ queryKey: keys.attachments(conversation ?? 0) }),
  });
}

/** Uploads files to a conversation; its attachments are read again however it went. */
export function useUploadAttachments() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ conversation, files }: { conversation: number; files: File[] }) => uploadAttachments(conversation, files),
    onSettled: (_data, _error, { conversation }) => void client.invalidateQueries({ queryKey: keys.attachments(conversation) }),
  });
}
