import { fireEvent, screen, within } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import i18n from "../../i18n";
import { answer, renderScreen } from "../../test/render";
import { ConfigurationReview } from "./ConfigurationReview";

const AUDITOR = {
  id: 9,
  email: "kiemtra@ubnd.example",
  full_name: "Kiểm tra viên",
  language: "vi",
  memberships: [{ department_id: 1, department_name: "Văn phòng UBND", organization_id: 1, role: "auditor" }],
};

function reviewed(id: number, name: string, audience_warnings: string[]) {
  return {
    id,
    name,
    slug: `tro-ly-${id}`,
    department_id: 1,
    department_name: "Sở Tư pháp",
    visibility: "organization",
    published_version: 1,
    published_at: "2026-12-01T08:00:00Z",
    model: "qwen",
    knowledge_bases: [{ id: 5, name: "Hướng dẫn nghiệp vụ", classification: "internal" }],
    tools: [],
    shares: [],
    flags: [],
    audience_warnings,
  };
}

const MEMBERS = "Kho tri thức “Hướng dẫn nghiệp vụ” sẽ không được dùng trong câu trả lời cho thành viên của Sở Nội vụ: họ không có quyền xem kho này.";
const PERSON = "Kho tri thức “Hướng dẫn nghiệp vụ” sẽ không được dùng trong câu trả lời cho thanh.nv@noivu.example: họ không có quyền xem kho này.";

describe("ConfigurationReview", () => {
  beforeEach(async () => {
    await i18n.changeLanguage("vi");
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it("counts each assistant's audience warnings, lists them in its row, and keeps it among the flagged", async () => {
    answer("GET", {
      "/api/v1/me/": AUDITOR,
      "/api/v1/configuration-review/": [reviewed(1, "Trợ lý hộ tịch", [MEMBERS, PERSON]), reviewed(2, "Trợ lý một cửa", [])],
    });
    renderScreen(<ConfigurationReview />);
    const row = (await screen.findByText("Trợ lý hộ tịch")).closest("tr") as HTMLElement;
    expect(within(row).getByText("2 lưu ý về quyền xem kho")).toBeTruthy();
    expect(screen.queryByText(MEMBERS)).toBeNull();

    fireEvent.click(within(row).getByRole("button"));
    expect(await screen.findByText(MEMBERS)).toBeTruthy();
    expect(screen.getByText(PERSON)).toBeTruthy();

    // Only the assistants that need attention: the one without warnings or flags goes, this one stays.
    fireEvent.click(screen.getByLabelText("Chỉ hiện trợ lý cần lưu ý"));
    expect(screen.getByText("Trợ lý hộ tịch")).toBeTruthy();
    expect(screen.queryByText("Trợ lý một cửa")).toBeNull();
  });
});
