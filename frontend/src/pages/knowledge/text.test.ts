import { describe, expect, it } from "vitest";

import { formatBytes, highlight, pageRange } from "./text";

const marked = (text: string, query: string) =>
  highlight(text, query)
    .filter((segment) => segment.match)
    .map((segment) => segment.text);

describe("highlight", () => {
  it("marks the query's words, without regard to diacritics or case", () => {
    expect(marked("Quyền và nghĩa vụ của công dân", "quyen cong dan")).toEqual(["Quyền", "công", "dân"]);
  });

  it("keeps the whole text, matched or not, in order", () => {
    const text = "Điều 5. Đăng ký hộ tịch";
    expect(
      highlight(text, "đăng ký")
        .map((segment) => segment.text)
        .join(""),
    ).toBe(text);
    expect(marked(text, "dang ky")).toEqual(["Đăng", "ký"]);
  });

  it("matches word starts only, and ignores one-letter words", () => {
    expect(marked("hợp đồng lao động", "ong a")).toEqual([]);
    expect(marked("lao động", "")).toEqual([]);
  });
});

describe("formatting", () => {
  it("writes page ranges and sizes", () => {
    expect(pageRange(3, 5)).toBe("3–5");
    expect(pageRange(4, 4)).toBe("4");
    expect(pageRange(null, null)).toBe("");
    expect(formatBytes(1536, "en")).toBe("1.5 KB");
    expect(formatBytes(1536, "vi")).toBe("1,5 KB");
  });
});
