// Hit testing: a query, and the ranked chunks an assistant would be given, with every score the
// search reports, the document, pages, heading path and the snippet with the query's words marked.
import { Alert, Button, Card, Flex, Form, Input, InputNumber, List, Segmented, Space, Tag, Typography } from "antd";
import { useState } from "react";
import { useTranslation } from "react-i18next";


import { errorMessage } from "../../api/errors";
import { EmptyState } from "../../components/PageState";
import { useHitTest, type SearchMode as Mode } from "./api";
import { KnowledgeLink, ToneTag, type KnowledgeBase, type SearchHit } from "./shared";
import { highlight, pageRange } from "./text";

export function Snippet({ text, query }: { text: string; query: string }) {
  return (
    <Typography.Paragraph style={{ whiteSpace: "pre-wrap", marginBottom: 0 }}>
      {highlight(text, query).map((segment, index) =>
        segment.match ? <mark key={index}>{segment.text}</mark> : <span key={index}>{segment.text}</span>,
      )}
    </Typography.Paragraph>
  );
}

export function HitTestPanel({ knowledgeBase }: { knowledgeBase: KnowledgeBase }) {
  const { t, i18n } = useTranslation("knowledge");
  const [asked, setAsked] = useState("");
  const [query, setQuery] = useState("");
  const [mode, setMode] = useState<Mode>("hybrid");
  const [topK, setTopK] = useState(8);
  const number = (value: number | null | undefined, digits = 4) =>
    value == null ? "—" : new Intl.NumberFormat(i18n.language, { maximumFractionDigits: digits }).format(value);

  const search = useHitTest(knowledgeBase.id, { mode, topK }, { onSuccess: (_, text) => setAsked(text) });

  return (
    <Flex vertical gap={16}>
      <Typography.Paragraph type="secondary" style={{ marginBottom: 0 }}>
        {t("search.intro")}
      </Typography.Paragraph>
      <Form
        layout="vertical"
        onFinish={() => {
          if (query.trim()) search.mutate(query.trim());
        }}
      >
        <Form.Item label={t("search.query")} htmlFor="hit-test-query" style={{ marginBottom: 12 }}>
          <Input.TextArea
            id="hit-test-query"
            value={query}
            onChange={(event) => setQuery(event.target.value)}
            autoSize={{ minRows: 2, maxRows: 6 }}
            placeholder={t("search.placeholder")}
            maxLength={2000}
            onPressEnter={(event) => {
              if (!event.shiftKey) {
                event.preventDefault();
                if (query.trim()) search.mutate(query.trim());
              }
            }}
          />
        </Form.Item>
        <Flex wrap gap={16} align="end">
          <Form.Item label={t("search.mode")} style={{ marginBottom: 0 }}>
            <Segmented<Mode>
              value={mode}
              onChange={setMode}
              aria-label={t("search.mode")}
              options={(["hybrid", "vector", "keyword"] as const).map((value) => ({
                value,
                label: t(`search.modes.${value}`),
              }))}
            />
          </Form.Item>
          <Form.Item label={t("search.topK")} htmlFor="hit-test-top-k" style={{ marginBottom: 0 }}>
            <InputNumber id="hit-test-top-k" min={1} max={50} value={topK} onChange={(value) => setTopK(value ?? 8)} />
          </Form.Item>
          <Button type="primary" htmlType="submit" loading={search.isPending} disabled={!query.trim()}>
            {t("search.run")}
          </Button>
        </Flex>
      </Form>
      {search.error && <Alert type="error" showIcon role="alert" message={errorMessage(search.error)} />}
      {search.data && search.data.length === 0 && <EmptyState description={t("search.noHits")} />}
      {search.data && search.data.length > 0 && (
        <List<SearchHit>
          aria-label={t("search.results")}
          dataSource={search.data}
          renderItem={(hit, index) => (
            <List.Item key={hit.chunk_id} style={{ display: "block" }}>
              <Card
                size="small"
                data-testid="search-hit"
                title={
                  <Space wrap size={8}>
                    <ToneTag tone="blue">#{index + 1}</ToneTag>
                    <KnowledgeLink to={`/knowledge/${knowledgeBase.id}/documents/${hit.document_id}`}>{hit.document_title}</KnowledgeLink>
                    {pageRange(hit.page_start, hit.page_end) && (
                      <Typography.Text type="secondary">
                        {t("search.pages", { pages: pageRange(hit.page_start, hit.page_end) })}
                      </Typography.Text>
                    )}
                  </Space>
                }
                extra={
                  <Typography.Text strong>
                    {t("search.score")}: {number(hit.score)}
                  </Typography.Text>
                }
              >
                {hit.heading_path.length > 0 && (
                  <Typography.Text type="secondary" style={{ display: "block", marginBottom: 8 }}>
                    {hit.heading_path.join(" › ")}
                  </Typography.Text>
                )}
                <Snippet text={hit.text} query={asked} />
                <Flex wrap gap={8} style={{ marginTop: 8 }}>
                  <Tag>
                    {t("search.vectorSimilarity")}: {number(hit.vector_similarity)}
                  </Tag>
                  <Tag>
                    {t("search.vectorRank")}: {number(hit.vector_rank, 0)}
                  </Tag>
                  <Tag>
                    {t("search.keywordScore")}: {number(hit.keyword_score)}
                  </Tag>
                  <Tag>
                    {t("search.keywordRank")}: {number(hit.keyword_rank, 0)}
                  </Tag>
                  <Tag>
                    {t("search.legalMatch")}: {number(hit.legal_match, 0)}
                  </Tag>
                </Flex>
              </Card>
            </List.Item>
          )}
        />
      )}
    </Flex>
  );
}
