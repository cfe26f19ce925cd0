// The builder's data: typed wrappers over the API, the query keys they use and the TanStack
// Query hooks the screens call.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useRef } from "react";

import { thenRefresh, type Callbacks } from "../../api/callbacks";
import { api } from "../../api/client";
import { unwrap } from "../../api/errors";
import { rowsOf } from "../../api/paginated";
import { uploadFiles, type UploadOutcome } from "../../api/uploads";
import type { components } from "../../api/schema";
import i18n from "../../i18n";
import { documentValue } from "./tools";

export type Assistant = components["schemas"]["Assistant"];
export type AssistantDetail = components["schemas"]["AssistantDetail"];
export type Version = components["schemas"]["Version"];
/** The draft with what would refuse publishing it (`warnings`) and what its audience would miss (`audience_warnings`). */
export type Draft = components["schemas"]["Draft"];
export type VersionSummary = components["schemas"]["VersionSummary"];
export type Template = components["schemas"]["Template"];
export type ModelProvider = components["schemas"]["ModelProvider"];
export type KnowledgeBase = components["schemas"]["KnowledgeBase"];
export type Share = components["schemas"]["Share"];
export type ToolKind = components["schemas"]["ToolKind"];
export type OpenApiOperations = components["schemas"]["OpenApiOperations"];
export type ToolTestResult = components["schemas"]["ToolTestResult"];
export type DraftChanges = components["schemas"]["PatchedDraftUpdateRequest"];
export type PublishedVersion = components["schemas"]["PublishedVersion"];
export type DuplicateResult = components["schemas"]["DuplicateResult"];
export type TemplateCloneResult = components["schemas"]["TemplateCloneResult"];
export type AssistantChanges = components["schemas"]["PatchedAssistantUpdateRequest"];
export type Visibility = components["schemas"]["VisibilityEnum"];

export interface ToolForm {
  kind: string;
  name: string;
  settings: Record<string, unknown>;
  has_secret?: boolean;
  /** typed in the form; undefined keeps the saved one */
  secret?: string | null;
  /** the settings as typed while they are not valid JSON: the draft cannot be saved until fixed */
  invalidSettings?: string;
}

export const keys = {
  assistants: ["builder", "assistants"] as const,
  assistant: (id: number) => ["builder", "assistant", id] as const,
  draft: (id: number) => ["builder", "draft", id] as const,
  versions: (id: number) => ["builder", "versions", id] as const,
  shares: (id: number) => ["builder", "shares", id] as const,
  pending: (id: number) => ["builder", "pending", id] as const,
  diff: (id: number, number: number | null, against: "previous" | "draft") => ["builder", "diff", id, number, against] as const,
  templates: ["builder", "templates"] as const,
  providers: ["builder", "providers"] as const,
  knowledgeBases: ["builder", "knowledge-bases"] as const,
  toolKinds: ["builder", "tool-kinds"] as const,
  departments: ["builder", "departments"] as const,
  policy: (organizationId: number | null) => ["builder", "policy", organizationId] as const,
};

export async function fetchAssistants(): Promise<Assistant[]> {
  return rowsOf(unwrap(await api.GET("/api/v1/assistants/", { params: { query: { page_size: 500 } } })));
}

export async function fetchTemplates(): Promise<Template[]> {
  return unwrap(await api.GET("/api/v1/assistant-templates/"));
}

export async function fetchAssistant(id: number): Promise<AssistantDetail> {
  return unwrap(await api.GET("/api/v1/assistants/{assistant_id}/", { params: { path: { assistant_id: id } } }));
}

export async function fetchDraft(id: number): Promise<Draft> {
  return unwrap(await api.GET("/api/v1/assistants/{assistant_id}/draft/", { params: { path: { assistant_id: id } } }));
}

export async function fetchVersions(id: number): Promise<VersionSummary[]> {
  return rowsOf(
    unwrap(await api.GET("/api/v1/assistants/{assistant_id}/versions/", { params: { path: { assistant_id: id } } })),
  );
}

