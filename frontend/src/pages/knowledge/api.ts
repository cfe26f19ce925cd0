// The knowledge screens' data: knowledge bases, their documents, grants, hit tests and the
// catalog, as TanStack Query hooks with the query keys they share.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useCallback } from "react";

import { thenRefresh, type Callbacks } from "../../api/callbacks";
import { api } from "../../api/client";
import { unwrap } from "../../api/errors";
import { rowsOf } from "../../api/paginated";
import type { components } from "../../api/schema";
import type { Grant, KnowledgeBase, KnowledgeDocument, SearchHit } from "./shared";
import { isIndexing } from "./uploadQueue";

type Write = components["schemas"]["KnowledgeBaseWriteRequest"];

/** The knowledge base form's values. */
export interface KnowledgeBaseValues {
  name: string;
  description?: string;
  department?: number;
  visibility: Write["visibility"];
  classification: Write["classification"];
  domain_tags: string[];
  embedding_provider: Write["embedding_provider"];
}

export type DocumentAction = "retry" | "cancel" | "reindex" | "disable" | "enable" | "delete";
export type GrantPermission = "use" | "edit";
export type SearchMode = "hybrid" | "vector" | "keyword";

export const knowledgeKeys = {
  bases: ["knowledge", "bases"] as const,
  base: (id: number) => ["knowledge", "base", id] as const,
  documents: (id: number) => ["knowledge", "base", id, "documents"] as const,
  document: (id: number, docId: number) => ["knowledge", "base", id, "document", docId] as const,
  runs: (id: number, docId: number) => [...knowledgeKeys.document(id, docId), "runs"] as const,
  chunks: (id: number, docId: number, page: number) => [...knowledgeKeys.document(id, docId), "chunks", page] as const,
  grants: (id: number) => ["knowledge", "base", id, "grants"] as const,
  catalog: (domain: string | null) => ["knowledge", "catalog", domain] as const,
  domains: ["knowledge", "catalog", "domains"] as const,
  departments: ["knowledge", "departments"] as const,
};

// --- knowledge bases ------------------------------------------------------------------------------

export function useKnowledgeBases() {
  return useQuery({
    queryKey: knowledgeKeys.bases,
    queryFn: async () => rowsOf(unwrap(await api.GET("/api/v1/knowledge-bases/", { params: { query: { page_size: 500 } } }))),
  });
}

export function useKnowledgeBase(kbId: number) {
  return useQuery({
    queryKey: knowledgeKeys.base(kbId),
    queryFn: async () => unwrap(await api.GET("/api/v1/knowledge-bases/{kb_id}/", { params: { path: { kb_id: kbId } } })),
  });
}

/** Creates a knowledge base (`knowledgeBase` null) or saves the changes of one. */
export function useSaveKnowledgeBase(knowledgeBase: KnowledgeBase | null, on: Callbacks<KnowledgeBase, KnowledgeBaseValues> = {}) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async (values: KnowledgeBaseValues) => {
      if (knowledgeBase === null) {
        return unwrap(await api.POST("/api/v1/knowledge-bases/", { body: values as Write }));
      }
      const { embedding_provider: _profile, department: _department, ...changes } = values;
      return unwrap(
        await api.PATCH("/api/v1/knowledge-bases/{kb_id}/", {
          params: { path: { kb_id: knowledgeBase.id } },
          body: changes,
        }),
      );
    },
    ...thenRefresh(on, () => client.invalidateQueries({ queryKey: ["knowledge"] })),
  });
}

export function useDeleteKnowledgeBase(on: Callbacks<unknown, KnowledgeBase> = {}) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async (knowledgeBase: KnowledgeBase) =>
      unwrap(await api.DELETE("/api/v1/knowledge-bases/{kb_id}/", { params: { path: { kb_id: knowledgeBase.id } } })),
    ...thenRefresh(on, () => client.invalidateQueries({ queryKey: knowledgeKeys.bases })),
  });
}

/** Every department of my organization (id and name), whatever my role: owners to create in
 * (org admins) and departments to share with. */
export function useOrganizationDepartments(enabled: boolean) {
  return useQuery({
    queryKey: knowledgeKeys.departments,
    enabled,
    queryFn: async () => unwrap(await api.GET("/api/v1/knowledge-catalog/departments/")),
  });
}

// --- documents ------------------------------------------------------------------------------------

/** The documents of a knowledge base, polled every `pollMs` while `live` says something moves
 * (an upload of ours) or any document is being indexed. */
export function useDocuments(kbId: number, { live, pollMs }: { live: () => boolean; pollMs: number }) {
  return useQuery({
    queryKey: knowledgeKeys.documents(kbId),
    queryFn: async () =>
      rowsOf(
        unwrap(
          await api.GET("/api/v1/knowledge-bases/{kb_id}/documents/", {
            params: { path: { kb_id: kbId }, query: { page_size: 500 } },
          }),
        ),
      ),
    refetchInterval: (query) =>
      live() || (query.state.data ?? []).some((d) => isIndexing(d.status)) ? pollMs : false,
  });
}

/** Reads the documents again (an upload ended); the same function while kbId stays. */
export function useRefreshDocuments(kbId: number) {
  const client = useQueryClient();
  return useCallback(() => void client.invalidateQueries({ queryKey: knowledgeKeys.documents(kbId) }), [client, kbId]);
}

export async function cancelDocument(kbId: number, docId: number) {
  return unwrap(
    await api.POST("/api/v1/knowledge-bases/{kb_id}/documents/{doc_id}/cancel/", {
      params: { path: { kb_id: kbId, doc_id: docId } },
    }),
  );
}

