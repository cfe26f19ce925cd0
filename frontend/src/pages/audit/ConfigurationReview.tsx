// Every assistant with what it can reach and who can use it, flagged where it deserves a look.
import { WarningOutlined } from "@ant-design/icons";
import { Alert, Space, Switch, Table, Tag, Tooltip, Typography } from "antd";
import { useState } from "react";
import { useTranslation } from "react-i18next";

import { QueryState } from "../../components/PageState";
import { WarningList } from "../../components/WarningList";
import { useConfigurationReview, type Reviewed } from "./api";

const FLAG_COLORS: Record<string, string> = {
  external_http: "red",
  organization_wide: "orange",
  shared_outside: "orange",
  no_knowledge: "gold",
  unpublished_changes: "blue",
  never_published: "default",
};

export function ConfigurationReview() {
  const { t } = useTranslation("audit");
  const [onlyFlagged, setOnlyFlagged] = useState(false);
  const query = useConfigurationReview();
  return (
    <Space orientation="vertical" size="middle" style={{ width: "100%" }}>
      <Space>
        <Switch id="only-flagged" checked={onlyFlagged} onChange={setOnlyFlagged} />
        <label htmlFor="only-flagged">{t("review.onlyFlagged")}</label>
      </Space>
      <QueryState query={query} isEmpty={(rows) => rows.length === 0} empty={t("review.empty")}>
        {(rows) => (
          <Table<Reviewed>
            rowKey="id"
            size="middle"
            dataSource={
              onlyFlagged ? rows.filter((r) => r.flags.some((f) => f !== "never_published") || r.audience_warnings.length > 0) : rows
            }
            scroll={{ x: 1000 }}
            pagination={{ pageSize: 50, hideOnSinglePage: true }}
            // Who among its users will not get which knowledge: sentences too long for a cell.
            expandable={{
              rowExpandable: (row) => row.audience_warnings.length > 0,
              expandedRowRender: (row) => (
                <Alert
                  type="warning"
                  showIcon
                  title={t("review.audienceWarnings")}
                  description={<WarningList warnings={row.audience_warnings} />}
                />
              ),
            }}
            columns={[
              {
                title: t("review.assistant"),
                dataIndex: "name",
                render: (name: string, row) => (
                  <Space orientation="vertical" size={0}>
                    <Typography.Text strong>{name}</Typography.Text>
                    <Typography.Text type="secondary">{row.department_name}</Typography.Text>
                  </Space>
                ),
              },
              {
                title: t("review.version"),
                dataIndex: "published_version",
                width: 110,
                render: (number: number | null) => (number ? `v${number}` : t("review.notPublished")),
              },
              { title: t("review.visibility"), dataIndex: "visibility", render: (v: string) => t(`visibility.${v}`) },
              { title: t("review.model"), dataIndex: "model", render: (m: string) => m || "—" },
              {
                title: t("review.knowledge"),
                dataIndex: "knowledge_bases",
                render: (kbs: Reviewed["knowledge_bases"]) =>
                  kbs.length === 0
                    ? "—"
                    : kbs.map((kb) => (
                        <Tag key={kb.id}>
                          {kb.name} · {t(`classification.${kb.classification}`)}
                        </Tag>
                      )),
              },
              {
                title: t("review.tools"),
                dataIndex: "tools",
                render: (tools: Reviewed["tools"]) =>
                  tools.length === 0
                    ? "—"
                    : tools.map((tool) => (
                        <Tooltip key={tool.name} title={tool.hosts.join(", ") || undefined}>
                          <Tag>{tool.name}</Tag>
                        </Tooltip>
                      )),
              },
              {
                title: t("review.sharing"),
                dataIndex: "shares",
                render: (shares: Reviewed["shares"]) =>
                  shares.length === 0 ? "—" : shares.map((s, i) => <Tag key={i}>{s.user ?? s.department}</Tag>),
              },
              {
                title: t("review.flags"),
                dataIndex: "flags",
                render: (flags: string[], row) => (
                  <>
                    {flags.map((flag) => (
                      <Tooltip key={flag} title={t(`flags.${flag}.help`)}>
                        <Tag color={FLAG_COLORS[flag]} icon={flag === "external_http" ? <WarningOutlined /> : undefined}>
                          {t(`flags.${flag}.label`)}
                        </Tag>
                      </Tooltip>
                    ))}
                    {row.audience_warnings.length > 0 && (
                      <Tooltip title={t("review.audienceHelp")}>
                        <Tag color="gold">{t("review.audience", { number: row.audience_warnings.length })}</Tag>
                      </Tooltip>
                    )}
                  </>
                ),
              },
            ]}
          />
        )}
      </QueryState>
    </Space>
  );
}
