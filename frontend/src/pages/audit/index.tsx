// The IT screens: the audit log, reviews before publishing, usage, and the configuration review of
// every assistant, for org admins and auditors; a department admin reads their departments' log.
// Anyone else gets the forbidden page, not the screens' frame with their requests refused.
import { Tabs, Typography } from "antd";
import { useTranslation } from "react-i18next";
import { Navigate, Route, Routes, useLocation, useNavigate } from "react-router";

import { useAuth } from "../../auth/AuthProvider";
import { ForbiddenPage, NotFoundPage } from "../../components/StatusPages";

import { AuditLog } from "./AuditLog";
import { ConfigurationReview } from "./ConfigurationReview";
import { Reviews } from "./Reviews";
import { UsagePanel } from "./UsagePanel";

const TABS = ["log", "reviews", "usage", "configuration"] as const;
type Tab = (typeof TABS)[number];

export default function AuditSection() {
  const { t } = useTranslation("audit");
  const location = useLocation();
  const navigate = useNavigate();
  const auth = useAuth();
  const wholeOrganization = auth.isOrgAdmin || auth.isAuditor;
  const tabs: readonly Tab[] = wholeOrganization ? TABS : ["log"];
  const current = tabs.find((tab) => location.pathname.startsWith(`/audit/${tab}`)) ?? "log";
  if (!auth.canReadAudit) return <ForbiddenPage />;
  return (
    <>
      <Typography.Title level={2}>{t("title")}</Typography.Title>
      <Tabs
        activeKey={current}
        onChange={(key) => navigate(`/audit/${key}`)}
        items={tabs.map((tab) => ({ key: tab, label: t(`tabs.${tab}`) }))}
      />
      <Routes>
        <Route index element={<Navigate to="log" replace />} />
        <Route path="log" element={<AuditLog />} />
        <Route path="reviews" element={wholeOrganization ? <Reviews /> : <ForbiddenPage />} />
        <Route path="usage" element={wholeOrganization ? <UsagePanel /> : <ForbiddenPage />} />
        <Route path="configuration" element={wholeOrganization ? <ConfigurationReview /> : <ForbiddenPage />} />
        <Route path="*" element={<NotFoundPage />} />
      </Routes>
    </>
  );
}
