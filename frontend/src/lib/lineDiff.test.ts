import { describe, expect, it } from "vitest";

import { diffLines, sideBySide } from "./lineDiff";

describe("diffLines", () => {
  it("keeps the longest run of common lines and marks the rest, removals first", () => {
    expect(diffLines(["a", "b", "c", "d"], ["a", "x", "c", "d", "e"])).toEqual([
      { kind: "same", text: "a" },
      { kind: "removed", text: "b" },
      { kind: "added", text: "x" },
      { kind: "same", text: "c" },
      { kind: "same", text: "d" },
      { kind: "added", text: "e" },
    ]);
  });

  it("handles empty sides and equal sides", () => {
    expect(diffLines([], ["a"])).toEqual([{ kind: "added", text: "a" }]);
    expect(diffLines(["a"], [])).toEqual([{ kind: "removed", text: "a" }]);
    expect(diffLines([], [])).toEqual([]);
    expect(diffLines(["a", "b"], ["a", "b"]).every((op) => op.kind === "same")).toBe(true);
  });

  it("shows texts too long to compare as wholly replaced", () => {
    const before = Array.from({ length: 2001 }, (_, i) => `dòng ${i}`);
    const after = [...before.slice(1), "mới"];
    const ops = diffLines(before, after);
    expect(ops).toHaveLength(before.length + after.length);
    expect(ops.slice(0, before.length).every((op) => op.kind === "removed")).toBe(true);
    expect(ops.slice(before.length).every((op) => op.kind === "added")).toBe(true);
    // Just under the limit, the common lines are found.
    expect(diffLines(before.slice(0, 1999), after.slice(0, 1999)).filter((op) => op.kind === "same")).toHaveLength(1998);
  });
});

describe("sideBySide", () => {
  it("pairs each removed line with the added one after it and keeps common lines on both sides", () => {
    expect(sideBySide(diffLines(["a", "b", "c"], ["a", "B", "c", "d"]))).toEqual([
      { left: { kind: "same", text: "a" }, right: { kind: "same", text: "a" } },
      { left: { kind: "removed", text: "b" }, right: { kind: "added", text: "B" } },
      { left: { kind: "same", text: "c" }, right: { kind: "same", text: "c" } },
      { left: null, right: { kind: "added", text: "d" } },
    ]);
  });
});
