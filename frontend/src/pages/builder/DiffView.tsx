// Side by side: what a version changed, field by field; long texts, lists and tools line by line.
import { Tag, Typography } from "antd";
import { useTranslation } from "react-i18next";

import { EmptyState } from "../../components/PageState";
import type { LineOp } from "../../lib/lineDiff";
import { versionDiff, type FieldChange } from "./diff";

function show(value: unknown): string {
  if (value === null || value === undefined || value === "") return "—";
  if (typeof value === "boolean") return value ? "✓" : "✗";
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

function Cell({ op, side }: { op: LineOp | null; side: "left" | "right" }) {
  if (!op) return <td className="diff-empty" />;
  const cls = op.kind === "removed" ? "diff-removed" : op.kind === "added" ? "diff-added" : undefined;
  const mark = op.kind === "removed" ? "− " : op.kind === "added" ? "+ " : "  ";
  return (
    <td className={cls} data-side={side}>
      <span aria-hidden="true">{mark}</span>
      {op.text || " "}
    </td>
  );
}

export function DiffView({
  changes,
  beforeLabel,
  afterLabel,
}: {
  changes: Record<string, FieldChange>;
  beforeLabel: string;
  afterLabel: string;
}) {
  const { t } = useTranslation("builder");
  const fields = versionDiff(changes);
  if (fields.length === 0) return <EmptyState description={t("diff.same")} />;
  return (
    <div data-testid="version-diff">
      {fields.map((field) => (
        <section key={field.field} className="builder-field-diff" aria-label={t(`fields.${field.field}`, field.field)}>
          <Typography.Title level={4} style={{ fontSize: 15 }}>
            {t(`fields.${field.field}`, field.field)} <Tag className={`builder-tag-${field.kind === "added" ? "green" : field.kind === "removed" ? "red" : "blue"}`}>{t(`diff.${field.kind}`)}</Tag>
          </Typography.Title>
          <table className="builder-diff">
            <thead>
              <tr>
                <th scope="col">{beforeLabel}</th>
                <th scope="col">{afterLabel}</th>
              </tr>
            </thead>
            <tbody>
              {field.rows ? (
                field.rows.map((row, index) => (
                  <tr key={index}>
                    <Cell op={row.left} side="left" />
                    <Cell op={row.right} side="right" />
                  </tr>
                ))
              ) : (
                <tr>
                  <Cell op={{ kind: "removed", text: show(field.before) }} side="left" />
                  <Cell op={{ kind: "added", text: show(field.after) }} side="right" />
                </tr>
              )}
            </tbody>
          </table>
        </section>
      ))}
    </div>
  );
}
