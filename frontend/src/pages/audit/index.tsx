// Placeholder until this screen is built: its own routes live under /audit/* in this folder.
import { Typography } from "antd";
import { useTranslation } from "react-i18next";

export default function AuditSection() {
  const { t } = useTranslation("audit");
  return <Typography.Title level={2}>{t("title")}</Typography.Title>;
}