export async function fetchDiff(id: number, number: number, against?: string) {
  return unwrap(
    await api.GET("/api/v1/assistants/{assistant_id}/versions/{number}/diff", {
      params: { path: { assistant_id: id, number }, query: against ? { against } : {} },
    }),
  );
}

export async function fetchProviders(): Promise<ModelProvider[]> {
  return rowsOf(unwrap(await api.GET("/api/v1/model-providers/")));
}

export async function fetchKnowledgeBases(): Promise<KnowledgeBase[]> {
  return rowsOf(unwrap(await api.GET("/api/v1/knowledge-bases/", { params: { query: { page_size: 500 } } })));
}

export async function fetchToolKinds(): Promise<ToolKind[]> {
  return unwrap(await api.GET("/api/v1/tool-kinds/"));
}

export async function fetchShares(id: number): Promise<Share[]> {
  return rowsOf(
    unwrap(await api.GET("/api/v1/assistants/{assistant_id}/shares/", { params: { path: { assistant_id: id } } })),
  );
}

export async function fetchPolicy(organizationId: number) {
  return unwrap(
    await api.GET("/api/v1/organizations/{organization_id}/policy/", {
      params: { path: { organization_id: organizationId } },
    }),
  );
}

/** The assistant's portable JSON (its configuration, as the import reads it back). */
export async function exportAssistant(id: number) {
  return unwrap(await api.GET("/api/v1/assistants/{assistant_id}/export/", { params: { path: { assistant_id: id } } }));
}

// --- hooks ----------------------------------------------------------------------------------------

export function useAssistants() {
  return useQuery({ queryKey: keys.assistants, queryFn: fetchAssistants });
}

export function useTemplates(enabled: boolean) {
  return useQuery({ queryKey: keys.templates, queryFn: fetchTemplates, enabled });
}

export function useAssistant(id: number) {
  return useQuery({ queryKey: keys.assistant(id), queryFn: () => fetchAssistant(id), enabled: Number.isFinite(id) });
}

export function useDraft(id: number) {
  return useQuery({ queryKey: keys.draft(id), queryFn: () => fetchDraft(id), enabled: Number.isFinite(id) });
}

export function useProviders() {
  return useQuery({ queryKey: keys.providers, queryFn: fetchProviders });
}

export function useKnowledgeBases() {
  return useQuery({ queryKey: keys.knowledgeBases, queryFn: fetchKnowledgeBases });
}

export function useToolKinds() {
  return useQuery({ queryKey: keys.toolKinds, queryFn: fetchToolKinds });
}

export function useVersions(id: number) {
  return useQuery({ queryKey: keys.versions(id), queryFn: () => fetchVersions(id) });
}

/** What version `number` changed, against the one before it or against the draft. */
export function useVersionDiff(id: number, number: number | null, against: "previous" | "draft") {
  return useQuery({
    queryKey: keys.diff(id, number, against),
    queryFn: () => fetchDiff(id, number as number, against === "draft" ? "draft" : undefined),
    enabled: number !== null,
  });
}

export function useShares(id: number) {
  return useQuery({ queryKey: keys.shares(id), queryFn: () => fetchShares(id) });
}

/** The departments an assistant can be shared with. */
export function useShareDepartments(enabled: boolean) {
  return useQuery({
    queryKey: keys.departments,
    queryFn: async () => rowsOf(unwrap(await api.GET("/api/v1/departments/"))),
    enabled,
  });
}

export function usePolicy(organizationId: number | null, enabled: boolean) {
  return useQuery({
    queryKey: keys.policy(organizationId),
    queryFn: () => fetchPolicy(organizationId as number),
    enabled: enabled && organizationId !== null,
  });
}

/** A new assistant: the editor opens at once and the list refreshes on its own (awaiting its
 * refetch first kept the author waiting on a request they had no use for). */
export function useCreateAssistant(on: Callbacks<AssistantDetail, { name: string; description?: string; department?: number }> = {}) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async (values: { name: string; description?: string; department?: number }) =>
      unwrap(await api.POST("/api/v1/assistants/", { body: values })),
    ...thenRefresh(on, () => client.invalidateQueries({ queryKey: keys.assistants })),
  });
}

