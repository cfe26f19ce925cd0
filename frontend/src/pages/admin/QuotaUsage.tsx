// The department's consumption against each limit (tokens this month, each member's messages today,
// each API key's requests this minute), and when each resets.
import { Card, Progress, Table, Typography } from "antd";
import dayjs from "dayjs";
import { useTranslation } from "react-i18next";

import { QueryState } from "../../components/PageState";
import { useQuotaUsage, type Consumption } from "./api";

export function percentUsed(row: Pick<Consumption, "used" | "limit">): number | null {
  if (row.limit === null || row.limit === undefined) return null;
  if (row.limit <= 0) return 100;
  return Math.min(100, Math.round((row.used / row.limit) * 100));
}

export function QuotaUsage({ departmentId }: { departmentId: number }) {
  const { t } = useTranslation("admin");
  const query = useQuotaUsage(departmentId);
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
