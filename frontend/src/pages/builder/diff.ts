// What changed between two versions of an assistant, in a shape a side-by-side view can draw: the
// server gives per field {before, after}; long texts, lists and objects are compared line by line.

import { diffLines, sideBySide, type SideBySideRow } from "../../lib/lineDiff";

export type ChangeKind = "added" | "removed" | "changed";

export interface FieldDiff {
  field: string;
  kind: ChangeKind;
  before: unknown;
  after: unknown;
  /** Line by line comparison for long texts, lists and objects; null for short scalar values. */
  rows: SideBySideRow[] | null;
}

export interface FieldChange {
  before?: unknown;
  after?: unknown;
}

/** The order fields appear in the editor, so the diff reads in the same order. */
export const FIELD_ORDER = [
  "instructions",
  "conversation_starters",
  "model_provider",
  "model_name",
  "temperature",
  "max_tokens",
  "knowledge_bases",
  "tools",
  "top_k",
  "min_similarity",
  "knowledge_only",
  "refusal_message",
];

const LONG_TEXT = 80;

export function isEmptyValue(value: unknown): boolean {
  if (value === null || value === undefined || value === "") return true;
  if (Array.isArray(value)) return value.length === 0;
  if (typeof value === "object") return Object.keys(value as object).length === 0;
  return false;
}

/** The lines a value is compared by: a text's lines, a list's items, an object's pretty JSON. */
export function linesOf(value: unknown): string[] {
  if (isEmptyValue(value)) return [];
  if (typeof value === "string") return value.split(/\r?\n/);
  if (Array.isArray(value)) {
    return value.flatMap((item) =>
      typeof item === "string" ? [item] : JSON.stringify(item, null, 2).split("\n"),
    );
  }
  if (typeof value === "object") return JSON.stringify(value, null, 2).split("\n");
  return [String(value)];
}

function needsLines(value: unknown): boolean {
  if (typeof value === "string") return value.length > LONG_TEXT || value.includes("\n");
  return Array.isArray(value) || (typeof value === "object" && value !== null);
}

export function fieldDiff(field: string, change: FieldChange): FieldDiff {
  const before = change.before ?? null;
  const after = change.after ?? null;
  const kind: ChangeKind = isEmptyValue(before) ? "added" : isEmptyValue(after) ? "removed" : "changed";
  const rows = needsLines(before) || needsLines(after) ? sideBySide(diffLines(linesOf(before), linesOf(after))) : null;
  return { field, kind, before, after, rows };
}

/** Every changed field, in the editor's order (unknown fields last, by name). */
export function versionDiff(changes: Record<string, FieldChange>): FieldDiff[] {
  const rank = (field: string) => {
    const index = FIELD_ORDER.indexOf(field);
    return index === -1 ? FIELD_ORDER.length : index;
  };
  return Object.keys(changes)
    .sort((a, b) => rank(a) - rank(b) || a.localeCompare(b))
    .map((field) => fieldDiff(field, changes[field]));
}
