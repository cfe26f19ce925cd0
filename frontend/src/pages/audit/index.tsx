// The IT screens: the audit log, reviews before publishing, usage, and the configuration review of
// every assistant.
import { Tabs, Typography } from "antd";
import { useTranslation } from "react-i18next";
import { Navigate, Route, Routes, useLocation, useNavigate } from "react-router";

import { AuditLog } from "./AuditLog";
import { ConfigurationReview } from "./ConfigurationReview";
import { Reviews } from "./Reviews";
import { UsagePanel } from "./UsagePanel";

const TABS = ["log", "reviews", "usage", "configuration"] as const;

export default function AuditSection() {
  const { t } = useTranslation("audit");
  const location = useLocation();
  const navigate = useNavigate();
  const current = TABS.find((tab) => location.pathname.startsWith(`/audit/${tab}`)) ?? "log";
  return (
    <>
      <Typography.Title level={2}>{t("title")}</Typography.Title>
      <Tabs
        activeKey={current}
        onChange={(key) => navigate(`/audit/${key}`)}
        items={TABS.map((tab) => ({ key: tab, label: t(`tabs.${tab}`) }))}
      />
      <Routes>
        <Route index element={<Navigate to="log" replace />} />
        <Route path="log" element={<AuditLog />} />
        <Route path="reviews" element={<Reviews />} />
        <Route path="usage" element={<UsagePanel />} />
        <Route path="configuration" element={<ConfigurationReview />} />
      </Routes>
    </>
  );
}
