// Tools as the form edits them and as the draft API takes them back.
import type { ToolForm } from "./api";

/** An HTTP action's OpenAPI document is edited as text; other settings as they are. */
export function toolToForm(tool: { kind: string; name: string; settings: Record<string, unknown>; has_secret?: boolean }): ToolForm {
  const settings = { ...tool.settings };
  if (tool.kind === "http_action" && settings.openapi && typeof settings.openapi !== "string") {
    settings.openapi = JSON.stringify(settings.openapi, null, 2);
  }
  return { kind: tool.kind, name: tool.name, settings, has_secret: tool.has_secret };
}

/** The document back as an object when it is JSON; YAML text goes as text (the server parses it). */
export function documentValue(text: unknown): unknown {
  if (typeof text !== "string") return text;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export function toolForApi(tool: ToolForm): { kind: string; name: string; settings: Record<string, unknown>; secret?: string | null } {
  const settings = { ...tool.settings };
  if (tool.kind === "http_action") settings.openapi = documentValue(settings.openapi);
  const body: { kind: string; name: string; settings: Record<string, unknown>; secret?: string | null } = {
    kind: tool.kind,
    name: tool.name,
    settings,
  };
  if (typeof tool.secret === "string") body.secret = tool.secret;
  return body;
}

/** The settings a builder typed, or null when the text is not a JSON object. */
export function settingsOf(text: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(text.trim() || "{}");
    return value && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** The indexes of tools whose settings, as typed, are not valid JSON. */
export function toolsWithInvalidSettings(tools: ToolForm[]): number[] {
  return tools.flatMap((tool, index) => (tool.invalidSettings !== undefined ? [index] : []));
}

/** A name for a new tool of this kind that no other tool has (the API wants unique names). */
export function freshToolName(kind: string, taken: string[]): string {
  if (!taken.includes(kind)) return kind;
  let n = 2;
  while (taken.includes(`${kind}_${n}`)) n++;
  return `${kind}_${n}`;
}
