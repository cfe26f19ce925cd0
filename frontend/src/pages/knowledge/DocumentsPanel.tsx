// A knowledge base's documents: status per document (live while any is being indexed), pages,
// chunks, failure reason, and the actions retry / cancel / re-index / disable / delete.
import { MoreOutlined } from "@ant-design/icons";
import { App, Button, Dropdown, Progress, Space, Table, Typography } from "antd";
import { useEffect, useMemo } from "react";
import { useTranslation } from "react-i18next";


import { baseHeaders } from "../../api/client";
import { errorMessage } from "../../api/errors";
import { useAuth } from "../../auth/AuthProvider";
import { EmptyState, QueryState } from "../../components/PageState";
import { cancelDocument, useDocumentAction, useDocuments, useGrants, useRefreshDocuments, type DocumentAction as Action } from "./api";
import { canManage, DANGER_TEXT, StatusTag, type KnowledgeBase, type KnowledgeDocument, KnowledgeLink } from "./shared";
import { formatBytes, formatDate } from "./text";
import { UploadPanel } from "./UploadPanel";
import { isIndexing, UploadQueue, xhrTransport } from "./uploadQueue";

const POLL_MS = 1500;

function actionsFor(document: KnowledgeDocument): Action[] {
  const actions: Action[] = [];
  if (["failed", "cancelled"].includes(document.status)) actions.push("retry");
  if (["queued", "parsing", "chunking", "embedding"].includes(document.status)) actions.push("cancel");
  if (["ready", "failed", "cancelled"].includes(document.status)) actions.push("reindex");
  actions.push(document.enabled ? "disable" : "enable", "delete");
  return actions;
}

export function DocumentsPanel({ knowledgeBase }: { knowledgeBase: KnowledgeBase }) {
  const { t, i18n } = useTranslation("knowledge");
  const auth = useAuth();
  const { modal, message } = App.useApp();
  const kbId = knowledgeBase.id;
  const grants = useGrants(kbId);
  const builderDepartments = auth.departmentsWith("builder").map((d) => d.id);
  const canEdit =
    canManage(auth, knowledgeBase) ||
    (grants.data ?? []).some((g) => g.permission === "edit" && builderDepartments.includes(g.department));

  const queue = useMemo(
    () =>
      new UploadQueue({
        transport: xhrTransport(`/api/v1/knowledge-bases/${kbId}/documents/`, baseHeaders),
        cancelDocument: (docId) => cancelDocument(kbId, docId),
        concurrency: 3,
      }),
    [kbId],
  );

  // Live while anything moves (an upload of ours or any document being indexed); still otherwise.
  const documents = useDocuments(kbId, { live: () => queue.hasActive(), pollMs: POLL_MS });
  const refreshDocuments = useRefreshDocuments(kbId);

  // Each finished upload adds a document: fetch the list so that polling starts from it.
  useEffect(() => {
    let uploading = 0;
    return queue.subscribe(() => {
      const now = queue.snapshot().filter((item) => item.phase === "uploading" || item.phase === "waiting").length;
      if (now < uploading) refreshDocuments();
      uploading = now;
    });
  }, [queue, refreshDocuments]);

  useEffect(() => {
    if (documents.data) queue.applyDocuments(documents.data);
  }, [documents.data, queue]);

  const act = useDocumentAction(kbId, {
    onSuccess: (_, { action }) => message.success(t(`documents.done.${action}`)),
    onError: (error) => message.error(errorMessage(error)),
  });

  const run = (action: Action, document: KnowledgeDocument) => {
    if (action !== "delete") {
      act.mutate({ action, document });
      return;
    }
    modal.confirm({
      title: t("documents.deleteTitle", { name: document.title }),
      content: t("documents.deleteWarning"),
      okText: t("common:actions.delete"),
      okButtonProps: { danger: true },
      cancelText: t("common:actions.cancel"),
      onOk: () => act.mutateAsync({ action, document }),
    });
  };

  const language = i18n.language;
  return (
    <>
      {canEdit && <UploadPanel queue={queue} />}
      <QueryState
        query={documents}
        isEmpty={(rows) => rows.length === 0}
        empty={<EmptyState description={canEdit ? t("documents.emptyUpload") : t("documents.empty")} />}
      >
        {(rows) => (
          <Table<KnowledgeDocument>
            rowKey="id"
            dataSource={rows}
            scroll={{ x: 1200 }}
            pagination={rows.length > 50 ? { pageSize: 50 } : false}
            aria-label={t("tabs.documents")}
            columns={[
              {
                title: t("documents.title"),
                dataIndex: "title",
                render: (_, doc) => (
                  <Space direction="vertical" size={0}>
                    <KnowledgeLink to={`/knowledge/${kbId}/documents/${doc.id}`}>{doc.title}</KnowledgeLink>
                    <Typography.Text type="secondary">
                      {[doc.kind.toUpperCase(), formatBytes(doc.size_bytes, language), doc.doc_number]
                        .filter(Boolean)
                        .join(" · ")}
                    </Typography.Text>
                  </Space>
                ),
              },
              {
                title: t("documents.status"),
                dataIndex: "status",
                width: 220,
                render: (_, doc) => (
                  <Space direction="vertical" size={2} style={{ width: "100%" }}>
                    <span data-testid="document-status">
                      <StatusTag status={doc.status} />
                      {!doc.enabled && <StatusTag status="disabled" />}
                    </span>
                    {isIndexing(doc.status) && (
                      <Progress
                        percent={Math.round(doc.progress * 100)}
                        size="small"
                        status="active"
                        aria-label={t("upload.progressOf", { name: doc.title })}
                      />
                    )}
                  </Space>
                ),
              },
              {
                title: t("documents.pages"),
                dataIndex: "page_count",
                align: "right",
                render: (value: number | null) => (value == null ? "—" : new Intl.NumberFormat(language).format(value)),
              },
              {
                title: t("documents.chunks"),
                dataIndex: "chunks_total",
                align: "right",
                render: (value: number) => new Intl.NumberFormat(language).format(value),
              },
              {
                title: t("documents.failure"),
                dataIndex: "failure_reason",
                width: 320,
                render: (value: string, doc) =>
                  value ? (
                    <Typography.Text style={{ color: DANGER_TEXT }}>
                      {doc.failed_stage ? `${t(`status.${doc.failed_stage}`, { defaultValue: doc.failed_stage })}: ` : ""}
                      {value}
                    </Typography.Text>
                  ) : null,
              },
              {
                title: t("documents.indexedAt"),
                dataIndex: "indexed_at",
                render: (value: string | null) => formatDate(value, language, true),
              },
              ...(canEdit
                ? [
                    {
                      title: t("fields.actions"),
                      key: "actions",
                      fixed: "right" as const,
                      width: 80,
                      render: (_: unknown, doc: KnowledgeDocument) => (
                        <Dropdown
                          trigger={["click"]}
                          menu={{
                            items: actionsFor(doc).map((action) => ({
                              key: action,
                              label: t(`documents.actions.${action}`),
                              danger: action === "delete",
                            })),
                            onClick: ({ key }) => run(key as Action, doc),
                          }}
                        >
                          <Button icon={<MoreOutlined />} aria-label={t("documents.actionsFor", { name: doc.title })} />
                        </Dropdown>
                      ),
                    },
                  ]
                : []),
            ]}
          />
        )}
      </QueryState>
    </>
  );
}
