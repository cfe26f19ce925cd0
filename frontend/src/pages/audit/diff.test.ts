import { describe, expect, it } from "vitest";

import { display, fieldChanges, isLongText, lineChanges } from "./diff";

describe("fieldChanges", () => {
  it("orders changed, added, removed, unchanged", () => {
    const rows = fieldChanges({ name: "A", visibility: "department", old: 1 }, { name: "B", visibility: "department", tools: [] });
    expect(rows.map((r) => [r.field, r.kind])).toEqual([
      ["name", "changed"],
      ["tools", "added"],
      ["old", "removed"],
      ["visibility", "unchanged"],
    ]);
  });

  it("flattens nested objects into dotted names", () => {
    const rows = fieldChanges({ settings: { top_k: 4, min: 0.2 } }, { settings: { top_k: 6, min: 0.2 } });
    expect(rows[0]).toEqual({ field: "settings.top_k", kind: "changed", before: 4, after: 6 });
    expect(rows[1].kind).toBe("unchanged");
  });

  it("treats a creation (no before) as all added and a deletion as all removed", () => {
    expect(fieldChanges(null, { a: 1 }).map((r) => r.kind)).toEqual(["added"]);
    expect(fieldChanges({ a: 1 }, null).map((r) => r.kind)).toEqual(["removed"]);
  });

  it("compares lists by value", () => {
    expect(fieldChanges({ kb: [1, 2] }, { kb: [1, 2] })[0].kind).toBe("unchanged");
    expect(fieldChanges({ kb: [1, 2] }, { kb: [2, 1] })[0].kind).toBe("changed");
  });
});

describe("lineChanges", () => {
  it("keeps common lines and marks the rest", () => {
    expect(lineChanges("Xin chào\nTrả lời ngắn\nKết thúc", "Xin chào\nTrả lời đầy đủ\nKết thúc")).toEqual([
      { kind: "same", text: "Xin chào" },
      { kind: "removed", text: "Trả lời ngắn" },
      { kind: "added", text: "Trả lời đầy đủ" },
      { kind: "same", text: "Kết thúc" },
    ]);
  });

  it("handles empty sides", () => {
    expect(lineChanges("", "a")).toEqual([
      { kind: "removed", text: "" },
      { kind: "added", text: "a" },
    ]);
    expect(lineChanges("a\nb", "a\nb").every((l) => l.kind === "same")).toBe(true);
  });
});

describe("display", () => {
  it("shows absent values as a dash and objects as JSON", () => {
    expect(display(undefined)).toBe("—");
    expect(display(null)).toBe("—");
    expect(display("văn bản")).toBe("văn bản");
    expect(display([1, 2])).toBe("[\n 1,\n 2\n]");
    expect(isLongText("a\nb")).toBe(true);
    expect(isLongText("ngắn")).toBe(false);
  });
});
