// The knowledge the assistant answers from, what would refuse publishing it (the draft's
// warnings) and what part of its audience would miss (the audience warnings), and how passages
// are retrieved.
import { Alert, Col, Form, Input, InputNumber, Row, Select, Switch } from "antd";
import { useTranslation } from "react-i18next";

import { WarningList } from "../../components/WarningList";
import type { Draft, KnowledgeBase } from "./api";
import { DraftSection } from "./DraftSection";

function DraftWarnings({ draft }: { draft: Draft }) {
  const { t } = useTranslation("builder");
  return (
    <>
      {draft.warnings.length > 0 && (
        <Alert
          type="error"
          showIcon
          title={t("draftWarnings.blocking")}
          description={<WarningList warnings={draft.warnings} />}
          style={{ marginBottom: 16 }}
        />
      )}
      {draft.audience_warnings.length > 0 && (
        <Alert
          type="warning"
          showIcon
          title={t("draftWarnings.audience")}
          description={<WarningList warnings={draft.audience_warnings} help={t("draftWarnings.audienceHelp")} />}
          style={{ marginBottom: 16 }}
        />
      )}
    </>
  );
}

export function KnowledgeSection({ knowledgeBases, draft }: { knowledgeBases: KnowledgeBase[]; draft: Draft }) {
  const { t } = useTranslation("builder");
  return (
    <DraftSection title={t("sections.knowledge")}>
      <Form.Item name="knowledge_base_ids" label={t("fields.knowledge_bases")} extra={t("fields.knowledgeHelp")}>
        <Select
          mode="multiple"
          optionFilterProp="label"
          options={knowledgeBases.map((kb) => ({
            value: kb.id,
            label: `${kb.name} · ${kb.department_name} · ${kb.embedding_model}`,
          }))}
        />
      </Form.Item>
      <DraftWarnings draft={draft} />
      <Row gutter={12}>
        <Col xs={12}>
          <Form.Item name="top_k" label={t("fields.top_k")} extra={t("fields.topKHelp")}>
            <InputNumber min={1} max={20} style={{ width: "100%" }} />
          </Form.Item>
        </Col>
        <Col xs={12}>
          <Form.Item name="min_similarity" label={t("fields.min_similarity")} extra={t("fields.minSimilarityHelp")}>
            <InputNumber min={-1} max={1} step={0.05} style={{ width: "100%" }} />
          </Form.Item>
        </Col>
      </Row>
      <Form.Item name="knowledge_only" label={t("fields.knowledge_only")} valuePropName="checked" extra={t("fields.knowledgeOnlyHelp")}>
        <Switch />
      </Form.Item>
      <Form.Item name="refusal_message" label={t("fields.refusal_message")} extra={t("fields.refusalHelp")}>
        <Input.TextArea rows={2} />
      </Form.Item>
    </DraftSection>
  );
}
