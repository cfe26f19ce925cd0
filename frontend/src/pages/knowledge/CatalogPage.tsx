// The organization-wide knowledge catalog: knowledge bases shared with the whole organization,
// browsed by domain, which any builder may attach to an assistant.
import { Button, Card, Col, Flex, Row, Space, Tag, Typography } from "antd";
import { useTranslation } from "react-i18next";
import { useSearchParams } from "react-router";

import { EmptyState, QueryState } from "../../components/PageState";
import { SectionTabs } from "./SectionTabs";
import { useCatalog, useCatalogDomains } from "./api";
import { ClassificationTag, KnowledgeLink } from "./shared";
import { formatDate } from "./text";

export function CatalogPage() {
  const { t, i18n } = useTranslation("knowledge");
  const [params, setParams] = useSearchParams();
  const domain = params.get("domain");

  const domains = useCatalogDomains();
  const entries = useCatalog(domain);
  const choose = (value: string | null) => setParams(value ? { domain: value } : {});
  const total = (domains.data ?? []).reduce((sum, d) => Math.max(sum, d.count), 0);

  return (
    <>
      <Typography.Title level={2} style={{ marginBottom: 4 }}>
        {t("title")}
      </Typography.Title>
      <Typography.Paragraph type="secondary">{t("catalog.intro")}</Typography.Paragraph>
      <SectionTabs active="catalog" />
      <Flex wrap gap={8} style={{ marginBottom: 16 }} role="group" aria-label={t("catalog.domains")}>
        <Button
          shape="round"
          size="small"
          type={domain === null ? "primary" : "default"}
          aria-pressed={domain === null}
          onClick={() => choose(null)}
        >
          {t("catalog.allDomains")}
        </Button>
        {(domains.data ?? []).map((d) => (
          <Button
            key={d.domain}
            shape="round"
            size="small"
            type={domain === d.domain ? "primary" : "default"}
            aria-pressed={domain === d.domain}
            onClick={() => choose(d.domain)}
          >
            {d.domain} ({d.count})
          </Button>
        ))}
        {total === 0 && domains.isSuccess && <Typography.Text type="secondary">{t("catalog.noDomains")}</Typography.Text>}
      </Flex>
      <QueryState
        query={entries}
        isEmpty={(rows) => rows.length === 0}
        empty={<EmptyState description={domain ? t("catalog.emptyDomain", { domain }) : t("catalog.empty")} />}
      >
        {(rows) => (
          <Row gutter={[16, 16]}>
            {rows.map((entry) => (
              <Col key={entry.id} xs={24} md={12} xl={8}>
                <Card
                  size="small"
                  style={{ height: "100%" }}
                  title={<KnowledgeLink to={`/knowledge/${entry.id}`}>{entry.name}</KnowledgeLink>}
                  extra={<ClassificationTag value={entry.classification} />}
                >
                  <Space direction="vertical" size={6} style={{ width: "100%" }}>
                    <Typography.Text type="secondary">{entry.department_name}</Typography.Text>
                    {entry.description && (
                      <Typography.Paragraph ellipsis={{ rows: 2 }} style={{ marginBottom: 0 }}>
                        {entry.description}
                      </Typography.Paragraph>
                    )}
                    <div>
                      {entry.domain_tags.map((tag) => (
                        <Tag key={tag}>{tag}</Tag>
                      ))}
                    </div>
                    <Typography.Text>
                      {t("catalog.readyDocuments", { count: entry.ready_document_count })} ·{" "}
                      {t("catalog.updated", { date: formatDate(entry.updated_at, i18n.language) })}
                    </Typography.Text>
                    <Typography.Text type="secondary">{entry.embedding_model}</Typography.Text>
                  </Space>
                </Card>
              </Col>
            ))}
          </Row>
        )}
      </QueryState>
    </>
  );
}
