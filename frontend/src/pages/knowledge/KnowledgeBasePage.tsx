// One knowledge base: its documents (with uploads), hit testing, and sharing with other departments.
import { ArrowLeftOutlined, EditOutlined } from "@ant-design/icons";
import { Breadcrumb, Button, Descriptions, Flex, Space, Tabs, Tag, Typography } from "antd";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { useNavigate, useParams } from "react-router";

import { useAuth } from "../../auth/AuthProvider";
import { QueryState } from "../../components/PageState";
import { DocumentsPanel } from "./DocumentsPanel";
import { GrantsPanel } from "./GrantsPanel";
import { HitTestPanel } from "./HitTestPanel";
import { KnowledgeBaseForm } from "./KnowledgeBaseForm";
import { useKnowledgeBase } from "./api";
import { canManage, ClassificationTag, KnowledgeLink } from "./shared";

const TABS = ["documents", "search", "sharing"] as const;

export function KnowledgeBasePage() {
  const { t } = useTranslation("knowledge");
  const auth = useAuth();
  const navigate = useNavigate();
  const params = useParams();
  const kbId = Number(params.kbId);
  const tab = TABS.find((name) => name === params.tab) ?? "documents";
  const query = useKnowledgeBase(kbId);
  const [editing, setEditing] = useState(false);

  return (
    <QueryState query={query}>
      {(kb) => {
        const manage = canManage(auth, kb);
        return (
          <>
            <Breadcrumb
              items={[{ title: <KnowledgeLink to="/knowledge">{t("title")}</KnowledgeLink> }, { title: kb.name }]}
              style={{ marginBottom: 8 }}
            />
            <Flex justify="space-between" align="start" wrap gap={12}>
              <Space direction="vertical" size={4}>
                <Typography.Title level={2} style={{ margin: 0 }}>
                  {kb.name}
                </Typography.Title>
                {kb.description && <Typography.Text type="secondary">{kb.description}</Typography.Text>}
              </Space>
              <Space wrap>
                <Button icon={<ArrowLeftOutlined />} onClick={() => navigate("/knowledge")}>
                  {t("common:actions.back")}
                </Button>
                {manage && (
                  <Button icon={<EditOutlined />} onClick={() => setEditing(true)}>
                    {t("common:actions.edit")}
                  </Button>
                )}
              </Space>
            </Flex>
            <Descriptions
              size="small"
              style={{ marginTop: 12 }}
              column={{ xs: 1, sm: 2, lg: 4 }}
              items={[
                { key: "department", label: t("fields.department"), children: kb.department_name },
                { key: "classification", label: t("fields.classification"), children: <ClassificationTag value={kb.classification} /> },
                { key: "visibility", label: t("fields.visibility"), children: t(`visibility.${kb.visibility}`) },
                {
                  key: "embedding",
                  label: t("fields.embedding"),
                  children: `${kb.embedding_model} (${kb.embedding_dimension})`,
                },
                ...(kb.domain_tags.length
                  ? [
                      {
                        key: "domains",
                        label: t("fields.domains"),
                        children: kb.domain_tags.map((tag) => <Tag key={tag}>{tag}</Tag>),
                      },
                    ]
                  : []),
              ]}
            />
            <Tabs
              activeKey={tab}
              onChange={(key) => navigate(key === "documents" ? `/knowledge/${kbId}` : `/knowledge/${kbId}/${key}`)}
              items={[
                { key: "documents", label: t("tabs.documents"), children: <DocumentsPanel knowledgeBase={kb} /> },
                { key: "search", label: t("tabs.search"), children: <HitTestPanel knowledgeBase={kb} /> },
                {
                  key: "sharing",
                  label: t("tabs.sharing"),
                  children: <GrantsPanel knowledgeBase={kb} manage={manage} />,
                },
              ]}
            />
            {editing && <KnowledgeBaseForm knowledgeBase={kb} onClose={() => setEditing(false)} />}
          </>
        );
      }}
    </QueryState>
  );
}