export function useDocumentAction(
  kbId: number,
  on: Callbacks<unknown, { action: DocumentAction; document: KnowledgeDocument }> = {},
) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async ({ action, document }: { action: DocumentAction; document: KnowledgeDocument }) => {
      const path = { kb_id: kbId, doc_id: document.id };
      if (action === "delete") {
        return unwrap(await api.DELETE("/api/v1/knowledge-bases/{kb_id}/documents/{doc_id}/", { params: { path } }));
      }
      if (action === "disable" || action === "enable") {
        return unwrap(
          await api.PATCH("/api/v1/knowledge-bases/{kb_id}/documents/{doc_id}/", {
            params: { path },
            body: { enabled: action === "enable" },
          }),
        );
      }
      if (action === "retry") {
        return unwrap(await api.POST("/api/v1/knowledge-bases/{kb_id}/documents/{doc_id}/retry/", { params: { path } }));
      }
      if (action === "cancel") return cancelDocument(kbId, document.id);
      return unwrap(await api.POST("/api/v1/knowledge-bases/{kb_id}/documents/{doc_id}/reindex/", { params: { path } }));
    },
    ...thenRefresh(on, () =>
      Promise.all([
        client.invalidateQueries({ queryKey: knowledgeKeys.documents(kbId) }),
        client.invalidateQueries({ queryKey: knowledgeKeys.bases }),
      ]),
    ),
  });
}

/** One document, polled while it is being indexed. */
export function useDocument(kbId: number, docId: number) {
  return useQuery({
    queryKey: knowledgeKeys.document(kbId, docId),
    queryFn: async () =>
      unwrap(
        await api.GET("/api/v1/knowledge-bases/{kb_id}/documents/{doc_id}/", {
          params: { path: { kb_id: kbId, doc_id: docId } },
        }),
      ),
    refetchInterval: (query) => (isIndexing(query.state.data?.status ?? "") ? 1500 : false),
  });
}

export function useDocumentRuns(kbId: number, docId: number) {
  return useQuery({
    queryKey: knowledgeKeys.runs(kbId, docId),
    queryFn: async () =>
      unwrap(
        await api.GET("/api/v1/knowledge-bases/{kb_id}/documents/{doc_id}/runs/", {
          params: { path: { kb_id: kbId, doc_id: docId } },
        }),
      ),
  });
}

/** One page of a document's chunks, with how many there are in all. */
export function useChunks(kbId: number, docId: number, page: number, pageSize: number) {
  return useQuery({
    queryKey: knowledgeKeys.chunks(kbId, docId, page),
    queryFn: async () => {
      const data = unwrap(
        await api.GET("/api/v1/knowledge-bases/{kb_id}/documents/{doc_id}/chunks/", {
          params: { path: { kb_id: kbId, doc_id: docId }, query: { page, page_size: pageSize } },
        }),
      );
      return { items: rowsOf(data), count: data.count };
    },
  });
}

// --- sharing --------------------------------------------------------------------------------------

export function useGrants(kbId: number) {
  return useQuery({
    queryKey: knowledgeKeys.grants(kbId),
    queryFn: async () => unwrap(await api.GET("/api/v1/knowledge-bases/{kb_id}/grants/", { params: { path: { kb_id: kbId } } })),
  });
}

function useRefreshGrants(kbId: number) {
  const client = useQueryClient();
  return () => void client.invalidateQueries({ queryKey: knowledgeKeys.grants(kbId) });
}

export function useAddGrant(kbId: number, on: Callbacks<Grant, { department: number; permission: GrantPermission }> = {}) {
  const refresh = useRefreshGrants(kbId);
  return useMutation({
    mutationFn: async (values: { department: number; permission: GrantPermission }) =>
      unwrap(await api.POST("/api/v1/knowledge-bases/{kb_id}/grants/", { params: { path: { kb_id: kbId } }, body: values })),
    ...thenRefresh(on, refresh),
  });
}

export function useRevokeGrant(kbId: number, on: Callbacks<unknown, Grant> = {}) {
  const refresh = useRefreshGrants(kbId);
  return useMutation({
    mutationFn: async (grant: Grant) =>
      unwrap(
        await api.DELETE("/api/v1/knowledge-bases/{kb_id}/grants/{grant_id}/", {
          params: { path: { kb_id: kbId, grant_id: grant.id } },
        }),
      ),
    ...thenRefresh(on, refresh),
  });
}

// --- search and catalog ---------------------------------------------------------------------------

/** A hit test: the chunks an assistant would be given for a query. */
export function useHitTest(kbId: number, options: { mode: SearchMode; topK: number }, on: Callbacks<SearchHit[], string> = {}) {
  return useMutation({
    mutationFn: async (text: string) =>
      unwrap(
        await api.POST("/api/v1/knowledge-bases/{kb_id}/search", {
          params: { path: { kb_id: kbId } },
          body: { query: text, mode: options.mode, top_k: options.topK },
        }),
      ) as SearchHit[],
    onSuccess: on.onSuccess,
    onError: on.onError,
  });
}

export function useCatalogDomains() {
  return useQuery({
    queryKey: knowledgeKeys.domains,
    queryFn: async () => unwrap(await api.GET("/api/v1/knowledge-catalog/domains/")),
  });
}

export function useCatalog(domain: string | null) {
  return useQuery({
    queryKey: knowledgeKeys.catalog(domain),
    queryFn: async () =>
      rowsOf(
        unwrap(
          await api.GET("/api/v1/knowledge-catalog/", {
            params: { query: { ...(domain ? { domain } : {}), page_size: 500 } },
          }),
        ),
      ),
  });
}
