import { fireEvent, render, screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";

import i18n from "../../i18n";
import { AnswerMarkdown } from "./AnswerMarkdown";
import { filterAssistants } from "./AssistantsPage";
import type { Assistant } from "./api";

const citation = {
  marker: 1,
  document_id: 5,
  knowledge_base_id: 3,
  document_title: "Nghị định 30/2020/NĐ-CP",
  heading_path: ["Chương II", "Điều 8"],
  page_start: 4,
  page_end: 4,
  snippet: "Thể thức văn bản hành chính gồm các thành phần chính…",
};

describe("AnswerMarkdown", () => {
  it("renders GFM tables and citation markers as buttons opening the source", async () => {
    await i18n.changeLanguage("vi");
    render(<AnswerMarkdown text={"Theo quy định [1] và [4].\n\n| A | B |\n|---|---|\n| 1 | 2 |"} citations={[citation]} />);
    expect(screen.getByRole("table")).toBeTruthy();
    const marker = screen.getByRole("button", { name: "Nguồn 1: Nghị định 30/2020/NĐ-CP" });
    expect(marker.closest("sup")).not.toBeNull();
    expect(screen.getByText(/\[4\]/)).toBeTruthy(); // unknown number: plain text
    fireEvent.click(marker);
    expect(await screen.findByText("Chương II › Điều 8")).toBeTruthy();
    expect(screen.getByText("Trang 4")).toBeTruthy();
    const link = screen.getByRole("link", { name: /Mở văn bản nguồn/ });
    expect(link.getAttribute("href")).toBe("/api/v1/knowledge-bases/3/documents/5/file/#page=4");
    expect(link.getAttribute("target")).toBe("_blank");
  }, 30_000); // antd's first render is slow on a busy machine

  it("keeps an open citation open when the stored answer replaces the streamed one", async () => {
    await i18n.changeLanguage("vi");
    const text = "Theo quy định [1].";
    const { rerender } = render(<AnswerMarkdown text={text} citations={[citation]} />);
    fireEvent.click(screen.getByRole("button", { name: "Nguồn 1: Nghị định 30/2020/NĐ-CP" }));
    expect(await screen.findByText("Chương II › Điều 8")).toBeTruthy();
    const marker = screen.getByRole("button", { name: "Nguồn 1: Nghị định 30/2020/NĐ-CP" });
    // The stored copy: the same citation, in new objects.
    rerender(<AnswerMarkdown text={text} citations={[{ ...citation, heading_path: ["Chương II", "Điều 8"] }]} />);
    expect(screen.getByRole("button", { name: "Nguồn 1: Nghị định 30/2020/NĐ-CP" })).toBe(marker);
    expect(screen.getByTestId("citation-popover")).toBeTruthy();
    expect(screen.getByText("Chương II › Điều 8")).toBeTruthy();
  }, 30_000);
});

describe("filterAssistants", () => {
  const make = (id: number, name: string, department: number, department_name: string) =>
    ({ id, name, department, department_name, description: "" }) as unknown as Assistant;
  const list = [make(1, "Hỏi đáp quy chế nội bộ", 1, "Sở Tư pháp"), make(2, "Tra cứu thủ tục", 2, "Sở Nội vụ")];

  it("matches words without diacritics and filters by department", () => {
    expect(filterAssistants(list, "quy che", null).map((a) => a.id)).toEqual([1]);
    expect(filterAssistants(list, "SỞ", null).map((a) => a.id)).toEqual([1, 2]);
    expect(filterAssistants(list, "", 2).map((a) => a.id)).toEqual([2]);
    expect(filterAssistants(list, "tư pháp", 2)).toEqual([]);
  });
});
