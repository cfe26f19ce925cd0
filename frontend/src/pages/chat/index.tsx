// Placeholder until this screen is built: its own routes live under /chat/* in this folder.
import { Typography } from "antd";
import { useTranslation } from "react-i18next";

export default function ChatSection() {
  const { t } = useTranslation("chat");
  return <Typography.Title level={2}>{t("title")}</Typography.Title>;
}
