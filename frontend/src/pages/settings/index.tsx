// Organization settings (org admins): model providers, with a connection test, and the policies.
import { Tabs, Typography } from "antd";
import { useTranslation } from "react-i18next";
import { Navigate, Route, Routes, useLocation, useNavigate } from "react-router";

import { useAuth } from "../../auth/AuthProvider";
import { ForbiddenPage } from "../../components/StatusPages";
import { Policies } from "./Policies";
import { Providers } from "./Providers";

const TABS = ["providers", "policies"] as const;

export default function SettingsSection() {
  const { t } = useTranslation("settings");
  const auth = useAuth();
  const location = useLocation();
  const navigate = useNavigate();
  const current = TABS.find((tab) => location.pathname.startsWith(`/settings/${tab}`)) ?? "providers";
  if (!auth.isOrgAdmin || auth.organizationId === null) return <ForbiddenPage />;
  return (
    <>
      <Typography.Title level={2}>{t("title")}</Typography.Title>
      <Tabs
        activeKey={current}
        onChange={(key) => navigate(`/settings/${key}`)}
        items={TABS.map((tab) => ({ key: tab, label: t(`tabs.${tab}`) }))}
      />
      <Routes>
        <Route index element={<Navigate to="providers" replace />} />
        <Route path="providers" element={<Providers />} />
        <Route path="policies" element={<Policies organizationId={auth.organizationId} />} />
      </Routes>
    </>
  );
}
