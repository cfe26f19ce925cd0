// The two views of the section's landing page: my knowledge bases and the organization's catalog.
import { Tabs } from "antd";
import { useTranslation } from "react-i18next";
import { useNavigate } from "react-router";

export function SectionTabs({ active }: { active: "bases" | "catalog" }) {
  const { t } = useTranslation("knowledge");
  const navigate = useNavigate();
  return (
    <Tabs
      activeKey={active}
      onChange={(key) => navigate(key === "catalog" ? "/knowledge/catalog" : "/knowledge")}
      items={[
        { key: "bases", label: t("tabs.bases") },
        { key: "catalog", label: t("tabs.catalog") },
      ]}
    />
  );
}
