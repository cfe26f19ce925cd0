import { describe, expect, it } from "vitest";

import { diffLines, sideBySide } from "../../lib/lineDiff";
import { fieldDiff, linesOf, versionDiff } from "./diff";

describe("version diff", () => {
  it("tells added, removed and changed fields apart", () => {
    const rows = versionDiff({
      temperature: { before: 0.2, after: 0.7 },
      refusal_message: { before: "", after: "Không có trong tài liệu." },
      knowledge_bases: { before: [3], after: [] },
    });
    expect(rows.map((r) => [r.field, r.kind])).toEqual([
      ["temperature", "changed"],
      ["knowledge_bases", "removed"],
      ["refusal_message", "added"],
    ]);
    expect(rows[0].rows).toBeNull(); // a short scalar is shown as before → after
  });

  it("compares long texts line by line and pairs a changed line with its new form", () => {
    const before = "Bạn là trợ lý của Sở Tư pháp.\nTrả lời ngắn gọn.\nLuôn dẫn nguồn.";
    const after = "Bạn là trợ lý của Sở Tư pháp.\nTrả lời đầy đủ, có ví dụ.\nLuôn dẫn nguồn.\nKý tên cuối thư.";
    const diff = fieldDiff("instructions", { before, after });
    expect(diff.kind).toBe("changed");
    expect(diff.rows).toEqual([
      { left: { kind: "same", text: "Bạn là trợ lý của Sở Tư pháp." }, right: { kind: "same", text: "Bạn là trợ lý của Sở Tư pháp." } },
      { left: { kind: "removed", text: "Trả lời ngắn gọn." }, right: { kind: "added", text: "Trả lời đầy đủ, có ví dụ." } },
      { left: { kind: "same", text: "Luôn dẫn nguồn." }, right: { kind: "same", text: "Luôn dẫn nguồn." } },
      { left: null, right: { kind: "added", text: "Ký tên cuối thư." } },
    ]);
  });

  it("diffs lists item by item", () => {
    const ops = diffLines(linesOf(["Thủ tục A", "Thủ tục B"]), linesOf(["Thủ tục B", "Thủ tục C"]));
    expect(ops).toEqual([
      { kind: "removed", text: "Thủ tục A" },
      { kind: "same", text: "Thủ tục B" },
      { kind: "added", text: "Thủ tục C" },
    ]);
  });

  it("shows objects as pretty JSON lines", () => {
    const diff = fieldDiff("tools", { before: [], after: [{ kind: "calculator", name: "may_tinh" }] });
    expect(diff.kind).toBe("added");
    expect(diff.rows?.every((row) => row.left === null && row.right?.kind === "added")).toBe(true);
    expect(diff.rows?.map((r) => r.right?.text).join("\n")).toContain('"kind": "calculator"');
  });

  it("keeps unpaired removals on the left only", () => {
    expect(sideBySide([{ kind: "removed", text: "a" }, { kind: "removed", text: "b" }, { kind: "added", text: "c" }])).toEqual([
      { left: { kind: "removed", text: "a" }, right: { kind: "added", text: "c" } },
      { left: { kind: "removed", text: "b" }, right: null },
    ]);
  });
});
