// The editor's form values: built from the assistant and its draft, compared to tell unsaved
// changes, and split back into the two requests that save them (the assistant, the draft).
import type { AssistantDetail, DraftChanges, ToolForm, Version, Visibility } from "./api";
import { toolForApi, toolToForm } from "./tools";

export interface EditorValues {
  name: string;
  description: string;
  avatar: string;
  visibility: Visibility;
  instructions: string;
  conversation_starters: string[];
  model_provider: number | null;
  model_name: string;
  temperature: number;
  max_tokens: number;
  knowledge_base_ids: number[];
  tools: ToolForm[];
  top_k: number;
  min_similarity: number | null;
  knowledge_only: boolean;
  refusal_message: string;
}

export const ASSISTANT_FIELDS = ["name", "description", "avatar", "visibility"] as const;

export function valuesOf(assistant: AssistantDetail, draft: Version): EditorValues {
  return {
    name: assistant.name,
    description: assistant.description,
    avatar: assistant.avatar,
    visibility: assistant.visibility,
    instructions: draft.instructions,
    conversation_starters: [...(draft.conversation_starters as string[])],
    model_provider: draft.model_provider,
    model_name: draft.model_name,
    temperature: draft.temperature,
    max_tokens: draft.max_tokens,
    knowledge_base_ids: (draft.knowledge_bases as { id: number }[]).map((kb) => kb.id),
    tools: draft.tools.map((tool) => toolToForm(tool as never)),
    top_k: draft.top_k,
    min_similarity: draft.min_similarity,
    knowledge_only: draft.knowledge_only,
    refusal_message: draft.refusal_message,
  };
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

/** What changed since the saved values, split into the assistant's fields and the draft's. */
export function changesOf(saved: EditorValues, current: EditorValues) {
  const assistant: Partial<Pick<EditorValues, (typeof ASSISTANT_FIELDS)[number]>> = {};
  const draft: Record<string, unknown> = {};
  for (const key of Object.keys(saved) as (keyof EditorValues)[]) {
    if (same(saved[key], current[key])) continue;
    if ((ASSISTANT_FIELDS as readonly string[]).includes(key)) {
      (assistant as Record<string, unknown>)[key] = current[key];
    } else if (key === "tools") {
      draft.tools = current.tools.map(toolForApi);
    } else if (key === "conversation_starters") {
      draft.conversation_starters = current.conversation_starters.filter((s) => s && s.trim());
    } else {
      draft[key] = current[key];
    }
  }
  // A typed secret is a change even though the tool looks the same.
  if (!("tools" in draft) && current.tools.some((tool) => typeof tool.secret === "string")) {
    draft.tools = current.tools.map(toolForApi);
  }
  return { assistant, draft: draft as DraftChanges };
}

/** The form after the server's copy changed (a publish, a rollback, another tab): each field the
 * person has not edited since `saved` takes the server's new value; their own edits stay. */
export function rebase(saved: EditorValues, fresh: EditorValues, current: EditorValues): EditorValues {
  const merged = { ...fresh } as Record<keyof EditorValues, unknown>;
  for (const name of Object.keys(fresh) as (keyof EditorValues)[]) {
    if (JSON.stringify(current[name]) !== JSON.stringify(saved[name])) merged[name] = current[name];
  }
  return merged as unknown as EditorValues;
}

export function isDirty(saved: EditorValues, current: EditorValues): boolean {
  const { assistant, draft } = changesOf(saved, current);
  return Object.keys(assistant).length > 0 || Object.keys(draft).length > 0;
}

/** The server's field errors ({field: [messages]}, tools as {index: [messages]}) as form fields. */
export function fieldErrors(details: Record<string, unknown>): { name: string; errors: string[] }[] {
  return Object.entries(details)
    .filter(([name]) => name !== "tools")
    .map(([name, errors]) => ({
      name,
      errors: Array.isArray(errors) ? errors.map(String) : typeof errors === "object" && errors ? Object.values(errors).flat().map(String) : [String(errors)],
    }));
}

export function toolErrors(details: Record<string, unknown>): Record<string, string[]> {
  const tools = details.tools;
  if (Array.isArray(tools)) return { list: tools.map(String) };
  if (tools && typeof tools === "object") {
    return Object.fromEntries(Object.entries(tools).map(([index, errors]) => [index, (errors as unknown[]).map(String)]));
  }
  return {};
}
