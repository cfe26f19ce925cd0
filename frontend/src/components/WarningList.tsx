// The server's warnings, one sentence each, as a list: the content of a warning dialog or the
// description of an Alert. They name what was left out and for whom, so they are shown as they come.
export function WarningList({ warnings }: { warnings: readonly string[] }) {
  return (
    <ul style={{ margin: 0, paddingInlineStart: 20 }}>
      {warnings.map((warning, index) => (
        // Two knowledge bases may share a name across departments: the same sentence twice.
        <li key={index}>{warning}</li>
      ))}
    </ul>
  );
}
