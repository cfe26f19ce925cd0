import { fireEvent, screen, waitFor } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import i18n from "../../i18n";
import { answer, BUILDER, renderScreen } from "../../test/render";
import { Editor } from "./Editor";

const ASSISTANT = {
  id: 3,
  organization: 1,
  department: 1,
  department_name: "Sở Tư pháp",
  slug: "ho-tich",
  name: "Trợ lý hộ tịch",
  description: "",
  avatar: "",
  visibility: "organization",
  published_version: null,
  conversation_starters: [],
  legal_hold: false,
  pii_redaction: "off",
  created_by: BUILDER.email,
  created_at: "2026-12-01T08:00:00Z",
  updated_at: "2026-12-01T08:00:00Z",
  permissions: { read_config: true, edit: true, manage: true },
  unpublished_changes: false,
  last_edited_at: "2026-12-01T08:00:00Z",
};

const DRAFT = {
  id: 30,
  number: null,
  state: "draft",
  changelog: "",
  config_hash: "",
  published_at: null,
  published_by: null,
  instructions: "Trả lời ngắn gọn.",
  conversation_starters: [],
  model_provider: null,
  model_name: "",
  temperature: 0.2,
  max_tokens: 1024,
  top_k: 5,
  min_similarity: null,
  knowledge_only: false,
  refusal_message: "",
  knowledge_bases: [{ id: 5, name: "Hướng dẫn nghiệp vụ" }],
  tools: [],
  created_by: BUILDER.email,
  created_at: "2026-12-01T08:00:00Z",
  updated_at: "2026-12-01T08:00:00Z",
  warnings: [] as string[],
  audience_warnings: [] as string[],
};

const ORGANIZATION_WIDE =
  "Kho tri thức “Hướng dẫn nghiệp vụ” sẽ không được dùng trong câu trả lời cho người trong cơ quan ngoài Sở Tư pháp: họ không có quyền xem kho này.";
const SHARED = "Kho tri thức “Hướng dẫn nghiệp vụ” sẽ không được dùng trong câu trả lời cho thanh.nv@noivu.example: họ không có quyền xem kho này.";
const REFUSED = "Nhà cung cấp mô hình “Dịch vụ ngoài” không được nhận kho tri thức “Hướng dẫn nghiệp vụ”, mật.";
const AUDIENCE_HEADING = "Một số người dùng trợ lý sẽ không nhận được nội dung từ các kho tri thức sau";

