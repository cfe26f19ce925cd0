// Where an assistant stands: its published version, and whether the draft holds changes not yet
// published (the server compares the two configurations), or only a draft.
import { Tag } from "antd";
import { useTranslation } from "react-i18next";

import type { Assistant } from "./api";

export function PublicationTags({ assistant }: { assistant: Pick<Assistant, "published_version" | "unpublished_changes"> }) {
  const { t } = useTranslation("builder");
  if (!assistant.published_version) return <Tag className="builder-tag-gold">{t("state.draftOnly")}</Tag>;
  return (
    <>
      <Tag className="builder-tag-green">{t("state.published", { number: assistant.published_version })}</Tag>
      {assistant.unpublished_changes && <Tag className="builder-tag-gold">{t("state.unpublishedChanges")}</Tag>}
    </>
  );
}
