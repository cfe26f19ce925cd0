// The department's consumption against each limit (tokens this month, each member's messages today,
// each API key's requests this minute), and when each resets.
import { useQuery } from "@tanstack/react-query";
import { Card, Progress, Table, Typography } from "antd";
import dayjs from "dayjs";
import { useTranslation } from "react-i18next";

import { api } from "../../api/client";
import { unwrap } from "../../api/errors";
import type { components } from "../../api/schema";
import { QueryState } from "../../components/PageState";

type Consumption = components["schemas"]["Consumption"];

export function percentUsed(row: Pick<Consumption, "used" | "limit">): number | null {
  if (row.limit === null || row.limit === undefined) return null;
  if (row.limit <= 0) return 100;
  return Math.min(100, Math.round((row.used / row.limit) * 100));
}

export function QuotaUsage({ departmentId }: { departmentId: number }) {
  const { t } = useTranslation("admin");
  const query = useQuery({
    queryKey: ["quota-usage", departmentId],
    queryFn: async () =>
      unwrap(await api.GET("/api/v1/departments/{department_id}/quota-usage/", { params: { path: { department_id: departmentId } } })),
    refetchInterval: 30_000,
  });
  return (
    <Card size="small" title={t("quota.title")}>
      <QueryState query={query} isEmpty={(rows) => rows.length === 0} empty={t("quota.empty")}>
        {(rows) => (
          <Table<Consumption>
            size="small"
            rowKey={(row) => `${row.kind}-${row.user ?? ""}-${row.api_key ?? ""}-${row.department ?? ""}`}
            dataSource={rows}
            pagination={{ pageSize: 20, hideOnSinglePage: true }}
            scroll={{ x: 600 }}
            columns={[
              { title: t("quota.kind"), dataIndex: "kind", render: (kind: string, row) => (
                <>
                  {t(`quota.kinds.${kind}`)}
                  {row.user ? <Typography.Text type="secondary"> · #{row.user}</Typography.Text> : null}
                  {row.api_key ? <Typography.Text type="secondary"> · #{row.api_key}</Typography.Text> : null}
                </>
              ) },
              {
                title: t("quota.used"),
                key: "used",
                render: (_, row) => {
                  const percent = percentUsed(row);
                  return percent === null ? (
                    `${row.used} / ${t("quota.unlimited")}`
                  ) : (
                    <Progress
                      percent={percent}
                      size="small"
                      status={percent >= 100 ? "exception" : "normal"}
                      format={() => `${row.used} / ${row.limit}`}
                      aria-label={t(`quota.kinds.${row.kind}`)}
                    />
                  );
                },
              },
              { title: t("quota.resets"), dataIndex: "resets_at", render: (v: string) => dayjs(v).format("DD/MM/YYYY HH:mm") },
            ]}
          />
        )}
      </QueryState>
    </Card>
  );
}
