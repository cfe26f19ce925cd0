// Who the assistant is (name, avatar, description) and who may use it (its visibility).
import { Col, Form, Input, Row, Select } from "antd";
import { useTranslation } from "react-i18next";

import { DraftSection } from "./DraftSection";

export function IdentitySection() {
  const { t } = useTranslation("builder");
  return (
    <DraftSection title={t("sections.identity")}>
      <Row gutter={12}>
        <Col xs={24} sm={18}>
          <Form.Item name="name" label={t("fields.name")} rules={[{ required: true, message: t("new.nameRequired") }]}>
            <Input maxLength={200} />
          </Form.Item>
        </Col>
        <Col xs={24} sm={6}>
          <Form.Item name="avatar" label={t("fields.avatar")} tooltip={t("fields.avatarHelp")}>
            <Input maxLength={16} />
          </Form.Item>
        </Col>
      </Row>
      <Form.Item name="description" label={t("fields.description")}>
        <Input.TextArea rows={2} />
      </Form.Item>
    </DraftSection>
  );
}

export function VisibilitySection() {
  const { t } = useTranslation("builder");
  return (
    <DraftSection title={t("sections.visibility")}>
      <Form.Item name="visibility" label={t("fields.visibility")}>
        <Select options={["private", "department", "organization"].map((v) => ({ value: v, label: t(`visibility.${v}`) }))} />
      </Form.Item>
    </DraftSection>
  );
}
