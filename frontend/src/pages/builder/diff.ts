// What changed between two versions of an assistant, in a shape a side-by-side view can draw: the
// server gives per field {before, after}; long texts, lists and objects are compared line by line.

export type ChangeKind = "added" | "removed" | "changed";
export type LineKind = "same" | "added" | "removed";

export interface LineOp {
  kind: LineKind;
  text: string;
}

/** One row of the side-by-side view: the left (before) and the right (after) cell. */
export interface SideBySideRow {
  left: LineOp | null;
  right: LineOp | null;
}

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

/** Longest-common-subsequence line diff: the lines of `before` and `after` in order, each kept,
 * removed or added. */
export function diffLines(before: string[], after: string[]): LineOp[] {
  const n = before.length;
  const m = after.length;
  // common[i][j]: length of the LCS of before[i:] and after[j:]
  const common: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      common[i][j] = before[i] === after[j] ? common[i + 1][j + 1] + 1 : Math.max(common[i + 1][j], common[i][j + 1]);
    }
  }
  const ops: LineOp[] = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (before[i] === after[j]) {
      ops.push({ kind: "same", text: before[i] });
      i++;
      j++;
    } else if (common[i + 1][j] >= common[i][j + 1]) {
      ops.push({ kind: "removed", text: before[i++] });
    } else {
      ops.push({ kind: "added", text: after[j++] });
    }
  }
  while (i < n) ops.push({ kind: "removed", text: before[i++] });
  while (j < m) ops.push({ kind: "added", text: after[j++] });
  return ops;
}

/** Pairs a run of removed lines with the run of added lines after it, so a changed line sits
 * beside its new form; kept lines stand on both sides. */
export function sideBySide(ops: LineOp[]): SideBySideRow[] {
  const rows: SideBySideRow[] = [];
  let k = 0;
  while (k < ops.length) {
    if (ops[k].kind === "same") {
      rows.push({ left: ops[k], right: ops[k] });
      k++;
      continue;
    }
    const removed: LineOp[] = [];
    const added: LineOp[] = [];
    while (k < ops.length && ops[k].kind === "removed") removed.push(ops[k++]);
    while (k < ops.length && ops[k].kind === "added") added.push(ops[k++]);
    for (let r = 0; r < Math.max(removed.length, added.length); r++) {
      rows.push({ left: removed[r] ?? null, right: added[r] ?? null });
    }
  }
  return rows;
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
