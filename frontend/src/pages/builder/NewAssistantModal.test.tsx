import { fireEvent, screen, waitFor } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import i18n from "../../i18n";
import { answer, BUILDER, renderScreen } from "../../test/render";
import { NewAssistantModal } from "./NewAssistantModal";

const TEMPLATE = {
  slug: "hoi-dap-quy-che-noi-bo",
  name: "Hỏi đáp quy chế nội bộ",
  description: "Trả lời theo quy chế của cơ quan.",
  avatar: "📘",
  instructions: "",
  conversation_starters: [],
  tools: [],
  temperature: 0.2,
  max_tokens: 1024,
  top_k: 6,
  min_similarity: null,
  knowledge_only: true,
  refusal_message: "",
  knowledge: "internal_regulations",
  knowledge_hint: "Liên kết kho quy chế nội bộ.",
  tags: [],
};

const page = (results: unknown[]) => ({ count: results.length, next: null, previous: null, results });

describe("NewAssistantModal, from a template", () => {
  beforeEach(async () => {
    await i18n.changeLanguage("vi");
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it("asks for a name not yet used in the department and the knowledge base before cloning", async () => {
    answer("GET", {
      "/api/v1/me/": BUILDER,
      "/api/v1/assistant-templates/": [TEMPLATE],
      "/api/v1/assistants/": page([{ id: 1, department: 1, name: "Hỏi đáp quy chế nội bộ" }]),
      "/api/v1/knowledge-bases/": page([{ id: 5, department: 1, department_name: "Sở Tư pháp", name: "Quy chế của Sở", visibility: "department" }]),
    });
    const post = answer("POST", {
      "/api/v1/assistant-templates/{slug}/clone/": { assistant: { id: 9, name: "Quy chế Sở Tư pháp" }, warnings: [] },
    });
    renderScreen(<NewAssistantModal open onClose={() => {}} />);
    fireEvent.click(await screen.findByText("Từ mẫu có sẵn"));
    fireEvent.click((await screen.findByLabelText("Dùng mẫu Hỏi đáp quy chế nội bộ")).closest("button")!);

    const name = (await screen.findByLabelText("Tên trợ lý")) as HTMLInputElement;
    expect(name.value).toBe("Hỏi đáp quy chế nội bộ");
    fireEvent.click(screen.getByText("Tạo trợ lý", { selector: "button span" }));
    expect(await screen.findByText("Đơn vị đã có trợ lý tên “Hỏi đáp quy chế nội bộ”: anh/chị hãy đặt tên khác.")).toBeTruthy();
    expect(post).not.toHaveBeenCalled();

    fireEvent.change(name, { target: { value: "Quy chế Sở Tư pháp" } });
    fireEvent.mouseDown(screen.getByLabelText("Kho tri thức cần dùng"));
    fireEvent.click(await screen.findByTitle("Quy chế của Sở (Sở Tư pháp)"));
    fireEvent.click(screen.getByText("Tạo trợ lý", { selector: "button span" }));
    await waitFor(() => expect(post).toHaveBeenCalledTimes(1));
    expect(post).toHaveBeenCalledWith(
      "/api/v1/assistant-templates/{slug}/clone/",
      expect.objectContaining({ body: { department: 1, name: "Quy chế Sở Tư pháp", knowledge_base_ids: [5] } }),
    );
  });
});
