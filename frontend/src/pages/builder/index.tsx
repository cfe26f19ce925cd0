// Placeholder until this screen is built: its own routes live under /builder/* in this folder.
import { Typography } from "antd";
import { useTranslation } from "react-i18next";

export default function BuilderSection() {
  const { t } = useTranslation("builder");
  return <Typography.Title level={2}>{t("title")}</Typography.Title>;
}
