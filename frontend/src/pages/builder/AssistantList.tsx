// My assistants: the ones I may edit, their state, and the ways to make a new one (template,
// blank, import) or copy and export an existing one.
import { CopyOutlined, DownloadOutlined, PlusOutlined, UploadOutlined } from "@ant-design/icons";
import { App, Button, Space, Table, Typography } from "antd";
import { useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useNavigate } from "react-router";

import { errorMessage } from "../../api/errors";
import { useAuth } from "../../auth/AuthProvider";
import { EmptyState, QueryState } from "../../components/PageState";
import { WarningList } from "../../components/WarningList";
import { exportAssistant, useAssistants, useDuplicateAssistant, useImportAssistant, useLatestReviews, type Assistant } from "./api";
import { downloadJson } from "./download";
import { formatDateTime } from "./format";
import { NewAssistantModal } from "./NewAssistantModal";
import { PublicationTags } from "./PublicationTags";
import { ReviewTag } from "./ReviewStatus";

export function AssistantList() {
  const { t, i18n } = useTranslation("builder");
  const auth = useAuth();
  const navigate = useNavigate();
  const { message, modal } = App.useApp();
  const [creating, setCreating] = useState(false);
  const fileInput = useRef<HTMLInputElement>(null);
  const building = auth.departmentsWith("builder").map((d) => d.id);
  const query = useAssistants();
  const reviews = useLatestReviews();
  const mine = (query.data ?? []).filter(
    (a) => auth.isOrgAdmin || building.includes(a.department) || a.created_by === auth.me?.email,
  );

  const duplicate = useDuplicateAssistant({
    onSuccess: (copy) => {
      // What the copy left behind (knowledge its department may not use) must be read, not missed.
      if (copy.warnings.length) {
        modal.warning({
          title: t("list.duplicatedWithWarnings", { name: copy.name }),
          content: <WarningList warnings={copy.warnings} />,
        });
      } else {
        message.success(t("list.duplicated", { name: copy.name }));
      }
    },
    onError: (error) => message.error(errorMessage(error)),
  });
  const importer = useImportAssistant();

  async function exportOne(assistant: Assistant) {
    try {
      const content = await exportAssistant(assistant.id);
      downloadJson(`${assistant.slug || "assistant"}.json`, content);
    } catch (error) {
      message.error(errorMessage(error));
    }
  }

  async function importFile(file: File) {
    try {
      let document: Record<string, unknown>;
      try {
        document = JSON.parse(await file.text()) as Record<string, unknown>;
      } catch {
        message.error(t("list.importNotJson"));
        return;
      }
      const body = { ...document, ...(building.length === 1 ? { department: building[0] } : {}) };
      const result = await importer.mutateAsync(body);
      if (result.warnings.length) {
        modal.warning({
          title: t("list.importedWithWarnings", { name: result.assistant.name }),
          content: <WarningList warnings={result.warnings} />,
        });
      } else {
        message.success(t("list.imported", { name: result.assistant.name }));
      }
      navigate(`/builder/${result.assistant.id}`);
    } catch (error) {
      message.error(errorMessage(error));
    }
  }

  return (
    <div>
      <div className="builder-toolbar">
        <Typography.Title level={1} style={{ fontSize: 24 }}>
          {t("title")}
        </Typography.Title>
        <Space wrap>
          <Button icon={<UploadOutlined />} onClick={() => fileInput.current?.click()}>
            {t("list.import")}
          </Button>
          <input
            ref={fileInput}
            type="file"
            accept="application/json,.json"
            hidden
            aria-label={t("list.importFile")}
            onChange={(e) => {
              const file = e.target.files?.[0];
              e.target.value = "";
              if (file) void importFile(file);
            }}
          />
          <Button type="primary" icon={<PlusOutlined />} onClick={() => setCreating(true)}>
            {t("list.new")}
          </Button>
        </Space>
      </div>
      <Typography.Paragraph type="secondary">{t("list.intro")}</Typography.Paragraph>
      <QueryState
        query={query}
        isEmpty={() => mine.length === 0}
        empty={
          <EmptyState
            description={t("list.empty")}
            action={
              <Button type="primary" onClick={() => setCreating(true)}>
                {t("list.new")}
              </Button>
            }
          />
        }
      >
        {() => (
          <Table<Assistant>
            rowKey="id"
            dataSource={mine}
            pagination={mine.length > 20 ? { pageSize: 20 } : false}
            scroll={{ x: 760 }}
            columns={[
              {
                title: t("list.name"),
                key: "name",
                render: (_, a) => (
                  <Space>
                    <span className="builder-avatar" aria-hidden="true">
                      {a.avatar || a.name.slice(0, 1)}
                    </span>
                    <span>
                      <Link to={`/builder/${a.id}`} className="builder-name-link">{a.name}</Link>
                      {a.description && (
                        <Typography.Text type="secondary" ellipsis style={{ display: "block", maxWidth: 360 }}>
                          {a.description}
                        </Typography.Text>
                      )}
                    </span>
                  </Space>
                ),
              },
              { title: t("list.department"), dataIndex: "department_name", width: 200 },
              {
                title: t("list.state"),
                key: "state",
                width: 170,
                render: (_, a) => (
                  <Space size={4} wrap>
                    <PublicationTags assistant={a} />
                    <ReviewTag review={reviews.data?.get(a.id)} />
                  </Space>
                ),
              },
              {
                title: t("list.updated"),
                dataIndex: "last_edited_at",
                width: 150,
                render: (value: string) => formatDateTime(value, i18n.language),
              },
              {
                title: t("list.actions"),
                key: "actions",
                width: 230,
                render: (_, a) => (
                  <Space size={4} wrap>
                    <Button size="small" onClick={() => navigate(`/builder/${a.id}`)}>
                      {t("list.open")}
                    </Button>
                    <Button
                      size="small"
                      icon={<CopyOutlined />}
                      aria-label={t("list.duplicateOf", { name: a.name })}
                      loading={duplicate.isPending && duplicate.variables?.id === a.id}
                      onClick={() => duplicate.mutate(a)}
                    />
                    <Button
                      size="small"
                      icon={<DownloadOutlined />}
                      aria-label={t("list.exportOf", { name: a.name })}
                      onClick={() => void exportOne(a)}
                    />
                  </Space>
                ),
              },
            ]}
          />
        )}
      </QueryState>
      <NewAssistantModal open={creating} onClose={() => setCreating(false)} />
    </div>
  );
}
