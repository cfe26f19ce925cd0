// One document: its metadata (official-document fields where found), its indexing runs, and the
// chunks that serve searches.
import { DownloadOutlined } from "@ant-design/icons";
import { Breadcrumb, Button, Card, Descriptions, Flex, List, Space, Table, Tabs, Tag, Typography } from "antd";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { useParams } from "react-router";

import { EmptyState, QueryState } from "../../components/PageState";
import { useChunks, useDocument, useDocumentRuns, useKnowledgeBase } from "./api";
import { DANGER_TEXT, StatusTag, type Chunk, type IndexingRun, KnowledgeLink, ToneTag } from "./shared";
import { formatBytes, formatDate, pageRange } from "./text";

const CHUNK_PAGE = 20;

function Runs({ kbId, docId }: { kbId: number; docId: number }) {
  const { t, i18n } = useTranslation("knowledge");
  const runs = useDocumentRuns(kbId, docId);
  return (
    <QueryState query={runs} isEmpty={(rows) => rows.length === 0} empty={<EmptyState description={t("detail.noRuns")} />}>
      {(rows) => (
        <Table<IndexingRun>
          rowKey="id"
          dataSource={rows}
          pagination={false}
          scroll={{ x: 800 }}
          columns={[
            { title: t("detail.attempt"), dataIndex: "attempt", render: (value: number, run) => `${value} (${t("detail.generation")} ${run.generation})` },
            { title: t("documents.status"), dataIndex: "status", render: (value: string) => t(`runStatus.${value}`) },
            { title: t("detail.stage"), dataIndex: "stage", render: (value: string) => <StatusTag status={value} /> },
            {
              title: t("detail.progress"),
              key: "progress",
              render: (_, run) => (run.progress_total ? `${run.progress_done}/${run.progress_total}` : "—"),
            },
            { title: t("detail.started"), dataIndex: "started_at", render: (v: string) => formatDate(v, i18n.language, true) },
            { title: t("detail.finished"), dataIndex: "finished_at", render: (v: string | null) => formatDate(v, i18n.language, true) },
            {
              title: t("detail.error"),
              dataIndex: "error",
              render: (value: string) => (value ? <Typography.Text style={{ color: DANGER_TEXT }}>{value}</Typography.Text> : null),
            },
          ]}
        />
      )}
    </QueryState>
  );
}

function Chunks({ kbId, docId }: { kbId: number; docId: number }) {
  const { t } = useTranslation("knowledge");
  const [page, setPage] = useState(1);
  const chunks = useChunks(kbId, docId, page, CHUNK_PAGE);
  return (
    <QueryState
      query={chunks}
      isEmpty={(data) => data.count === 0}
      empty={<EmptyState description={t("detail.noChunks")} />}
    >
      {(data) => (
        <List<Chunk>
          dataSource={data.items}
          pagination={{
            current: page,
            pageSize: CHUNK_PAGE,
            total: data.count,
            onChange: setPage,
            showSizeChanger: false,
          }}
          renderItem={(chunk) => (
            <List.Item key={chunk.id} style={{ display: "block" }}>
              <Space wrap size={8} style={{ marginBottom: 4 }}>
                <Tag>#{chunk.ordinal + 1}</Tag>
                {pageRange(chunk.page_start, chunk.page_end) && (
                  <Typography.Text type="secondary">
                    {t("search.pages", { pages: pageRange(chunk.page_start, chunk.page_end) })}
                  </Typography.Text>
                )}
                <Typography.Text type="secondary">{t("detail.tokens", { count: chunk.token_count })}</Typography.Text>
                {chunk.legal_refs.map((ref) => (
                  <ToneTag key={ref} tone="purple">
                    {ref}
                  </ToneTag>
                ))}
              </Space>
              {chunk.heading_path.length > 0 && (
                <Typography.Text strong style={{ display: "block" }}>
                  {chunk.heading_path.join(" › ")}
                </Typography.Text>
              )}
              <Typography.Paragraph style={{ whiteSpace: "pre-wrap", marginBottom: 0 }} ellipsis={{ rows: 4, expandable: true, symbol: t("detail.more") }}>
                {chunk.text}
              </Typography.Paragraph>
            </List.Item>
          )}
        />
      )}
    </QueryState>
  );
}

export function DocumentDetailPage() {
  const { t, i18n } = useTranslation("knowledge");
  const params = useParams();
  const kbId = Number(params.kbId);
  const docId = Number(params.docId);
  const kb = useKnowledgeBase(kbId);
  const document = useDocument(kbId, docId);
  const language = i18n.language;

  return (
    <QueryState query={document}>
      {(doc) => (
        <>
          <Breadcrumb
            style={{ marginBottom: 8 }}
            items={[
              { title: <KnowledgeLink to="/knowledge">{t("title")}</KnowledgeLink> },
              { title: <KnowledgeLink to={`/knowledge/${kbId}`}>{kb.data?.name ?? "…"}</KnowledgeLink> },
              { title: doc.title },
            ]}
          />
          <Flex justify="space-between" align="start" wrap gap={12}>
            <Typography.Title level={2} style={{ margin: 0 }}>
              {doc.title}
            </Typography.Title>
            <Button
              icon={<DownloadOutlined />}
              href={`/api/v1/knowledge-bases/${kbId}/documents/${docId}/file/?download=1`}
            >
              {t("detail.download")}
            </Button>
          </Flex>
          <Card size="small" style={{ marginTop: 16 }}>
            <Descriptions
              size="small"
              column={{ xs: 1, sm: 2, lg: 3 }}
              items={[
                { key: "status", label: t("documents.status"), children: <StatusTag status={doc.status} /> },
                { key: "filename", label: t("detail.filename"), children: doc.filename },
                { key: "size", label: t("detail.size"), children: `${doc.kind.toUpperCase()} · ${formatBytes(doc.size_bytes, language)}` },
                { key: "pages", label: t("documents.pages"), children: doc.page_count ?? "—" },
                { key: "chunks", label: t("documents.chunks"), children: doc.chunks_total },
                { key: "attempts", label: t("detail.attempts"), children: doc.attempts },
                { key: "doc_type", label: t("detail.docType"), children: doc.doc_type || "—" },
                { key: "doc_number", label: t("detail.docNumber"), children: doc.doc_number || "—" },
                { key: "issuer", label: t("detail.issuer"), children: doc.issuer || "—" },
                { key: "issued_on", label: t("detail.issuedOn"), children: formatDate(doc.issued_on, language) || "—" },
                { key: "indexed", label: t("documents.indexedAt"), children: formatDate(doc.indexed_at, language, true) || "—" },
                { key: "enabled", label: t("detail.enabled"), children: doc.enabled ? t("detail.yes") : t("detail.no") },
                ...(doc.failure_reason
                  ? [
                      {
                        key: "failure",
                        label: t("documents.failure"),
                        span: 3,
                        children: <Typography.Text style={{ color: DANGER_TEXT }}>{doc.failure_reason}</Typography.Text>,
                      },
                    ]
                  : []),
              ]}
            />
          </Card>
          <Tabs
            style={{ marginTop: 16 }}
            items={[
              { key: "chunks", label: t("detail.chunks"), children: <Chunks kbId={kbId} docId={docId} /> },
              { key: "runs", label: t("detail.runs"), children: <Runs kbId={kbId} docId={docId} /> },
            ]}
          />
        </>
      )}
    </QueryState>
  );
}
