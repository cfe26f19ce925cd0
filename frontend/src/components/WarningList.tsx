// The server's warnings, one sentence each, as a list: the content of a warning dialog or the
// description of an Alert. They name what was left out and for whom, so they are shown as they come;
// `help`, when given, says under them what to do about it.
import { Typography } from "antd";

export function WarningList({ warnings, help }: { warnings: readonly string[]; help?: string }) {
  const list = (
    <ul style={{ margin: 0, paddingInlineStart: 20 }}>
      {warnings.map((warning, index) => (
        // Two knowledge bases may share a name across departments: the same sentence twice.
        <li key={index}>{warning}</li>
      ))}
    </ul>
  );
  if (help === undefined) return list;
  return (
    <>
      {list}
      <Typography.Paragraph style={{ margin: "8px 0 0" }}>{help}</Typography.Paragraph>
    </>
  );
}
