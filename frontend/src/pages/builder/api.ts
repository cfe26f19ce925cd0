// The builder's data: typed wrappers over the API and the query keys they use.
import { api } from "../../api/client";
import type { components } from "../../api/schema";
import { unwrap } from "../../api/errors";
import { rowsOf } from "../../api/paginated";

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
export type Visibility = components["schemas"]["VisibilityEnum"];

export interface ToolForm {
  kind: string;
  name: string;
  settings: Record<string, unknown>;
  has_secret?: boolean;
  /** typed in the form; undefined keeps the saved one */
  secret?: string | null;
}

export const keys = {
  assistants: ["builder", "assistants"] as const,
  assistant: (id: number) => ["builder", "assistant", id] as const,
  draft: (id: number) => ["builder", "draft", id] as const,
  versions: (id: number) => ["builder", "versions", id] as const,
  shares: (id: number) => ["builder", "shares", id] as const,
  pending: (id: number) => ["builder", "pending", id] as const,
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
