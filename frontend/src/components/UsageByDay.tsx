// Messages, tokens and latency by day from GET /api/v1/usage/, for the audit and department
// admin screens.
import { useQuery } from "@tanstack/react-query";
import { Card, Col, Row, Segmented, Statistic } from "antd";
import dayjs from "dayjs";
import { useState } from "react";
import { useTranslation } from "react-i18next";

import { api } from "../api/client";
import { unwrap } from "../api/errors";
import { BarChart } from "./BarChart";
import { QueryState } from "./PageState";

export type Metric = "total_tokens" | "messages" | "avg_latency_ms";

/** Which figure the usage charts draw. */
export function MetricSwitch({ value, onChange }: { value: Metric; onChange: (metric: Metric) => void }) {
  const { t } = useTranslation("audit");
  return (
    <Segmented<Metric>
      value={value}
      onChange={onChange}
      options={[
        { value: "total_tokens", label: t("usage.tokens") },
        { value: "messages", label: t("usage.messages") },
        { value: "avg_latency_ms", label: t("usage.latency") },
      ]}
    />
  );
}

export function useUsage(params: { department?: number; since?: string }) {
  return useQuery({
    queryKey: ["usage", params],
    queryFn: async () => unwrap(await api.GET("/api/v1/usage/", { params: { query: params } })),
  });
}

export function UsageByDay({ department, days = 30 }: { department?: number; days?: number }) {
  const { t } = useTranslation("audit");
  const [metric, setMetric] = useState<Metric>("total_tokens");
  const since = dayjs().subtract(days, "day").startOf("day").toISOString();
  const query = useUsage({ department, since });
  return (
    <QueryState query={query}>
      {(usage) => (
        <Row gutter={[16, 16]}>
          <Col xs={12} md={6}>
            <Card size="small">
              <Statistic title={t("usage.messages")} value={usage.total.messages} />
            </Card>
          </Col>
          <Col xs={12} md={6}>
            <Card size="small">
              <Statistic title={t("usage.tokens")} value={usage.total.total_tokens} />
            </Card>
          </Col>
          <Col xs={12} md={6}>
            <Card size="small">
              <Statistic title={t("usage.promptTokens")} value={usage.total.prompt_tokens} />
            </Card>
          </Col>
          <Col xs={12} md={6}>
            <Card size="small">
              <Statistic title={t("usage.completionTokens")} value={usage.total.completion_tokens} />
            </Card>
          </Col>
          <Col span={24}>
            <Card
              size="small"
              title={t("usage.byDay", { days })}
              extra={
                <MetricSwitch value={metric} onChange={setMetric} />
              }
            >
              <BarChart
                title={t("usage.byDay", { days })}
                unit={metric === "avg_latency_ms" ? " ms" : ""}
                bars={usage.results.map((day) => ({
                  label: dayjs(day.day).format("DD/MM"),
                  value: Math.round(Number(day[metric] ?? 0)),
                }))}
              />
            </Card>
          </Col>
        </Row>
      )}
    </QueryState>
  );
}
