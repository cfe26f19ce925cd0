import { fireEvent, screen, waitFor } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import i18n from "../../i18n";
import { answer, BUILDER, renderScreen } from "../../test/render";
import { PublishModal } from "./PublishModal";
import { ReviewBanner } from "./ReviewStatus";
import { VersionsPanel } from "./VersionsPanel";

const REVIEW = {
  id: 12,
  assistant: 3,
  assistant_name: "Trợ lý hộ tịch",
  department: 1,
  state: "pending" as const,
  changelog: "Thêm kho hồ sơ",
  rollback_of: null,
  config_hash: "",
  author: BUILDER.email,
  reviewer: null,
  comment: "",
  published_version: null,
  created_at: "2026-12-01T08:00:00Z",
  decided_at: null,
};

describe("review before publish, for the builder", () => {
  beforeEach(async () => {
    await i18n.changeLanguage("vi");
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it("submits the draft for review with its changelog when the organization requires review", async () => {
    answer("GET", {
      "/api/v1/me/": BUILDER,
      "/api/v1/organizations/{organization_id}/policy/": { require_publish_review: true },
    });
    const post = answer("POST", { "/api/v1/assistants/{assistant_id}/reviews/": { ...REVIEW, changes: {}, warnings: [] } });
    const onPublished = vi.fn();
    renderScreen(<PublishModal assistantId={3} open onClose={() => {}} onPublished={onPublished} />);
    expect(await screen.findByText("Gửi bản nháp để duyệt")).toBeTruthy();
    fireEvent.change(screen.getByLabelText("Nội dung thay đổi"), { target: { value: "Thêm kho hồ sơ" } });
    const submit = await screen.findByRole("button", { name: "Gửi duyệt" });
    await waitFor(() => expect((submit as HTMLButtonElement).disabled).toBe(false));
    fireEvent.click(submit);
    await waitFor(() => expect(onPublished).toHaveBeenCalled());
    expect(post).toHaveBeenCalledWith("/api/v1/assistants/{assistant_id}/reviews/", {
      params: { path: { assistant_id: 3 } },
      body: { changelog: "Thêm kho hồ sơ" },
    });
    expect(post.mock.calls.some((call) => String((call as unknown[])[0]).includes("/publish/"))).toBe(false);
    expect(await screen.findByText("Đã gửi duyệt. Anh/chị sẽ thấy kết quả duyệt tại đây.")).toBeTruthy();
  });

  it("shows the pending review with its changelog, and its author withdraws it", async () => {
    answer("GET", { "/api/v1/me/": BUILDER });
    const post = answer("POST", { "/api/v1/reviews/{review_id}/withdraw/": { ...REVIEW, state: "withdrawn" } });
    renderScreen(<ReviewBanner review={REVIEW} publishedVersion={null} />);
    expect(await screen.findByText(/Đang chờ duyệt: builder@tuphap.example gửi lúc/)).toBeTruthy();
    expect(screen.getByText("Nội dung thay đổi: Thêm kho hồ sơ")).toBeTruthy();
    fireEvent.click(await screen.findByRole("button", { name: "Rút yêu cầu duyệt" }));
    await waitFor(() =>
      expect(post).toHaveBeenCalledWith("/api/v1/reviews/{review_id}/withdraw/", { params: { path: { review_id: 12 } } }),
    );
  });

  it("shows the reviewer's rejection and comment", async () => {
    answer("GET", { "/api/v1/me/": BUILDER });
    renderScreen(
      <ReviewBanner
        review={{ ...REVIEW, state: "rejected", reviewer: "kiemtoan@bureau.local", comment: "Thiếu căn cứ pháp lý", decided_at: "2026-12-02T08:00:00Z" }}
        publishedVersion={null}
      />,
    );
    expect(await screen.findByText(/Yêu cầu duyệt bị từ chối bởi kiemtoan@bureau.local/)).toBeTruthy();
    expect(screen.getByText("Ý kiến người duyệt: Thiếu căn cứ pháp lý")).toBeTruthy();
    expect(screen.queryByRole("button", { name: "Rút yêu cầu duyệt" })).toBeNull();
  });

  it("submits a rollback for review instead of publishing it when review is required", async () => {
    const version = (number: number, state: string) => ({
      id: number,
      number,
      state,
      changelog: "",
      published_at: "2026-12-01T08:00:00Z",
      published_by: BUILDER.email,
    });
    answer("GET", {
      "/api/v1/me/": BUILDER,
      "/api/v1/organizations/{organization_id}/policy/": { require_publish_review: true },
      "/api/v1/assistants/{assistant_id}/versions/": { count: 2, results: [version(2, "published"), version(1, "archived")] },
      "/api/v1/assistants/{assistant_id}/versions/{number}/diff": { version: 2, against: 1, changes: {} },
    });
    const post = answer("POST", { "/api/v1/assistants/{assistant_id}/reviews/": { ...REVIEW, rollback_of: 1 } });
    renderScreen(<VersionsPanel assistantId={3} canEdit />);
    const rollback = await screen.findByRole("button", { name: "Quay lại phiên bản này" });
    await waitFor(() => expect((rollback as HTMLButtonElement).disabled).toBe(false));
    fireEvent.click(rollback);
    expect(await screen.findByText(/Yêu cầu quay lại phiên bản 1 sẽ được gửi duyệt/)).toBeTruthy();
    const submit = screen.getByRole("button", { name: "Gửi duyệt" });
    fireEvent.click(submit);
    await waitFor(() =>
      expect(post).toHaveBeenCalledWith("/api/v1/assistants/{assistant_id}/reviews/", {
        params: { path: { assistant_id: 3 } },
        body: { changelog: "", version: 1 },
      }),
    );
    expect(post.mock.calls.some((call) => String((call as unknown[])[0]).includes("/rollback/"))).toBe(false);
  });
});
