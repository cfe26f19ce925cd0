// The assistant's tools, with what the server refused in them when the draft was saved.
import { Alert, Form } from "antd";
import { useTranslation } from "react-i18next";

import type { ToolKind } from "./api";
import { DraftSection } from "./DraftSection";
import { ToolsEditor } from "./ToolsEditor";

export function ToolsSection({ kinds, assistantId, problems }: { kinds: ToolKind[]; assistantId: number; problems: Record<string, string[]> }) {
  const { t } = useTranslation("builder");
  return (
    <DraftSection title={t("sections.tools")}>
      {problems.list && <Alert type="error" showIcon role="alert" title={problems.list.join(" ")} style={{ marginBottom: 8 }} />}
      <Form.Item name="tools" noStyle>
        <ToolsEditor kinds={kinds} assistantId={assistantId} errors={problems} />
      </Form.Item>
    </DraftSection>
  );
}
