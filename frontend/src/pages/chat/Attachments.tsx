// Files attached to the conversation: uploaded, indexed for it alone by the worker (status shown
// until ready), removable.
import { CloseOutlined, FileOutlined, LoadingOutlined } from "@ant-design/icons";
import { App, Button, Space, Tag, Tooltip } from "antd";
import { useTranslation } from "react-i18next";

import { errorMessage } from "../../api/errors";
import { isIndexing, useAttachments, useRemoveAttachment } from "./api";

// antd's coloured tags are too pale for WCAG AA contrast: darker text of the same hue (inline, as
// antd's own styles win over a class).
export function AttachmentList({ conversationId }: { conversationId: number | null }) {
  const { t } = useTranslation("chat");
  const { message } = App.useApp();
  const query = useAttachments(conversationId);
  const remove = useRemoveAttachment(conversationId);
  const documents = query.data ?? [];
  if (documents.length === 0) return null;
  return (
    <ul className="chat-attachments" aria-label={t("attachments.label")}>
      {documents.map((document) => {
        const indexing = isIndexing(document);
        const failed = document.status === "failed" || document.status === "cancelled";
        return (
          <li key={document.id}>
            <Space size={6}>
              <FileOutlined aria-hidden />
              <span className="chat-attachment-name">{document.filename}</span>
              {indexing ? (
                <Tag icon={<LoadingOutlined />} color="processing" style={{ color: "#003eb3" }}>
                  {t("attachments.indexing")}
                </Tag>
              ) : failed ? (
                <Tooltip title={document.failure_reason}>
                  <Tag color="error" style={{ color: "#a8071a" }}>{t("attachments.failed")}</Tag>
                </Tooltip>
              ) : (
                <Tag color="success" style={{ color: "#135200" }}>{t("attachments.ready")}</Tag>
              )}
              <Button
                type="text"
                size="small"
                icon={<CloseOutlined />}
                aria-label={t("attachments.remove", { name: document.filename })}
                loading={remove.isPending && remove.variables === document.id}
                onClick={async () => {
                  try {
                    await remove.mutateAsync(document.id);
                  } catch (error) {
                    message.error(errorMessage(error));
                  }
                }}
              />
            </Space>
          </li>
        );
      })}
    </ul>
  );
}
