import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import i18n from "../../i18n";
import { answer, BUILDER, renderScreen } from "../../test/render";
import { AssistantList } from "./AssistantList";

const ASSISTANT = {
  id: 3,
  organization: 1,
  department: 1,
  department_name: "Sở Tư pháp",
  slug: "ho-tich",
  name: "Trợ lý hộ tịch",
  description: "",
  avatar: "",
  visibility: "department",
  published_version: 1,
  conversation_starters: [],
  legal_hold: false,
  pii_redaction: "off",
  created_by: BUILDER.email,
  created_at: "2026-12-01T08:00:00Z",
  updated_at: "2026-12-01T08:00:00Z",
  permissions: { read_config: true, edit: true, manage: true },
};
const LEFT_OUT = "Kho tri thức “Hồ sơ thẩm định” không được chép theo: Sở Nội vụ không được dùng kho này.";

async function duplicate(warnings: string[]) {
  answer("GET", { "/api/v1/me/": BUILDER, "/api/v1/assistants/": { results: [ASSISTANT] } });
  const post = answer("POST", {
    "/api/v1/assistants/{assistant_id}/duplicate/": { ...ASSISTANT, id: 4, name: "Trợ lý hộ tịch (bản sao)", warnings },
  });
  renderScreen(<AssistantList />);
  fireEvent.click(await screen.findByLabelText("Tạo bản sao của Trợ lý hộ tịch"));
  await waitFor(() => expect(post).toHaveBeenCalledWith("/api/v1/assistants/{assistant_id}/duplicate/", expect.anything()));
}

describe("AssistantList", () => {
  beforeEach(async () => {
    await i18n.changeLanguage("vi");
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it("lists what a copy left behind in a dialog instead of a bare success", async () => {
    await duplicate([LEFT_OUT]);
    const dialog = await screen.findByRole("dialog");
    // antd writes the title twice: once on screen, once for the dialog's accessible name.
    expect(within(dialog).getAllByText("Đã tạo bản sao “Trợ lý hộ tịch (bản sao)”, có lưu ý")).not.toHaveLength(0);
    expect(within(dialog).getByRole("listitem").textContent).toBe(LEFT_OUT);
    expect(screen.queryByText("Đã tạo bản sao: “Trợ lý hộ tịch (bản sao)”.")).toBeNull();
  });

  it("says the copy is made when nothing was left behind", async () => {
    await duplicate([]);
    expect(await screen.findByText("Đã tạo bản sao: “Trợ lý hộ tịch (bản sao)”.")).toBeTruthy();
    expect(screen.queryByRole("dialog")).toBeNull();
  });
});
