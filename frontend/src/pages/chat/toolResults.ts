// What the stored results of some tools carry for the screen: the tables (and chart) of
// analyze_table, and the files drafted by draft_document.
import type { StoredToolCall } from "./turn";

export interface AnalysisChart {
  type: string;
  x: string;
  y: string;
  title: string;
  data: { x: unknown; y: number | null }[];
}

export interface Analysis {
  sql: string;
  columns: string[];
  rows: unknown[][];
  truncated: boolean;
  chart: AnalysisChart | null;
}

export interface DraftedFile {
  fileId: number;
  filename: string;
  url: string;
  /** The same document laid out as PDF by the server, made when first asked for. */
  pdfUrl: string;
  pdfFilename: string;
  number: string;
  date: string;
}

const record = (value: unknown): Record<string, unknown> | null =>
  value && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : null;

export function analysisOf(call: StoredToolCall): Analysis | null {
  const result = record(call.result);
  if (call.kind !== "analyze_table" || call.status !== "succeeded" || !result) return null;
  if (!Array.isArray(result.columns) || !Array.isArray(result.rows)) return null;
  const chart = record(result.chart);
  return {
    sql: typeof result.sql === "string" ? result.sql : "",
    columns: result.columns.map(String),
    rows: result.rows.filter(Array.isArray) as unknown[][],
    truncated: result.truncated === true,
    chart:
      chart && Array.isArray(chart.data)
        ? {
            type: String(chart.type ?? "bar"),
            x: String(chart.x ?? ""),
            y: String(chart.y ?? ""),
            title: String(chart.title ?? ""),
            data: (chart.data as unknown[]).map((point) => {
              const p = record(point) ?? {};
              return { x: p.x, y: typeof p.y === "number" ? p.y : null };
            }),
          }
        : null,
  };
}

export function draftedFileOf(call: StoredToolCall): DraftedFile | null {
  const result = record(call.result);
  if (!result || typeof result.file_id !== "number") return null;
  const filename = typeof result.filename === "string" ? result.filename : `${result.file_id}.docx`;
  return {
    fileId: result.file_id,
    filename,
    url: typeof result.download_url === "string" ? result.download_url : `/api/v1/files/${result.file_id}/download/`,
    pdfUrl: typeof result.pdf_url === "string" ? result.pdf_url : `/api/v1/files/${result.file_id}/pdf/`,
    pdfFilename: filename.replace(/\.docx$/i, "") + ".pdf",
    number: typeof result.number === "string" ? result.number : "",
    date: typeof result.date === "string" ? result.date : "",
  };
}

export interface Bar {
  label: string;
  value: number;
  /** Share of the largest absolute value, 0..1. */
  share: number;
}

/** The bars of a chart: points without a number are left out; lengths are relative to the
 * largest absolute value so that negative values are drawn too. */
export function barsOf(chart: AnalysisChart, limit = 30): Bar[] {
  const points = chart.data.filter((p): p is { x: unknown; y: number } => typeof p.y === "number").slice(0, limit);
  const max = Math.max(0, ...points.map((p) => Math.abs(p.y)));
  return points.map((p) => ({ label: p.x == null ? "" : String(p.x), value: p.y, share: max > 0 ? Math.abs(p.y) / max : 0 }));
}