describe("Editor", () => {
  beforeEach(async () => {
    await i18n.changeLanguage("vi");
    // The preview chat scrolls its log; jsdom has no scrolling.
    Element.prototype.scrollTo ??= () => {};
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it("shows the draft's warnings, and what its audience will miss as it stands after each save", async () => {
    // What the server says of the draft now: it changes with the draft and with the assistant's audience.
    let server = { ...DRAFT, warnings: [REFUSED], audience_warnings: [ORGANIZATION_WIDE] };
    answer("GET", {
      "/api/v1/me/": BUILDER,
      "/api/v1/assistants/{assistant_id}/": ASSISTANT,
      "/api/v1/assistants/{assistant_id}/draft/": () => server,
      "/api/v1/model-providers/": { count: 0, next: null, previous: null, results: [] },
      "/api/v1/knowledge-bases/": { count: 0, next: null, previous: null, results: [] },
      "/api/v1/tool-kinds/": [],
    });
    const patch = answer("PATCH", {
      "/api/v1/assistants/{assistant_id}/draft/": (init: { body: Record<string, unknown> }) => {
        server = { ...server, ...init.body, warnings: [], audience_warnings: [SHARED] };
        return server;
      },
      "/api/v1/assistants/{assistant_id}/": (init: { body: Record<string, unknown> }) => {
        // Narrowed to the department: nobody in its audience misses the knowledge any more.
        server = { ...server, audience_warnings: [] };
        return { ...ASSISTANT, ...init.body };
      },
    });
    renderScreen(<Editor />, { url: "/builder/3", path: "/builder/:assistantId" });

    expect(await screen.findByText(AUDIENCE_HEADING)).toBeTruthy();
    expect(screen.getByText(ORGANIZATION_WIDE)).toBeTruthy();
    expect(screen.getByText("Chưa thể xuất bản bản nháp này")).toBeTruthy();
    expect(screen.getByText(REFUSED)).toBeTruthy();

    // Saving the draft: its answer carries the new warnings.
    fireEvent.change(screen.getByLabelText("Hướng dẫn"), { target: { value: "Trả lời đầy đủ." } });
    fireEvent.click(screen.getByText("Lưu").closest("button")!);
    expect(await screen.findByText(SHARED)).toBeTruthy();
    expect(screen.queryByText(ORGANIZATION_WIDE)).toBeNull();
    expect(screen.queryByText(REFUSED)).toBeNull();
    expect(screen.queryByText("Chưa thể xuất bản bản nháp này")).toBeNull();
    expect(patch).toHaveBeenCalledTimes(1);

    // Saving only the assistant (its audience): the draft is read again for its warnings.
    fireEvent.mouseDown(screen.getByLabelText("Phạm vi sử dụng"));
    fireEvent.click(await screen.findByTitle("Toàn đơn vị"));
    fireEvent.click(screen.getByText("Lưu").closest("button")!);
    await waitFor(() => expect(screen.queryByText(AUDIENCE_HEADING)).toBeNull());
    expect(screen.queryByText(SHARED)).toBeNull();
    expect(patch).toHaveBeenLastCalledWith("/api/v1/assistants/{assistant_id}/", expect.objectContaining({ body: { visibility: "department" } }));
  });

  it("refuses to save a tool whose settings are not JSON, keeping the text, and tells a draft that differs from the published version", async () => {
    const tool = { kind: "calculator", name: "may_tinh", settings: {}, has_secret: false };
    answer("GET", {
      "/api/v1/me/": BUILDER,
      "/api/v1/assistants/{assistant_id}/": { ...ASSISTANT, published_version: 1, unpublished_changes: true },
      "/api/v1/assistants/{assistant_id}/draft/": { ...DRAFT, tools: [tool] },
      "/api/v1/model-providers/": { count: 0, next: null, previous: null, results: [] },
      "/api/v1/knowledge-bases/": { count: 0, next: null, previous: null, results: [] },
      "/api/v1/tool-kinds/": [{ kind: "calculator", label: "Máy tính", description: "" }],
    });
    const patch = answer("PATCH", {});
    renderScreen(<Editor />, { url: "/builder/3", path: "/builder/:assistantId" });

    expect(await screen.findByText("Đã xuất bản: phiên bản 1")).toBeTruthy();
    expect(screen.getByText("Bản nháp có thay đổi chưa xuất bản")).toBeTruthy();

    const settings = screen.getByLabelText("Cấu hình (JSON)") as HTMLTextAreaElement;
    fireEvent.change(settings, { target: { value: '{"do_chinh_xac": ' } });
    expect(screen.getByText("Nội dung này không phải JSON hợp lệ.")).toBeTruthy();
    fireEvent.click(screen.getByText("Lưu").closest("button")!);
    expect(await screen.findByText(/nên bản nháp chưa được lưu/)).toBeTruthy();
    expect(patch).not.toHaveBeenCalled();
    expect(screen.queryByText("Đã lưu.")).toBeNull();
    expect((screen.getByLabelText("Cấu hình (JSON)") as HTMLTextAreaElement).value).toBe('{"do_chinh_xac": ');
  });

  it("says when the assistant answers only from knowledge it does not have", async () => {
    answer("GET", {
      "/api/v1/me/": BUILDER,
      "/api/v1/assistants/{assistant_id}/": ASSISTANT,
      "/api/v1/assistants/{assistant_id}/draft/": { ...DRAFT, knowledge_only: true, knowledge_bases: [] },
      "/api/v1/model-providers/": { count: 0, next: null, previous: null, results: [] },
      "/api/v1/knowledge-bases/": { count: 0, next: null, previous: null, results: [] },
      "/api/v1/tool-kinds/": [],
    });
    renderScreen(<Editor />, { url: "/builder/3", path: "/builder/:assistantId" });
    expect(await screen.findByText(/chỉ trả lời từ kho tri thức nhưng chưa có kho nào/)).toBeTruthy();
    expect(screen.getByText("Bản nháp, chưa xuất bản")).toBeTruthy();
  });

  it("asks before leaving with unsaved changes, and stays when told to", async () => {
    answer("GET", {
      "/api/v1/me/": BUILDER,
      "/api/v1/assistants/{assistant_id}/": ASSISTANT,
      "/api/v1/assistants/{assistant_id}/draft/": DRAFT,
      "/api/v1/model-providers/": { count: 0, next: null, previous: null, results: [] },
      "/api/v1/knowledge-bases/": { count: 0, next: null, previous: null, results: [] },
      "/api/v1/tool-kinds/": [],
    });
    renderScreen(<Editor />, { url: "/builder/3", path: "/builder/:assistantId" });
    fireEvent.change(await screen.findByLabelText("Hướng dẫn"), { target: { value: "Chưa lưu." } });
    fireEvent.click(screen.getByText("Trợ lý của tôi").closest("button")!);
    // (antd's confirm dialog carries its title twice: as the dialog's label and as its text)
    expect((await screen.findAllByText("Rời đi mà không lưu?")).length).toBeGreaterThan(0);
    fireEvent.click(screen.getByText("Ở lại").closest("button")!);
    expect((screen.getByLabelText("Hướng dẫn") as HTMLTextAreaElement).value).toBe("Chưa lưu.");
  });
});
