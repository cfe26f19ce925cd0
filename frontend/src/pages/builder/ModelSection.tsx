// Which model answers (a provider of the organization, or the default one) and how.
import { Col, Form, Input, InputNumber, Row, Select } from "antd";
import { useTranslation } from "react-i18next";

import type { ModelProvider } from "./api";
import { DraftSection } from "./DraftSection";

export function ModelSection({ providers, providerId }: { providers: ModelProvider[]; providerId: number | null }) {
  const { t } = useTranslation("builder");
  const form = Form.useFormInstance();
  const provider = providers.find((p) => p.id === providerId);
  const modelOptions = ((provider?.chat_models ?? []) as string[]).map((m) => ({ value: m, label: m }));
  return (
    <DraftSection title={t("sections.model")}>
      <Row gutter={12}>
        <Col xs={24} md={12}>
          <Form.Item name="model_provider" label={t("fields.model_provider")}>
            <Select
              allowClear
              placeholder={t("editor.defaultProvider")}
              options={providers.map((p) => ({ value: p.id, label: p.is_default ? `${p.name} (${t("editor.default")})` : p.name }))}
              onChange={(id) => {
                const next = providers.find((p) => p.id === id);
                form.setFieldValue("model_name", next?.default_chat_model ?? "");
              }}
            />
          </Form.Item>
        </Col>
        <Col xs={24} md={12}>
          <Form.Item name="model_name" label={t("fields.model_name")}>
            {modelOptions.length ? <Select options={modelOptions} /> : <Input />}
          </Form.Item>
        </Col>
        <Col xs={12} md={12}>
          <Form.Item name="temperature" label={t("fields.temperature")} extra={t("fields.temperatureHelp")}>
            <InputNumber min={0} max={2} step={0.1} style={{ width: "100%" }} />
          </Form.Item>
        </Col>
        <Col xs={12} md={12}>
          <Form.Item name="max_tokens" label={t("fields.max_tokens")}>
            <InputNumber min={1} max={32000} step={256} style={{ width: "100%" }} />
          </Form.Item>
        </Col>
      </Row>
    </DraftSection>
  );
}
