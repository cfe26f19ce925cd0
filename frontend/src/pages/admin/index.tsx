// Department admin: the members and their roles, the department's API keys, and its usage. Org
// admins pick any department; department admins the ones they administer.
import { Select, Space, Tabs, Typography } from "antd";
import { useTranslation } from "react-i18next";
import { Navigate, Route, Routes, useNavigate, useParams } from "react-router";

import { useAuth } from "../../auth/AuthProvider";
import { EmptyState, QueryState } from "../../components/PageState";
import { ForbiddenPage } from "../../components/StatusPages";
import { UsageByDay } from "../../components/UsageByDay";
import { useDepartments } from "../audit/api";
import { ApiKeys } from "./ApiKeys";
import { Members } from "./Members";
import { QuotaUsage } from "./QuotaUsage";

function useAdministered() {
  const auth = useAuth();
  const departments = useDepartments();
  const mine = new Set(auth.departmentsWith("dept_admin").map((d) => d.id));
  const data = departments.data?.filter((d) => auth.isOrgAdmin || mine.has(d.id));
  return { ...departments, data };
}

function DepartmentAdmin() {
  const { t } = useTranslation("admin");
  const navigate = useNavigate();
  const { departmentId, tab = "members" } = useParams();
  const departments = useAdministered();
  const id = Number(departmentId);
  return (
    <QueryState query={departments} isEmpty={(list) => list.length === 0} empty={<EmptyState description={t("noDepartment")} />}>
      {(list) => {
        const current = list.find((d) => d.id === id);
        if (!current) return <Navigate to={`/admin/${list[0].id}/members`} replace />;
        return (
          <>
            <Space wrap style={{ marginBottom: 8 }}>
              <label htmlFor="admin-department">{t("department")}</label>
              <Select
                id="admin-department"
                value={current.id}
                style={{ minWidth: 260 }}
                showSearch
                optionFilterProp="label"
                options={list.map((d) => ({ value: d.id, label: d.name }))}
                onChange={(value) => navigate(`/admin/${value}/${tab}`)}
              />
            </Space>
            <Tabs
              activeKey={tab}
              onChange={(key) => navigate(`/admin/${current.id}/${key}`)}
              items={[
                { key: "members", label: t("tabs.members"), children: <Members departmentId={current.id} /> },
                { key: "api-keys", label: t("tabs.apiKeys"), children: <ApiKeys departmentId={current.id} /> },
                {
                  key: "usage",
                  label: t("tabs.usage"),
                  children: (
                    <Space orientation="vertical" size="middle" style={{ width: "100%" }}>
                      <QuotaUsage departmentId={current.id} />
                      <UsageByDay department={current.id} />
                    </Space>
                  ),
                },
              ]}
            />
          </>
        );
      }}
    </QueryState>
  );
}

export default function AdminSection() {
  const { t } = useTranslation("admin");
  const auth = useAuth();
  if (!auth.canAdminDepartment) return <ForbiddenPage />;
  return (
    <>
      <Typography.Title level={2}>{t("title")}</Typography.Title>
      <Routes>
        <Route index element={<DepartmentAdmin />} />
        <Route path=":departmentId" element={<DepartmentAdmin />} />
        <Route path=":departmentId/:tab" element={<DepartmentAdmin />} />
      </Routes>
    </>
  );
}
