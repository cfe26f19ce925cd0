import { useQuery } from "@tanstack/react-query";
import { screen, waitFor } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import { api } from "../api/client";
import { ApiError, unwrap } from "../api/errors";
import { retryOnce } from "../App";
import i18n from "../i18n";
import AuditSection from "../pages/audit";
import { answer, BUILDER, renderScreen } from "../test/render";
import { QueryState } from "./PageState";

const MEMBER = { ...BUILDER, memberships: [{ ...BUILDER.memberships[0], role: "member" }] };
const DEPT_ADMIN = { ...BUILDER, memberships: [{ ...BUILDER.memberships[0], role: "dept_admin" }] };

function Assistant() {
  const query = useQuery({
    queryKey: ["assistant", 99],
    queryFn: async () => unwrap(await api.GET("/api/v1/assistants/{assistant_id}/", { params: { path: { assistant_id: 99 } } })),
  });
  return <QueryState query={query}>{(data) => <p>{data.name}</p>}</QueryState>;
}

describe("forbidden and not found", () => {
  beforeEach(async () => {
    await i18n.changeLanguage("vi");
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it("does not retry a 4xx, retries a network or server error once", () => {
    expect(retryOnce(0, new ApiError(403, {}))).toBe(false);
    expect(retryOnce(0, new ApiError(404, {}))).toBe(false);
    expect(retryOnce(0, new ApiError(502, {}))).toBe(true);
    expect(retryOnce(0, new TypeError("Failed to fetch"))).toBe(true);
    expect(retryOnce(1, new ApiError(502, {}))).toBe(false);
  });

  it("shows the not-found page for a 404, without Thử lại", async () => {
    answer("GET", { "/api/v1/me/": BUILDER });
    renderScreen(<Assistant />);
    expect(await screen.findByTestId("not-found-page")).toBeTruthy();
    expect(screen.getByText("Không tìm thấy trang")).toBeTruthy();
    expect(screen.queryByText("Thử lại")).toBeNull();
    expect(screen.queryByText("Không tải được dữ liệu")).toBeNull();
  });

  it("gives a member the forbidden page at /audit, asking the API nothing of the audit", async () => {
    const get = answer("GET", { "/api/v1/me/": MEMBER });
    renderScreen(<AuditSection />, { url: "/audit/log", path: "/audit/*" });
    expect(await screen.findByTestId("forbidden-page")).toBeTruthy();
    expect(screen.getByText("Anh/chị không có quyền xem trang này.")).toBeTruthy();
    expect(screen.queryByRole("tab")).toBeNull();
    expect(get.mock.calls.map((call) => (call as unknown[])[0])).toEqual(["/api/v1/me/"]);
  });

  it("gives a department admin their department's log, without the organization's tabs", async () => {
    answer("GET", {
      "/api/v1/me/": DEPT_ADMIN,
      "/api/v1/departments/": { count: 1, results: [{ id: 1, name: "Sở Tư pháp" }] },
      "/api/v1/audit-events/": { count: 0, results: [] },
    });
    renderScreen(<AuditSection />, { url: "/audit/log", path: "/audit/*" });
    expect(await screen.findByRole("tab", { name: "Nhật ký kiểm tra" })).toBeTruthy();
    await waitFor(() => expect(screen.getAllByRole("tab")).toHaveLength(1));
    expect(screen.queryByTestId("forbidden-page")).toBeNull();
  });
});
