// The before/after of an audit event, as rows a person can compare: which fields were added,
// removed or changed, with long texts compared line by line.

export type ChangeKind = "added" | "removed" | "changed" | "unchanged";

export interface FieldChange {
  field: string;
  kind: ChangeKind;
  before: unknown;
  after: unknown;
}

export interface LineChange {
  kind: "same" | "added" | "removed";
  text: string;
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

/** A line diff of two texts (longest common subsequence): enough for instructions and notes. Texts
 * beyond a few thousand lines are compared as a whole, to keep the browser responsive. */
export function lineChanges(before: string, after: string): LineChange[] {
  const a = before.split("\n");
  const b = after.split("\n");
  if (a.length * b.length > 4_000_000) {
    return [...a.map((text) => ({ kind: "removed" as const, text })), ...b.map((text) => ({ kind: "added" as const, text }))];
  }
  const lcs: number[][] = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      lcs[i][j] = a[i] === b[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
    }
  }
  const out: LineChange[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      out.push({ kind: "same", text: a[i] });
      i++;
      j++;
    } else if (lcs[i + 1][j] >= lcs[i][j + 1]) {
      out.push({ kind: "removed", text: a[i++] });
    } else {
      out.push({ kind: "added", text: b[j++] });
    }
  }
  while (i < a.length) out.push({ kind: "removed", text: a[i++] });
  while (j < b.length) out.push({ kind: "added", text: b[j++] });
  return out;
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
