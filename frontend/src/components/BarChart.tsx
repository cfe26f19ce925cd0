// A small bar chart in SVG, for usage figures. It carries its numbers as text too (a visually
// hidden table), so that screen readers and keyboard users get the same information.
import { Empty } from "antd";

export interface Bar {
  label: string;
  value: number;
}

export function BarChart({
  bars,
  title,
  unit = "",
  height = 220,
  color = "#b3261e",
}: {
  bars: Bar[];
  title: string;
  unit?: string;
  height?: number;
  color?: string;
}) {
  if (bars.length === 0) return <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} />;
  const max = Math.max(...bars.map((b) => b.value), 1);
  const width = Math.max(320, bars.length * 48);
  const chartHeight = height - 48;
  const barWidth = Math.min(36, (width - 16) / bars.length - 8);
  const format = new Intl.NumberFormat(document.documentElement.lang || "vi");
  return (
    <figure style={{ margin: 0, overflowX: "auto" }}>
      <svg width={width} height={height} role="img" aria-label={title} style={{ display: "block" }}>
        {bars.map((bar, index) => {
          const h = Math.round((bar.value / max) * (chartHeight - 16));
          const x = 8 + index * ((width - 16) / bars.length) + 4;
          const y = chartHeight - h;
          return (
            <g key={`${bar.label}-${index}`}>
              <title>{`${bar.label}: ${format.format(bar.value)}${unit}`}</title>
              <rect x={x} y={y} width={barWidth} height={h} fill={color} rx={3} />
              <text x={x + barWidth / 2} y={y - 4} textAnchor="middle" fontSize={11} fill="#333">
                {format.format(bar.value)}
              </text>
              <text x={x + barWidth / 2} y={chartHeight + 16} textAnchor="middle" fontSize={11} fill="#333">
                {bar.label.length > 10 ? `${bar.label.slice(0, 9)}…` : bar.label}
              </text>
            </g>
          );
        })}
      </svg>
      <table className="bureau-visually-hidden">
        <caption>{title}</caption>
        <tbody>
          {bars.map((bar, index) => (
            <tr key={index}>
              <th scope="row">{bar.label}</th>
              <td>{`${format.format(bar.value)}${unit}`}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}
