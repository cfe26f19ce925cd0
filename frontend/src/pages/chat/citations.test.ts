import { describe, expect, it } from "vitest";

import {
  citationHref,
  citationMarkdown,
  citationsByMarker,
  headingPath,
  markerOfHref,
  markersIn,
  pageRange,
  sourceUrl,
  type CitationInfo,
} from "./citations";

const known = new Set([1, 2]);

describe("citationMarkdown", () => {
  it("turns known markers into citation links", () => {
    expect(citationMarkdown("Theo Điều 8 [1].", known)).toBe(`Theo Điều 8 [1](${citationHref(1)}).`);
  });

  it("leaves unknown numbers as plain text", () => {
    expect(citationMarkdown("Xem [3] và [1]", known)).toBe(`Xem [3] và [1](${citationHref(1)})`);
  });

  it("links every repetition of a marker", () => {
    const out = citationMarkdown("A [2]. B [2]. C [1][2]", known);
    expect(out.match(/#bureau-cite-2/g)).toHaveLength(3);
    expect(out).toContain(`[1](${citationHref(1)})[2](${citationHref(2)})`);
  });

  it("splits a list of markers and keeps it plain if one is unknown", () => {
    expect(citationMarkdown("[1, 2]", known)).toBe(`[1](${citationHref(1)})[2](${citationHref(2)})`);
    expect(citationMarkdown("[1, 9]", known)).toBe("[1, 9]");
  });

  it("does not touch links, references or code", () => {
    const text = "[1](https://example.org) `a[1]` [1]: note\n```\nx[1]\n```\nend [1]";
    const out = citationMarkdown(text, known);
    expect(out).toBe(`[1](https://example.org) \`a[1]\` [1]: note\n\`\`\`\nx[1]\n\`\`\`\nend [1](${citationHref(1)})`);
  });

  it("returns the text unchanged without citations", () => {
    expect(citationMarkdown("Trả lời [1]", new Set())).toBe("Trả lời [1]");
  });
});

describe("markers and hrefs", () => {
  it("reads markers in order of first use", () => {
    expect(markersIn("b [2] a [1] again [2] list [3, 4]")).toEqual([2, 1, 3, 4]);
  });

  it("reads the marker of a citation link and nothing else", () => {
    expect(markerOfHref(citationHref(12))).toBe(12);
    expect(markerOfHref("#bureau-cite-x")).toBeNull();
    expect(markerOfHref("https://example.org")).toBeNull();
    expect(markerOfHref(undefined)).toBeNull();
  });

  it("keeps the first citation of a repeated marker", () => {
    const a = { marker: 1, document_title: "A", snippet: "" };
    const b = { marker: 1, document_title: "B", snippet: "" };
    expect(citationsByMarker([a, b]).get(1)?.document_title).toBe("A");
  });
});

describe("source of a citation", () => {
  const pdf: CitationInfo = {
    marker: 1,
    document_id: 5,
    knowledge_base_id: 3,
    document_title: "Nghị định 30",
    heading_path: ["Chương II", "Điều 8", 7],
    page_start: 4,
    page_end: 5,
    snippet: "…",
  };

  it("opens the knowledge document's file at the page", () => {
    expect(sourceUrl(pdf)).toBe("/api/v1/knowledge-bases/3/documents/5/file/#page=4");
    expect(pageRange(pdf)).toEqual([4, 5]);
    expect(headingPath(pdf)).toEqual(["Chương II", "Điều 8"]);
  });

  it("has no page anchor without pages, and no link without a document", () => {
    expect(sourceUrl({ ...pdf, page_start: null, page_end: null })).toBe("/api/v1/knowledge-bases/3/documents/5/file/");
    expect(pageRange({ ...pdf, page_start: null })).toBeNull();
    expect(sourceUrl({ ...pdf, document_id: null })).toBeNull();
    expect(sourceUrl({ marker: 1, document: 9, knowledge_base_id: 2, document_title: "", snippet: "" })).toBe(
      "/api/v1/knowledge-bases/2/documents/9/file/",
    );
  });
});