export interface CloneRequest {
  template: Template;
  name: string;
  department?: number;
  /** an existing knowledge base to link, or a new one to create with these files */
  knowledge: { existing: number } | { create: string; files: File[] } | null;
}

/** Files into a knowledge base; one outcome a file. */
export function uploadDocuments(kbId: number, files: readonly File[]): Promise<UploadOutcome[]> {
  return uploadFiles(`/api/v1/knowledge-bases/${kbId}/documents/`, files);
}

/** A template of the gallery cloned as a draft under the name given, with its knowledge: an
 * existing base, or one created here and filled with the files chosen (their rejections join the
 * clone's warnings). A base created before the clone failed is kept in `created` and reused when
 * the builder tries again, rather than created twice. */
export function useCloneTemplate(on: Callbacks<TemplateCloneResult, CloneRequest> = {}) {
  const client = useQueryClient();
  const created = useRef<{ name: string; id: number } | null>(null);
  return useMutation({
    mutationFn: async (request: CloneRequest): Promise<TemplateCloneResult> => {
      const notes: string[] = [];
      let knowledgeBaseIds: number[] = [];
      if (request.knowledge && "existing" in request.knowledge) knowledgeBaseIds = [request.knowledge.existing];
      if (request.knowledge && "create" in request.knowledge) {
        const name = request.knowledge.create;
        if (created.current?.name !== name) {
          const base = unwrap(await api.POST("/api/v1/knowledge-bases/", { body: { name, department: request.department } }));
          created.current = { name, id: base.id };
          for (const outcome of await uploadDocuments(base.id, request.knowledge.files)) {
            if (outcome.outcome === "rejected") notes.push(`${outcome.filename}: ${outcome.reason}`);
          }
          void client.invalidateQueries({ queryKey: ["knowledge"] });
          void client.invalidateQueries({ queryKey: keys.knowledgeBases });
        }
        knowledgeBaseIds = [created.current.id];
      }
      const result = unwrap(
        await api.POST("/api/v1/assistant-templates/{slug}/clone/", {
          params: { path: { slug: request.template.slug } },
          body: { department: request.department, name: request.name, knowledge_base_ids: knowledgeBaseIds },
        }),
      );
      created.current = null;
      return { ...result, warnings: [...result.warnings, ...notes] };
    },
    ...thenRefresh(on, () => client.invalidateQueries({ queryKey: keys.assistants })),
  });
}

export function useDuplicateAssistant(on: Callbacks<DuplicateResult, Assistant> = {}) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async (assistant: Assistant) =>
      unwrap(
        await api.POST("/api/v1/assistants/{assistant_id}/duplicate/", {
          params: { path: { assistant_id: assistant.id } },
          body: {},
        }),
      ),
    onSuccess: async (copy, assistant) => {
      await client.invalidateQueries({ queryKey: keys.assistants });
      on.onSuccess?.(copy, assistant);
    },
    onError: on.onError,
  });
}

/** Imports an exported assistant; the list is read again before the promise settles. */
export function useImportAssistant() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async (document: Record<string, unknown>) => unwrap(await api.POST("/api/v1/assistants/import/", { body: document as never })),
    onSuccess: () => client.invalidateQueries({ queryKey: keys.assistants }),
  });
}

/** Saves the editor's changes: the assistant's (name, audience…) and the draft's, each only when
 * something of it changed. */
