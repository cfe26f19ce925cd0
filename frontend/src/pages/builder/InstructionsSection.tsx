// How the assistant behaves: its instructions and the conversation starters it offers (six at most).
import { MinusCircleOutlined, PlusOutlined } from "@ant-design/icons";
import { Button, Form, Input } from "antd";
import { useTranslation } from "react-i18next";

import { DraftSection } from "./DraftSection";

const MAX_STARTERS = 6;

export function InstructionsSection() {
  const { t } = useTranslation("builder");
  return (
    <DraftSection title={t("sections.behaviour")}>
      <Form.Item name="instructions" label={t("fields.instructions")} extra={t("fields.instructionsHelp")}>
        <Input.TextArea rows={8} />
      </Form.Item>
      <Form.List name="conversation_starters">
        {(fields, { add, remove }, { errors }) => (
          <fieldset className="builder-fieldset">
            <legend>{t("fields.conversation_starters")}</legend>
            {fields.map((field, index) => (
              <div key={field.key} style={{ display: "flex", gap: 8, alignItems: "flex-start" }}>
                <Form.Item name={field.name} style={{ flex: 1, marginBottom: 12 }} label={t("editor.starter", { number: index + 1 })}>
                  <Input maxLength={200} />
                </Form.Item>
                <Button type="text" icon={<MinusCircleOutlined />} aria-label={t("editor.removeStarter", { number: index + 1 })} onClick={() => remove(field.name)} style={{ marginTop: 30 }} />
              </div>
            ))}
            <Form.ErrorList errors={errors} />
            {fields.length < MAX_STARTERS && (
              <Button type="dashed" icon={<PlusOutlined />} onClick={() => add("")}>
                {t("editor.addStarter")}
              </Button>
            )}
          </fieldset>
        )}
      </Form.List>
    </DraftSection>
  );
}
