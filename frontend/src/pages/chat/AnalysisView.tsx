// The result of a spreadsheet analysis: its table, and its chart drawn as SVG bars (line and pie
// requests are shown as bars too: the numbers are what matters, and one chart form keeps it simple).
import { Card, Table, Typography } from "antd";
import { useTranslation } from "react-i18next";

import { barsOf, type Analysis, type AnalysisChart } from "./toolResults";

function formatNumber(value: unknown, language: string): string {
  if (typeof value === "number") return new Intl.NumberFormat(language === "en" ? "en-US" : "vi-VN").format(value);
  return value == null ? "" : String(value);
}

export function BarChart({ chart }: { chart: AnalysisChart }) {
  const { t, i18n } = useTranslation("chat");
  const bars = barsOf(chart);
  if (bars.length === 0) return null;
  const row = 28;
  const labelWidth = 150;
  const barArea = 320;
  const valueWidth = 90;
  const width = labelWidth + barArea + valueWidth;
  const height = bars.length * row + 8;
  const title = chart.title || t("analysis.chartTitle", { y: chart.y, x: chart.x });
  return (
    <figure className="chat-chart">
      <figcaption>
        <Typography.Text strong>{title}</Typography.Text>
      </figcaption>
      <svg viewBox={`0 0 ${width} ${height}`} width="100%" role="img" aria-label={title} style={{ maxWidth: width }}>
        {bars.map((bar, i) => {
          const y = i * row + 4;
          const length = Math.max(bar.share * barArea, bar.value !== 0 ? 2 : 0);
          const label = bar.label.length > 22 ? `${bar.label.slice(0, 21)}…` : bar.label;
          return (
            <g key={i}>
              <title>{`${bar.label}: ${formatNumber(bar.value, i18n.language)}`}</title>
              <text x={labelWidth - 8} y={y + row / 2} textAnchor="end" dominantBaseline="middle" fontSize="12" fill="#333">
                {label}
              </text>
              <rect x={labelWidth} y={y + 4} width={length} height={row - 10} rx="3" fill={bar.value < 0 ? "#8c8c8c" : "#b3261e"} />
              <text x={labelWidth + length + 6} y={y + row / 2} dominantBaseline="middle" fontSize="12" fill="#333">
                {formatNumber(bar.value, i18n.language)}
              </text>
            </g>
          );
        })}
      </svg>
    </figure>
  );
}

export function AnalysisView({ analysis }: { analysis: Analysis }) {
  const { t, i18n } = useTranslation("chat");
  const columns = analysis.columns.map((title, index) => ({
    title,
    key: String(index),
    dataIndex: String(index),
    render: (value: unknown) => formatNumber(value, i18n.language),
  }));
  const data = analysis.rows.map((row, index) => ({
    key: index,
    ...Object.fromEntries(row.map((value, i) => [String(i), value])),
  }));
  return (
    <Card size="small" className="chat-analysis" title={t("analysis.title")} data-testid="analysis-result">
      {analysis.chart && <BarChart chart={analysis.chart} />}
      <Table
        size="small"
        columns={columns}
        dataSource={data}
        pagination={data.length > 10 ? { pageSize: 10, showSizeChanger: false } : false}
        scroll={{ x: "max-content" }}
      />
      {analysis.truncated && <Typography.Text type="secondary">{t("analysis.truncated")}</Typography.Text>}
    </Card>
  );
}
