// The one line diff of the app (longest common subsequence), for the builder's version diff and
// the audit log's and reviews' before/after: each line kept, removed or added, and the same lines
// paired for a side-by-side view.

export type LineKind = "same" | "added" | "removed";

export interface LineOp {
  kind: LineKind;
  text: string;
}

/** One row of a side-by-side view: the left (before) and the right (after) cell. */
export interface SideBySideRow {
  left: LineOp | null;
  right: LineOp | null;
}

// The table takes (n+1)·(m+1) numbers: past this, two texts of a couple of thousand lines each,
// they are shown as wholly replaced to keep the browser responsive.
const MAX_CELLS = 4_000_000;

/** The lines of `before` and `after` in order, each kept, removed or added. */
export function diffLines(before: readonly string[], after: readonly string[]): LineOp[] {
  const n = before.length;
  const m = after.length;
  if (n * m > MAX_CELLS) {
    return [...before.map((text) => ({ kind: "removed" as const, text })), ...after.map((text) => ({ kind: "added" as const, text }))];
  }
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
export function sideBySide(ops: readonly LineOp[]): SideBySideRow[] {
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
