// Citations in an answer: the model writes numbered markers [n] that point at the passages it was
// given; the server sends one citation per marker it recognised. Markers with a citation become
// links to "#bureau-cite-n" (rendered as clickable superscripts by the Markdown renderer); unknown
// numbers stay plain text, and markers inside code are left alone.

import type { CitationData } from "../../api/chatStream";

/** A citation as the stream sends it, or as a stored message carries it (`document`). */
export type CitationInfo = CitationData & { document?: number | null };

const HREF_PREFIX = "#bureau-cite-";
// A marker is [n] (also [1, 2] or [1][2]); not a Markdown link "[n](…)" nor a reference "[n]:".
const MARKER = /\[(\d{1,3}(?:\s*,\s*\d{1,3})*)\](?![(:])/g;

export function citationHref(marker: number): string {
  return `${HREF_PREFIX}${marker}`;
}

/** The marker number a link produced by citationMarkdown points at, or null for any other link. */
export function markerOfHref(href: string | undefined | null): number | null {
  if (!href || !href.startsWith(HREF_PREFIX)) return null;
  const number = Number(href.slice(HREF_PREFIX.length));
  return Number.isInteger(number) && number > 0 ? number : null;
}

function replaceInProse(text: string, known: ReadonlySet<number>): string {
  return text.replace(MARKER, (whole, numbers: string) => {
    const parts = numbers.split(",").map((n) => Number(n.trim()));
    if (!parts.every((n) => known.has(n))) return whole;
    return parts.map((n) => `[${n}](${citationHref(n)})`).join("");
  });
}

/** The answer's Markdown with each known marker turned into a citation link. Fenced code blocks
 * and inline code spans are copied unchanged. */
export function citationMarkdown(text: string, known: ReadonlySet<number>): string {
  if (known.size === 0) return text;
  const out: string[] = [];
  let inFence = false;
  for (const line of text.split("\n")) {
    if (/^\s{0,3}(```|~~~)/.test(line)) {
      inFence = !inFence;
      out.push(line);
      continue;
    }
    if (inFence) {
      out.push(line);
      continue;
    }
    // Odd pieces after splitting on backtick runs are inline code.
    const pieces = line.split(/(`+[^`]*`+)/);
    out.push(pieces.map((piece, i) => (i % 2 === 1 ? piece : replaceInProse(piece, known))).join(""));
  }
  return out.join("\n");
}

/** Marker numbers in the order of first use in the text (as the server numbers them). */
export function markersIn(text: string): number[] {
  const seen = new Set<number>();
  for (const match of text.matchAll(MARKER)) {
    for (const n of match[1].split(",")) seen.add(Number(n.trim()));
  }
  return [...seen];
}

/** One citation per marker: the first wins if the stream repeated one. */
export function citationsByMarker(citations: readonly CitationInfo[]): Map<number, CitationInfo> {
  const map = new Map<number, CitationInfo>();
  for (const citation of citations) if (!map.has(citation.marker)) map.set(citation.marker, citation);
  return map;
}

export function headingPath(citation: CitationInfo): string[] {
  const path = citation.heading_path;
  return Array.isArray(path) ? path.filter((p): p is string => typeof p === "string" && p.trim() !== "") : [];
}

/** The page range as numbers, or null when the source has no pages (DOCX, plain text). */
export function pageRange(citation: CitationInfo): [number, number] | null {
  if (citation.page_start == null) return null;
  return [citation.page_start, citation.page_end ?? citation.page_start];
}

/** Where the source opens: the knowledge document's file, at the cited page (PDF viewers read
 * "#page=N"; other files ignore it). Null when the citation does not name a stored document. */
export function sourceUrl(citation: CitationInfo): string | null {
  const document = citation.document_id ?? citation.document;
  if (document == null || citation.knowledge_base_id == null) return null;
  const base = `/api/v1/knowledge-bases/${citation.knowledge_base_id}/documents/${document}/file/`;
  return citation.page_start != null ? `${base}#page=${citation.page_start}` : base;
}
