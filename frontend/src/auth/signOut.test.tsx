import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { fireEvent, render, screen, waitFor } from "@testing-library/react";
import { App as AntApp } from "antd";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import { MemoryRouter } from "react-router";

import { AppRoutes } from "../App";
import i18n from "../i18n";
import { answer, BUILDER } from "../test/render";
import { AuthProvider } from "./AuthProvider";

describe("signing out", () => {
  beforeEach(async () => {
    await i18n.changeLanguage("vi");
    vi.spyOn(globalThis, "fetch").mockResolvedValue(new Response("{}", { status: 401 }));
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it("shows the sign-in page, not the last person's screens, and keeps none of their data", async () => {
    answer("GET", { "/api/v1/me/": BUILDER, "/api/v1/assistants/": { count: 0, results: [] } });
    const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false } } });
    queryClient.setQueryData(["builder", "assistants"], [{ id: 1, name: "Trợ lý của người trước" }]);
    render(
      <QueryClientProvider client={queryClient}>
        <AntApp>
          <MemoryRouter initialEntries={["/no-such-screen"]}>
            <AuthProvider>
              <AppRoutes />
            </AuthProvider>
          </MemoryRouter>
        </AntApp>
      </QueryClientProvider>,
    );
    fireEvent.mouseEnter(await screen.findByTestId("account-menu"));
    fireEvent.click(await screen.findByText("Đăng xuất"));

    expect(await screen.findByRole("heading", { name: "Đăng nhập" })).toBeTruthy();
    await waitFor(() => expect(screen.queryByText(BUILDER.full_name)).toBeNull());
    expect(screen.queryByText("Không tải được dữ liệu")).toBeNull();
    expect(queryClient.getQueryData(["builder", "assistants"])).toBeUndefined();
    expect(queryClient.getQueryData(["me"])).toBeNull();
    // The allauth session was ended.
    expect(vi.mocked(globalThis.fetch).mock.calls.some(([url, init]) => String(url).endsWith("/auth/session") && init?.method === "DELETE")).toBe(true);
  });
});
