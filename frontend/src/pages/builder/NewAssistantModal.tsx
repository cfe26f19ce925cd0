// A new assistant: from a template of the gallery (cloned as a draft) or from a blank page.
import { Alert, Button, Card, Col, Form, Input, Modal, Row, Select, Tabs, Tag, Typography } from "antd";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { useNavigate } from "react-router";

import { ApiError, errorMessage } from "../../api/errors";
import { useAuth } from "../../auth/AuthProvider";
import { QueryState } from "../../components/PageState";
import { useCreateAssistant, useTemplates, type Template } from "./api";
import { CloneTemplateForm } from "./CloneTemplateForm";

interface ScratchValues {
  name: string;
  description?: string;
  department?: number;
}

export function NewAssistantModal({ open, onClose }: { open: boolean; onClose: () => void }) {
  const { t } = useTranslation("builder");
  const auth = useAuth();
  const navigate = useNavigate();
  const [form] = Form.useForm<ScratchValues>();
  const [tab, setTab] = useState("scratch");
  const departments = auth.departmentsWith("builder");
  const templates = useTemplates(open);
  const department = () => (departments.length >= 1 ? (form.getFieldValue("department") ?? departments[0].id) : undefined);

  const done = (id: number) => {
    onClose();
    form.resetFields();
    navigate(`/builder/${id}`);
  };

  const create = useCreateAssistant({
    onSuccess: (assistant) => done(assistant.id),
    onError: (error) => {
      if (error instanceof ApiError) {
        form.setFields(
          Object.entries(error.details).map(([name, errors]) => ({
            name: name as keyof ScratchValues,
            errors: (errors as string[]).map(String),
          })),
        );
      }
    },
  });

  const [chosen, setChosen] = useState<Template | null>(null);

  return (
    <Modal open={open} onCancel={() => { setChosen(null); onClose(); }} title={t("new.title")} footer={null} width={840} destroyOnHidden>
      <Tabs
        activeKey={tab}
        onChange={setTab}
        items={[
          {
            key: "scratch",
            label: t("new.scratch"),
            children: (
              <Form form={form} layout="vertical" onFinish={(values) => create.mutate({ ...values, department: values.department ?? department() })} requiredMark="optional">
                <Form.Item name="name" label={t("fields.name")} rules={[{ required: true, message: t("new.nameRequired") }]}>
                  <Input maxLength={200} autoFocus />
                </Form.Item>
                <Form.Item name="description" label={t("fields.description")}>
                  <Input.TextArea rows={2} />
                </Form.Item>
                {departments.length > 1 && (
                  <Form.Item name="department" label={t("fields.department")} initialValue={departments[0].id}>
                    <Select options={departments.map((d) => ({ value: d.id, label: d.name }))} />
                  </Form.Item>
                )}
                {create.error && !(create.error instanceof ApiError && Object.keys(create.error.details).length) && (
                  <Alert type="error" showIcon title={errorMessage(create.error)} style={{ marginBottom: 12 }} />
                )}
                <Button type="primary" htmlType="submit" loading={create.isPending}>
                  {t("new.create")}
                </Button>
              </Form>
            ),
          },
          {
            key: "template",
            label: t("new.fromTemplate"),
            children: (
              chosen ? (
                <CloneTemplateForm
                  template={chosen}
                  departments={departments.map((d) => ({ id: d.id, name: d.name }))}
                  onBack={() => setChosen(null)}
                  onCloned={(result) => {
                    setChosen(null);
                    done(result.assistant.id);
                  }}
                />
              ) : (
                <QueryState query={templates} isEmpty={(list) => list.length === 0}>
                  {(list) => (
                    <Row gutter={[12, 12]}>
                      {list.map((template) => (
                        <Col xs={24} md={12} key={template.slug}>
                          <Card size="small" style={{ height: "100%" }}>
                            <Typography.Title level={3} style={{ fontSize: 16, marginTop: 0 }}>
                              <span aria-hidden="true">{template.avatar} </span>
                              {template.name}
                            </Typography.Title>
                            <Typography.Paragraph type="secondary" ellipsis={{ rows: 3 }}>
                              {template.description}
                            </Typography.Paragraph>
                            <div style={{ marginBottom: 8 }}>
                              {template.tags.map((tag) => (
                                <Tag key={tag}>{tag}</Tag>
                              ))}
                            </div>
                            <Button onClick={() => setChosen(template)} aria-label={t("new.useTemplate", { name: template.name })}>
                              {t("new.use")}
                            </Button>
                          </Card>
                        </Col>
                      ))}
                    </Row>
                  )}
                </QueryState>
              )
            ),
          },
        ]}
      />
    </Modal>
  );
}
