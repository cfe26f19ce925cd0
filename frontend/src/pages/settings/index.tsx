// Placeholder until this screen is built: its own routes live under /settings/* in this folder.
import { Typography } from "antd";
import { useTranslation } from "react-i18next";

export default function SettingsSection() {
  const { t } = useTranslation("settings");
  return <Typography.Title level={2}>{t("title")}</Typography.Title>;
}