export function useSaveDraft(
  assistant: AssistantDetail,
  draft: Draft,
  on: Callbacks<{ nextAssistant: AssistantDetail; nextDraft: Draft }, { assistant: AssistantChanges; draft: DraftChanges }> = {},
) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async (changes: { assistant: AssistantChanges; draft: DraftChanges }) => {
      let nextAssistant = assistant;
      let nextDraft = draft;
      const assistantChanged = Object.keys(changes.assistant).length > 0;
      if (assistantChanged) {
        nextAssistant = unwrap(
          await api.PATCH("/api/v1/assistants/{assistant_id}/", { params: { path: { assistant_id: assistant.id } }, body: changes.assistant }),
        );
      }
      if (Object.keys(changes.draft).length) {
        nextDraft = unwrap(
          await api.PATCH("/api/v1/assistants/{assistant_id}/draft/", {
            params: { path: { assistant_id: assistant.id } },
            body: changes.draft as never,
          }),
        );
      }
      // The audience is the assistant's (its visibility): when only the assistant was saved, the
      // draft in hand still carries the audience warnings of the old one.
      const staleDraft = assistantChanged && nextDraft === draft;
      return { nextAssistant, nextDraft, staleDraft };
    },
    onSuccess: ({ nextAssistant, nextDraft, staleDraft }, changes) => {
      on.onSuccess?.({ nextAssistant, nextDraft }, changes);
      client.setQueryData(keys.assistant(assistant.id), nextAssistant);
      client.setQueryData(keys.draft(assistant.id), nextDraft);
      if (staleDraft) void client.invalidateQueries({ queryKey: keys.draft(assistant.id) });
      // Whether the draft now differs from the published version is the server's to say.
      if (nextDraft !== draft) void client.invalidateQueries({ queryKey: keys.assistant(assistant.id) });
      void client.invalidateQueries({ queryKey: keys.assistants });
    },
    onError: on.onError,
  });
}

/** Publishes the saved draft with `changelog`; everything of the builder is read again. */
export function usePublish(assistantId: number, changelog: string, on: Callbacks<PublishedVersion> = {}) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async () =>
      unwrap(
        await api.POST("/api/v1/assistants/{assistant_id}/publish/", {
          params: { path: { assistant_id: assistantId } },
          body: { changelog },
        }),
      ),
    onSuccess: async (version) => {
      await client.invalidateQueries({ queryKey: ["builder"] });
      on.onSuccess?.(version, undefined);
    },
    onError: on.onError,
  });
}

export function useRollback(assistantId: number, on: Callbacks<Version, number> = {}) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async (number: number) =>
      unwrap(
        await api.POST("/api/v1/assistants/{assistant_id}/versions/{number}/rollback/", {
          params: { path: { assistant_id: assistantId, number } },
          body: { changelog: "" },
        }),
      ),
    onSuccess: async (version, number) => {
      on.onSuccess?.(version, number);
      await client.invalidateQueries({ queryKey: ["builder"] });
    },
    onError: on.onError,
  });
}

export interface NewShare {
  who: "email" | "department";
  email?: string;
  department?: number;
  role: "viewer" | "editor";
}

// A share widens or narrows the audience: the draft's audience warnings change with it.
function useRefreshShares(assistantId: number) {
  const client = useQueryClient();
  return () =>
    Promise.all([
      client.invalidateQueries({ queryKey: keys.shares(assistantId) }),
      client.invalidateQueries({ queryKey: keys.draft(assistantId) }),
    ]);
}

export function useAddShare(assistantId: number, on: Callbacks<Share, NewShare> = {}) {
  const refresh = useRefreshShares(assistantId);
  return useMutation({
    mutationFn: async (values: NewShare) =>
      unwrap(
        await api.POST("/api/v1/assistants/{assistant_id}/shares/", {
          params: { path: { assistant_id: assistantId } },
          body: values.who === "email" ? { email: values.email, role: values.role } : { department: values.department, role: values.role },
        }),
      ),
    onSuccess: async (share, values) => {
      on.onSuccess?.(share, values);
      await refresh();
    },
    onError: on.onError,
  });
}

export function useRemoveShare(assistantId: number) {
  const refresh = useRefreshShares(assistantId);
  return useMutation({
    mutationFn: async (shareId: number) =>
      unwrap(
        await api.DELETE("/api/v1/assistants/{assistant_id}/shares/{share_id}/", {
          params: { path: { assistant_id: assistantId, share_id: shareId } },
        }),
      ),
    onSuccess: () => refresh(),
  });
}

