import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import i18n from "../../i18n";
import { answer, BUILDER, renderScreen } from "../../test/render";
import { PublishModal } from "./PublishModal";

const LEFT_OUT = "Kho tri thức “Hồ sơ thẩm định” sẽ không được dùng trong câu trả lời cho thành viên của Sở Tư pháp không phải cán bộ xây dựng trợ lý: họ không có quyền xem kho này.";

async function publish(warnings: string[]) {
  answer("GET", {
    "/api/v1/me/": BUILDER,
    "/api/v1/organizations/{organization_id}/policy/": { require_publish_review: false },
  });
  answer("POST", { "/api/v1/assistants/{assistant_id}/publish/": { id: 31, number: 2, state: "published", warnings } });
  const onPublished = vi.fn();
  renderScreen(<PublishModal assistantId={3} open onClose={() => {}} onPublished={onPublished} />);
  fireEvent.change(await screen.findByLabelText("Nội dung thay đổi"), { target: { value: "Thêm kho hồ sơ" } });
  fireEvent.click(screen.getByText("Xuất bản").closest("button")!);
  await waitFor(() => expect(onPublished).toHaveBeenCalled());
}

describe("PublishModal", () => {
  beforeEach(async () => {
    await i18n.changeLanguage("vi");
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it("lists who will not get which knowledge when the version is published with warnings", async () => {
    await publish([LEFT_OUT]);
    const title = await screen.findAllByText("Đã xuất bản phiên bản 2, có lưu ý");
    const dialog = title[0].closest("[role=dialog]") as HTMLElement;
    expect(within(dialog).getByRole("listitem").textContent).toBe(LEFT_OUT);
    expect(screen.queryByText("Đã xuất bản phiên bản 2.")).toBeNull();
  });

  it("says the version is published when nothing is left out", async () => {
    await publish([]);
    expect(await screen.findByText("Đã xuất bản phiên bản 2.")).toBeTruthy();
    expect(screen.queryByText("Đã xuất bản phiên bản 2, có lưu ý")).toBeNull();
  });
});
