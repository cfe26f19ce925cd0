// Drag-and-drop upload of many files, each with its own progress bar through the stages: bytes
// sent, then queued, parsing, chunking, embedding, ready — or failed with the server's reason.
import { CloseOutlined, InboxOutlined } from "@ant-design/icons";
import { Button, Card, Flex, List, Progress, Typography, Upload } from "antd";
import { useSyncExternalStore } from "react";
import { useTranslation } from "react-i18next";

import { DANGER_TEXT, StatusTag } from "./shared";
import { formatBytes } from "./text";
import { isSettled, type UploadItem, type UploadQueue } from "./uploadQueue";

function progressStatus(item: UploadItem): "success" | "exception" | "active" | "normal" {
  if (item.phase === "ready") return "success";
  if (["failed", "rejected"].includes(item.phase)) return "exception";
  if (isSettled(item.phase)) return "normal";
  return "active";
}

export function UploadPanel({ queue }: { queue: UploadQueue }) {
  const { t, i18n } = useTranslation("knowledge");
  const items = useSyncExternalStore(queue.subscribe, queue.snapshot);

  return (
    <Flex vertical gap={12} style={{ marginBottom: 16 }}>
      <Upload.Dragger
        multiple
        // No `accept` filter: a file of the wrong type is sent all the same and the server says why
        // it cannot be read, rather than the browser silently dropping it.
        showUploadList={false}
        // Files go through our queue (one request each, a few at a time), not antd's uploader.
        beforeUpload={(file, fileList) => {
          if (file === fileList[0]) queue.add(fileList as unknown as File[]);
          return false;
        }}
        aria-label={t("upload.label")}
      >
        <p className="ant-upload-drag-icon">
          <InboxOutlined />
        </p>
        <p className="ant-upload-text">{t("upload.drop")}</p>
        <p className="ant-upload-hint">{t("upload.hint")}</p>
      </Upload.Dragger>
      {items.length > 0 && (
        <Card
          size="small"
          title={t("upload.queueTitle")}
          extra={
            items.some((item) => isSettled(item.phase)) && (
              <Button size="small" onClick={() => queue.clearSettled()}>
                {t("upload.clear")}
              </Button>
            )
          }
        >
          <List
            dataSource={items}
            aria-label={t("upload.queueTitle")}
            renderItem={(item) => (
              <List.Item
                data-testid="upload-item"
                actions={
                  isSettled(item.phase)
                    ? []
                    : [
                        <Button
                          key="cancel"
                          size="small"
                          icon={<CloseOutlined />}
                          aria-label={t("upload.cancelNamed", { name: item.name })}
                          onClick={() => void queue.cancel(item.key)}
                        />,
                      ]
                }
              >
                <Flex vertical style={{ width: "100%", minWidth: 0 }} gap={2}>
                  <Flex justify="space-between" gap={8} wrap>
                    <Typography.Text strong ellipsis style={{ maxWidth: "60%" }}>
                      {item.name}
                    </Typography.Text>
                    <span>
                      <StatusTag status={item.phase} />
                      <Typography.Text type="secondary">
                        {item.phase === "uploading"
                          ? t("upload.sent", {
                              sent: formatBytes(item.sent, i18n.language),
                              total: formatBytes(item.size, i18n.language),
                            })
                          : formatBytes(item.size, i18n.language)}
                      </Typography.Text>
                    </span>
                  </Flex>
                  <Progress
                    percent={item.percent}
                    status={progressStatus(item)}
                    size="small"
                    aria-label={t("upload.progressOf", { name: item.name })}
                  />
                  {item.reason && (
                    <Typography.Text style={item.phase === "duplicate" ? undefined : { color: DANGER_TEXT }} role="status">
                      {item.reason}
                    </Typography.Text>
                  )}
                </Flex>
              </List.Item>
            )}
          />
        </Card>
      )}
    </Flex>
  );
}
