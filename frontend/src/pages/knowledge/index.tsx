// Placeholder until this screen is built: its own routes live under /knowledge/* in this folder.
import { Typography } from "antd";
import { useTranslation } from "react-i18next";

export default function KnowledgeSection() {
  const { t } = useTranslation("knowledge");
  return <Typography.Title level={2}>{t("title")}</Typography.Title>;
}
