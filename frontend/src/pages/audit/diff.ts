// The before/after of an audit event, as rows a person can compare: which fields were added,
// removed or changed, with long texts compared line by line.
import { diffLines, type LineOp } from "../../lib/lineDiff";

export type ChangeKind = "added" | "removed" | "changed" | "unchanged";

export interface FieldChange {
  field: string;
  kind: ChangeKind;
  before: unknown;
  after: unknown;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Field by field, in a stable order: changed first, then added, removed, unchanged; each group by name.
 * Nested objects are flattened into dotted names so that a change deep inside shows where it is. */
export function fieldChanges(before: unknown, after: unknown): FieldChange[] {
  const left = flatten(isRecord(before) ? before : {});
  const right = flatten(isRecord(after) ? after : {});
  const names = [...new Set([...Object.keys(left), ...Object.keys(right)])];
  const rows = names.map<FieldChange>((field) => {
    const inBefore = field in left;
    const inAfter = field in right;
    const kind: ChangeKind = !inBefore ? "added" : !inAfter ? "removed" : same(left[field], right[field]) ? "unchanged" : "changed";
    return { field, kind, before: left[field], after: right[field] };
  });
  const order: Record<ChangeKind, number> = { changed: 0, added: 1, removed: 2, unchanged: 3 };
  return rows.sort((a, b) => order[a.kind] - order[b.kind] || a.field.localeCompare(b.field));
}

function flatten(value: Record<string, unknown>, prefix = ""): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    const name = prefix ? `${prefix}.${key}` : key;
    if (isRecord(item) && Object.keys(item).length > 0) Object.assign(out, flatten(item, name));
    else out[name] = item;
  }
  return out;
}

/** Two texts line by line (instructions, notes). */
export function lineChanges(before: string, after: string): LineOp[] {
  return diffLines(before.split("\n"), after.split("\n"));
}

/** How a value reads in the diff: text as is, the rest as compact JSON; absent as an em dash. */
export function display(value: unknown): string {
  if (value === undefined || value === null) return "—";
  if (typeof value === "string") return value;
  return JSON.stringify(value, null, 1);
}

export function isLongText(value: unknown): value is string {
  return typeof value === "string" && (value.includes("\n") || value.length > 120);
}
