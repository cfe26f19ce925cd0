// Providers (data, language, antd theme and locale), and the routes: each section of the app owns
// its subtree under pages/<section>/ and routes inside it.
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { App as AntApp, ConfigProvider } from "antd";
import enUS from "antd/locale/en_US";
import viVN from "antd/locale/vi_VN";
import dayjs from "dayjs";
import "dayjs/locale/vi";
import { lazy, Suspense, useState, type ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { createBrowserRouter, Navigate, Route, RouterProvider, Routes, useLocation } from "react-router";

import { ApiError } from "./api/errors";
import { AuthProvider, useAuth } from "./auth/AuthProvider";
import { LoginPage } from "./auth/LoginPage";
import { Loading } from "./components/PageState";
import { NotFoundPage } from "./components/StatusPages";
import { AppLayout } from "./layout/AppLayout";

const ChatSection = lazy(() => import("./pages/chat"));
const BuilderSection = lazy(() => import("./pages/builder"));
const KnowledgeSection = lazy(() => import("./pages/knowledge"));
const AdminSection = lazy(() => import("./pages/admin"));
const AuditSection = lazy(() => import("./pages/audit"));
const SettingsSection = lazy(() => import("./pages/settings"));

/** One retry for what may pass the second time (a network error, a 5xx); none for a 4xx, which the
 * server would answer the same way again. */
export function retryOnce(failureCount: number, error: unknown): boolean {
  if (error instanceof ApiError && error.status >= 400 && error.status < 500) return false;
  return failureCount < 1;
}

export function makeQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: { retry: retryOnce, refetchOnWindowFocus: false, staleTime: 10_000 },
    },
  });
}

function RequireSignIn({ children }: { children: ReactNode }) {
  const auth = useAuth();
  const location = useLocation();
  if (auth.loading) return <Loading />;
  if (!auth.me) return <Navigate to="/login" replace state={{ from: location.pathname + location.search }} />;
  return <>{children}</>;
}

// antd's grey texts are too pale for WCAG AA contrast (axe flags them): darker greys here.
const THEME = {
  token: {
    colorPrimary: "#b3261e",
    colorError: "#c41d1d",
    colorLink: "#0b57d0",
    borderRadius: 6,
    colorTextSecondary: "rgba(0, 0, 0, 0.68)",
    colorTextTertiary: "rgba(0, 0, 0, 0.62)",
    colorTextDescription: "rgba(0, 0, 0, 0.62)",
    colorTextPlaceholder: "rgba(0, 0, 0, 0.55)",
  },
  components: {
    // An empty table's message is drawn in the "disabled" grey: readable here.
    Table: { colorTextDisabled: "rgba(0, 0, 0, 0.62)" },
  },
};

function Localized({ children }: { children: ReactNode }) {
  const { i18n } = useTranslation();
  const vi = i18n.language !== "en";
  dayjs.locale(vi ? "vi" : "en");
  return (
    <ConfigProvider locale={vi ? viVN : enUS} theme={THEME}>
      <AntApp>{children}</AntApp>
    </ConfigProvider>
  );
}

export function AppRoutes() {
  return (
    <Routes>
      <Route path="/login" element={<LoginPage />} />
      <Route
        element={
          <RequireSignIn>
            <AppLayout />
          </RequireSignIn>
        }
      >
        <Route index element={<Navigate to="/chat" replace />} />
        <Route path="chat/*" element={<Suspense fallback={<Loading />}><ChatSection /></Suspense>} />
        <Route path="builder/*" element={<Suspense fallback={<Loading />}><BuilderSection /></Suspense>} />
        <Route path="knowledge/*" element={<Suspense fallback={<Loading />}><KnowledgeSection /></Suspense>} />
        <Route path="admin/*" element={<Suspense fallback={<Loading />}><AdminSection /></Suspense>} />
        <Route path="audit/*" element={<Suspense fallback={<Loading />}><AuditSection /></Suspense>} />
        <Route path="settings/*" element={<Suspense fallback={<Loading />}><SettingsSection /></Suspense>} />
        <Route path="*" element={<NotFoundPage />} />
      </Route>
    </Routes>
  );
}

// A data router (one catch-all route around the app's own <Routes>): only such a router lets a
// screen block the browser's Back and Forward buttons (useBlocker), as the builder's editor does
// while it has unsaved changes.
function makeRouter() {
  return createBrowserRouter([
    {
      path: "*",
      element: (
        <AuthProvider>
          <AppRoutes />
        </AuthProvider>
      ),
    },
  ]);
}

export default function App({ queryClient = makeQueryClient() }: { queryClient?: QueryClient }) {
  const [router] = useState(makeRouter);
  return (
    <QueryClientProvider client={queryClient}>
      <Localized>
        <RouterProvider router={router} />
      </Localized>
    </QueryClientProvider>
  );
}
