// Placeholder until this screen is built: its own routes live under /admin/* in this folder.
import { Typography } from "antd";
import { useTranslation } from "react-i18next";

export default function AdminSection() {
  const { t } = useTranslation("admin");
  return <Typography.Title level={2}>{t("title")}</Typography.Title>;
}
