// Usage for IT: by day, by department and by assistant (tokens, messages, latency).
import { Card, Col, Row, Select, Space, Table } from "antd";
import dayjs from "dayjs";
import { useState } from "react";
import { useTranslation } from "react-i18next";

import { BarChart } from "../../components/BarChart";
import { QueryState } from "../../components/PageState";
import { MetricSwitch, UsageByDay, type Metric } from "../../components/UsageByDay";
import { useUsageBreakdown, type UsageGroup as Group } from "./api";

function Breakdown({ by, days }: { by: "department" | "assistant"; days: number }) {
  const { t } = useTranslation("audit");
  const [metric, setMetric] = useState<Metric>("total_tokens");
  const since = dayjs().subtract(days, "day").startOf("day").toISOString();
  const query = useUsageBreakdown(by, since);
  const title = by === "department" ? t("usage.byDepartment") : t("usage.byAssistant");
  const unnamed = by === "department" ? t("usage.noDepartment") : t("usage.noAssistant");
  return (
    <Card
      size="small"
      title={title}
      extra={
        <MetricSwitch value={metric} onChange={setMetric} />
      }
    >
      <QueryState query={query} isEmpty={(groups) => groups.length === 0}>
        {(groups) => (
          <Space orientation="vertical" style={{ width: "100%" }}>
            <BarChart
              title={title}
              unit={metric === "avg_latency_ms" ? " ms" : ""}
              bars={groups.slice(0, 12).map((g) => ({ label: g.name || unnamed, value: Math.round(Number(g[metric] ?? 0)) }))}
            />
            <Table<Group>
              size="small"
              rowKey={(g) => String(g.id)}
              pagination={false}
              dataSource={groups}
              scroll={{ x: 500 }}
              columns={[
                { title: t("usage.name"), dataIndex: "name", render: (name: string) => name || unnamed },
                { title: t("usage.messages"), dataIndex: "messages", align: "right" },
                { title: t("usage.tokens"), dataIndex: "total_tokens", align: "right" },
                {
                  title: t("usage.latency"),
                  dataIndex: "avg_latency_ms",
                  align: "right",
                  render: (value: number | null) => (value === null ? "—" : `${Math.round(value)} ms`),
                },
              ]}
            />
          </Space>
        )}
      </QueryState>
    </Card>
  );
}

export function UsagePanel() {
  const { t } = useTranslation("audit");
  const [days, setDays] = useState(30);
  return (
    <Space orientation="vertical" size="middle" style={{ width: "100%" }}>
      <Space>
        <label htmlFor="usage-period">{t("usage.period")}</label>
        <Select
          id="usage-period"
          value={days}
          onChange={setDays}
          options={[7, 30, 90, 365].map((d) => ({ value: d, label: t("usage.lastDays", { count: d }) }))}
          style={{ width: 160 }}
        />
      </Space>
      <UsageByDay days={days} />
      <Row gutter={[16, 16]}>
        <Col xs={24} lg={12}>
          <Breakdown by="department" days={days} />
        </Col>
        <Col xs={24} lg={12}>
          <Breakdown by="assistant" days={days} />
        </Col>
      </Row>
    </Space>
  );
}
