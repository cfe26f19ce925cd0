import { describe, expect, it } from "vitest";

import { analysisOf, barsOf, draftedFileOf } from "./toolResults";
import type { StoredToolCall } from "./turn";

function call(kind: string, result: unknown, status: StoredToolCall["status"] = "succeeded"): StoredToolCall {
  return {
    id: 1,
    call_id: "c1",
    kind,
    name: kind,
    arguments: {},
    result_summary: "",
    result,
    status,
    error: "",
    duration_ms: 3,
    created_at: "2026-11-25T10:00:00Z",
  };
}

describe("analysisOf", () => {
  const result = {
    sql: "SELECT 1",
    columns: ["Đơn vị", "Số hồ sơ"],
    rows: [
      ["Xã A", 12],
      ["Xã B", 30],
    ],
    row_count: 2,
    truncated: false,
    chart: { type: "bar", x: "Đơn vị", y: "Số hồ sơ", title: "Hồ sơ", data: [{ x: "Xã A", y: 12 }, { x: "Xã B", y: 30 }, { x: "Xã C", y: null }] },
  };

  it("reads the table and chart of a query", () => {
    const analysis = analysisOf(call("analyze_table", result));
    expect(analysis?.columns).toEqual(["Đơn vị", "Số hồ sơ"]);
    expect(analysis?.rows).toHaveLength(2);
    expect(analysis?.chart?.data).toHaveLength(3);
  });

  it("is nothing for other tools, failures, or a table list", () => {
    expect(analysisOf(call("calculator", result))).toBeNull();
    expect(analysisOf(call("analyze_table", result, "refused"))).toBeNull();
    expect(analysisOf(call("analyze_table", { tables: 2 }))).toBeNull();
  });

  it("scales bars to the largest value and skips empty points", () => {
    const bars = barsOf(analysisOf(call("analyze_table", result))!.chart!);
    expect(bars.map((b) => [b.label, b.value, b.share])).toEqual([
      ["Xã A", 12, 0.4],
      ["Xã B", 30, 1],
    ]);
    expect(barsOf({ type: "bar", x: "", y: "", title: "", data: [{ x: "a", y: 0 }] })[0].share).toBe(0);
  });
});

describe("draftedFileOf", () => {
  it("reads a drafted file with its download address", () => {
    const file = draftedFileOf(
      call("draft_document", { file_id: 9, filename: "CV_so_12.docx", download_url: "/api/v1/files/9/download/", number: "Số: 12/STP" }),
    );
    expect(file).toEqual({
      fileId: 9,
      filename: "CV_so_12.docx",
      url: "/api/v1/files/9/download/",
      pdfUrl: "/api/v1/files/9/pdf/",
      pdfFilename: "CV_so_12.pdf",
      number: "Số: 12/STP",
      date: "",
    });
    const stored = draftedFileOf(call("draft_document", { file_id: 9, filename: "a.docx", pdf_url: "/api/v1/files/9/pdf/" }));
    expect(stored?.pdfUrl).toBe("/api/v1/files/9/pdf/");
    expect(draftedFileOf(call("draft_document", { missing: ["subject"] }))).toBeNull();
  });
});
