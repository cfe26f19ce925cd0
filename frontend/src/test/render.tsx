// Rendering a screen in a test as the app does (data, antd's App for its messages and dialogs, a
// data router as the app's, the signed-in person) with the API answered from the test: `answer`
// replaces one of the typed client's methods by a table of paths and their JSON.
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render } from "@testing-library/react";
import { App as AntApp } from "antd";
import type { ReactNode } from "react";
import { createMemoryRouter, Route, RouterProvider, Routes } from "react-router";
import { vi } from "vitest";

import { api } from "../api/client";
import { AuthProvider } from "../auth/AuthProvider";

type Method = "GET" | "POST" | "PATCH" | "PUT" | "DELETE";
/** A path's JSON, or a function of the request's options (path parameters, body) that returns it. */
export type Answers = Record<string, unknown>;

export function ok(data: unknown) {
  return { data, error: undefined, response: new Response(null, { status: 200 }) };
}

/** Answers `method` from `routes`; a request to a path not in the table fails the test's screen
 * with a 404, so that a forgotten route shows up instead of hanging. Returns the spy. */
export function answer(method: Method, routes: Answers) {
  return vi.spyOn(api, method).mockImplementation((async (path: string, init?: unknown) => {
    if (!(path in routes)) {
      return { data: undefined, error: { error: { message: `no answer for ${method} ${path}` } }, response: new Response(null, { status: 404 }) };
    }
    const route = routes[path];
    return ok(typeof route === "function" ? await (route as (init: unknown) => unknown)(init) : route);
  }) as never);
}

export const BUILDER = {
  id: 7,
  email: "builder@tuphap.example",
  full_name: "Cán bộ xây dựng",
  language: "vi",
  memberships: [{ department_id: 1, department_name: "Sở Tư pháp", organization_id: 1, role: "builder" }],
};

/** `ui` at `url`, under the route `path` (for screens that read route parameters). */
export function renderScreen(ui: ReactNode, { url = "/", path = "*" }: { url?: string; path?: string } = {}) {
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false }, mutations: { retry: false } } });
  const screen = (
    <AuthProvider>
      <Routes>
        <Route path={path} element={ui} />
      </Routes>
    </AuthProvider>
  );
  const router = createMemoryRouter([{ path: "*", element: screen }], { initialEntries: [url] });
  return render(
    <QueryClientProvider client={queryClient}>
      <AntApp>
        <RouterProvider router={router} />
      </AntApp>
    </QueryClientProvider>,
  );
}
