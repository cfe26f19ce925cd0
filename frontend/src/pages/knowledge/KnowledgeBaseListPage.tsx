// The knowledge bases I can see, with their owner, classification and document count; builders
// create, edit and delete them here.
import { DeleteOutlined, EditOutlined, PlusOutlined } from "@ant-design/icons";
import { App, Button, Flex, Space, Table, Tag, Tooltip, Typography } from "antd";
import { useState } from "react";
import { useTranslation } from "react-i18next";


import { errorMessage } from "../../api/errors";
import { useAuth } from "../../auth/AuthProvider";
import { EmptyState, QueryState } from "../../components/PageState";
import { KnowledgeBaseForm } from "./KnowledgeBaseForm";
import { SectionTabs } from "./SectionTabs";
import { useDeleteKnowledgeBase, useKnowledgeBases } from "./api";
import { canManage, ClassificationTag, type KnowledgeBase, KnowledgeLink } from "./shared";
import { formatDate } from "./text";

export function KnowledgeBaseListPage() {
  const { t, i18n } = useTranslation("knowledge");
  const auth = useAuth();
  const { modal, message } = App.useApp();
  const [editing, setEditing] = useState<KnowledgeBase | "new" | null>(null);

  const query = useKnowledgeBases();
  const remove = useDeleteKnowledgeBase({
    onSuccess: () => message.success(t("bases.deleted")),
    onError: (error) => message.error(errorMessage(error)),
  });

  const confirmDelete = (knowledgeBase: KnowledgeBase) =>
    modal.confirm({
      title: t("bases.deleteTitle", { name: knowledgeBase.name }),
      content: t("bases.deleteWarning", { count: knowledgeBase.document_count ?? 0 }),
      okText: t("common:actions.delete"),
      okButtonProps: { danger: true },
      cancelText: t("common:actions.cancel"),
      onOk: () => remove.mutateAsync(knowledgeBase),
    });

  const language = i18n.language;
  return (
    <>
      <Flex justify="space-between" align="center" wrap gap={12}>
        <div>
          <Typography.Title level={2} style={{ marginBottom: 4 }}>
            {t("title")}
          </Typography.Title>
          <Typography.Paragraph type="secondary" style={{ marginBottom: 0 }}>
            {t("bases.intro")}
          </Typography.Paragraph>
        </div>
        {auth.canBuild && (
          <Button type="primary" icon={<PlusOutlined />} onClick={() => setEditing("new")}>
            {t("bases.create")}
          </Button>
        )}
      </Flex>
      <SectionTabs active="bases" />
      <QueryState
        query={query}
        isEmpty={(rows) => rows.length === 0}
        empty={
          <EmptyState
            description={t("bases.empty")}
            action={
              auth.canBuild ? (
                <Button type="primary" onClick={() => setEditing("new")}>
                  {t("bases.create")}
                </Button>
              ) : undefined
            }
          />
        }
      >
        {(rows) => (
          <Table<KnowledgeBase>
            rowKey="id"
            dataSource={rows}
            scroll={{ x: 1100 }}
            pagination={rows.length > 20 ? { pageSize: 20 } : false}
            columns={[
              {
                title: t("fields.name"),
                dataIndex: "name",
                width: 320,
                render: (_, kb) => (
                  <>
                    <KnowledgeLink to={`/knowledge/${kb.id}`}>{kb.name}</KnowledgeLink>
                    {kb.description && (
                      <Typography.Paragraph type="secondary" ellipsis={{ rows: 2 }} style={{ marginBottom: 0 }}>
                        {kb.description}
                      </Typography.Paragraph>
                    )}
                  </>
                ),
              },
              { title: t("fields.department"), dataIndex: "department_name" },
              {
                title: t("fields.classification"),
                dataIndex: "classification",
                render: (value: string) => <ClassificationTag value={value} />,
              },
              {
                title: t("fields.visibility"),
                dataIndex: "visibility",
                render: (value: string) => t(`visibility.${value}`),
              },
              {
                title: t("fields.documents"),
                dataIndex: "document_count",
                align: "right",
                render: (value: number | null) => new Intl.NumberFormat(language).format(value ?? 0),
              },
              {
                title: t("fields.domains"),
                dataIndex: "domain_tags",
                render: (tags: string[]) => tags.map((tag) => <Tag key={tag}>{tag}</Tag>),
              },
              {
                title: t("fields.updated"),
                dataIndex: "updated_at",
                render: (value: string) => formatDate(value, language),
              },
              {
                title: t("fields.actions"),
                key: "actions",
                fixed: "right",
                render: (_, kb) =>
                  canManage(auth, kb) ? (
                    <Space>
                      <Tooltip title={t("common:actions.edit")}>
                        <Button
                          icon={<EditOutlined />}
                          aria-label={t("bases.editNamed", { name: kb.name })}
                          onClick={() => setEditing(kb)}
                        />
                      </Tooltip>
                      <Tooltip title={t("common:actions.delete")}>
                        <Button
                          danger
                          icon={<DeleteOutlined />}
                          aria-label={t("bases.deleteNamed", { name: kb.name })}
                          onClick={() => confirmDelete(kb)}
                        />
                      </Tooltip>
                    </Space>
                  ) : null,
              },
            ]}
          />
        )}
      </QueryState>
      {editing !== null && (
        <KnowledgeBaseForm knowledgeBase={editing === "new" ? null : editing} onClose={() => setEditing(null)} />
      )}
    </>
  );
}
