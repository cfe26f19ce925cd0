// Before and after of a change, side by side: one row per field, long texts line by line.
import { Table, Tag, Typography } from "antd";
import { useTranslation } from "react-i18next";

import { display, fieldChanges, isLongText, lineChanges, type ChangeKind, type FieldChange } from "./diff";

const COLORS: Record<ChangeKind, string> = { added: "green", removed: "red", changed: "gold", unchanged: "default" };

function LineDiff({ before, after }: { before: string; after: string }) {
  return (
    <pre className="bureau-linediff">
      {lineChanges(before, after).map((line, index) => (
        <div key={index} className={`bureau-line-${line.kind}`}>
          <span aria-hidden>{line.kind === "added" ? "+ " : line.kind === "removed" ? "− " : "  "}</span>
          {line.text}
        </div>
      ))}
    </pre>
  );
}

function Value({ value }: { value: unknown }) {
  return <pre className="bureau-value">{display(value)}</pre>;
}

export function DiffView({
  before,
  after,
  showUnchanged = false,
}: {
  before: unknown;
  after: unknown;
  showUnchanged?: boolean;
}) {
  const { t } = useTranslation("audit");
  const rows = fieldChanges(before, after).filter((row) => showUnchanged || row.kind !== "unchanged");
  if (rows.length === 0) return <Typography.Text type="secondary">{t("diff.none")}</Typography.Text>;
  return (
    <Table<FieldChange>
      size="small"
      rowKey="field"
      pagination={false}
      dataSource={rows}
      scroll={{ x: 600 }}
      columns={[
        {
          title: t("diff.field"),
          dataIndex: "field",
          width: 180,
          render: (field: string, row) => (
            <>
              <Typography.Text code>{field}</Typography.Text>{" "}
              <Tag color={COLORS[row.kind]}>{t(`diff.kinds.${row.kind}`)}</Tag>
            </>
          ),
        },
        {
          title: t("diff.before"),
          key: "before",
          render: (_, row) =>
            row.kind === "changed" && isLongText(row.before) && typeof row.after === "string" ? (
              <LineDiff before={row.before} after={row.after} />
            ) : (
              <Value value={row.before} />
            ),
          onCell: (row) => ({ colSpan: row.kind === "changed" && isLongText(row.before) && typeof row.after === "string" ? 2 : 1 }),
        },
        {
          title: t("diff.after"),
          key: "after",
          render: (_, row) => <Value value={row.after} />,
          onCell: (row) => ({ colSpan: row.kind === "changed" && isLongText(row.before) && typeof row.after === "string" ? 0 : 1 }),
        },
      ]}
    />
  );
}