/** The operations of an HTTP action's OpenAPI document. */
export function useOpenApiOperations(assistantId: number, on: Callbacks<OpenApiOperations, unknown> = {}) {
  return useMutation({
    mutationFn: async (document: unknown): Promise<OpenApiOperations> =>
      unwrap(
        await api.POST("/api/v1/assistants/{assistant_id}/tools/openapi-operations/", {
          params: { path: { assistant_id: assistantId } },
          body: { document: documentValue(document) as never },
        }),
      ),
    onSuccess: on.onSuccess,
    onError: on.onError,
  });
}

/** Tries one operation of an HTTP action through the server's URL guard; `argumentsText` is the
 * JSON the builder typed. */
export function useToolTest(assistantId: number) {
  return useMutation({
    mutationFn: async ({ tool, operation, argumentsText }: { tool: ToolForm; operation: string; argumentsText: string }) => {
      let args: Record<string, unknown>;
      try {
        args = JSON.parse(argumentsText || "{}") as Record<string, unknown>;
      } catch {
        throw new Error(i18n.t("builder:tools.badJson"));
      }
      return unwrap(
        await api.POST("/api/v1/assistants/{assistant_id}/tools/test/", {
          params: { path: { assistant_id: assistantId } },
          body: {
            tool: {
              name: tool.name,
              settings: { ...tool.settings, openapi: documentValue(tool.settings.openapi) },
              ...(tool.secret ? { secret: tool.secret } : {}),
            },
            operation,
            arguments: args,
          },
        }),
      );
    },
  });
}

// --- review before publish (when the organization's policy requires it) ----------------------------

export type Review = components["schemas"]["Review"];
export type ReviewDetail = components["schemas"]["ReviewDetail"];

export const reviewKeys = {
  latest: (assistantId: number) => ["builder", "review", assistantId] as const,
  /** the latest review of each assistant, for the list */
  latestByAssistant: ["builder", "reviews"] as const,
};

/** The assistant's latest review (pending, or the decision on the last one), or null. */
export function useLatestReview(assistantId: number) {
  return useQuery({
    queryKey: reviewKeys.latest(assistantId),
    queryFn: async () =>
      rowsOf(
        unwrap(
          await api.GET("/api/v1/assistants/{assistant_id}/reviews/", {
            params: { path: { assistant_id: assistantId }, query: { page_size: 1 } },
          }),
        ),
      )[0] ?? null,
  });
}

/** The latest review of each assistant I may see the reviews of, newest first from the API. */
export function useLatestReviews() {
  return useQuery({
    queryKey: reviewKeys.latestByAssistant,
    queryFn: async () => {
      const reviews = rowsOf(unwrap(await api.GET("/api/v1/reviews/", { params: { query: { page_size: 200 } } })));
      const latest = new Map<number, Review>();
      for (const review of reviews) if (!latest.has(review.assistant)) latest.set(review.assistant, review);
      return latest;
    },
  });
}

export interface ReviewRequest {
  changelog: string;
  /** a rollback: the version whose content comes back; without it, the saved draft */
  version?: number;
}

/** Submits the saved draft (or an old version's content) for review with a changelog. */
export function useSubmitReview(assistantId: number, on: Callbacks<ReviewDetail, ReviewRequest> = {}) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async (request: ReviewRequest) =>
      unwrap(
        await api.POST("/api/v1/assistants/{assistant_id}/reviews/", {
          params: { path: { assistant_id: assistantId } },
          body: request,
        }),
      ),
    ...thenRefresh(on, () => client.invalidateQueries({ queryKey: ["builder"] })),
  });
}

/** Withdraws my pending review: the draft can be changed and submitted again. */
export function useWithdrawReview(on: Callbacks<ReviewDetail, number> = {}) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async (reviewId: number) =>
      unwrap(await api.POST("/api/v1/reviews/{review_id}/withdraw/", { params: { path: { review_id: reviewId } } })),
    ...thenRefresh(on, () => client.invalidateQueries({ queryKey: ["builder"] })),
  });
}
