import { fireEvent, screen } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import i18n from "../../i18n";
import { answer, renderScreen } from "../../test/render";
import { Reviews } from "./Reviews";

const AUDITOR = {
  id: 9,
  email: "kiemtra@ubnd.example",
  full_name: "Kiểm tra viên",
  language: "vi",
  memberships: [{ department_id: 1, department_name: "Văn phòng UBND", organization_id: 1, role: "auditor" }],
};

const REVIEW = {
  id: 12,
  assistant: 3,
  assistant_name: "Trợ lý hộ tịch",
  department: 1,
  state: "pending",
  changelog: "Thêm kho hồ sơ",
  rollback_of: null,
  config_hash: "",
  author: "builder@tuphap.example",
  reviewer: null,
  comment: "",
  published_version: null,
  created_at: "2026-12-01T08:00:00Z",
  decided_at: null,
};
const LEFT_OUT = "Kho tri thức “Hồ sơ thẩm định” sẽ không được dùng trong câu trả lời cho thành viên của Sở Tư pháp không phải cán bộ xây dựng trợ lý: họ không có quyền xem kho này.";

describe("Reviews", () => {
  beforeEach(async () => {
    await i18n.changeLanguage("vi");
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it("tells the reviewer which knowledge part of the audience will not get, without blocking approval", async () => {
    answer("GET", {
      "/api/v1/me/": AUDITOR,
      "/api/v1/reviews/": { count: 1, next: null, previous: null, results: [REVIEW] },
      "/api/v1/reviews/{review_id}/": { ...REVIEW, against: null, changes: {}, snapshot: {}, warnings: [], audience_warnings: [LEFT_OUT] },
    });
    renderScreen(<Reviews />);
    fireEvent.click((await screen.findByText("Xem")).closest("button")!);
    expect(await screen.findByText(LEFT_OUT)).toBeTruthy();
    expect(screen.getByText("Một số người dùng trợ lý sẽ không nhận được nội dung từ các kho tri thức sau")).toBeTruthy();
    expect((screen.getByText("Duyệt và xuất bản").closest("button") as HTMLButtonElement).disabled).toBe(false);
  });
});
