// Creating or editing a knowledge base: name, description, owner department (at creation),
// visibility, classification, domain tags; the embedding profile is chosen at creation only.
import { Alert, App, Form, Input, Modal, Select } from "antd";
import { useTranslation } from "react-i18next";
import { useNavigate } from "react-router";

import { errorMessage } from "../../api/errors";
import { useAuth } from "../../auth/AuthProvider";
import { useOrganizationDepartments, useSaveKnowledgeBase, type KnowledgeBaseValues as Values } from "./api";
import type { KnowledgeBase } from "./shared";

export function KnowledgeBaseForm({
  knowledgeBase,
  onClose,
}: {
  knowledgeBase: KnowledgeBase | null;
  onClose: () => void;
}) {
  const { t } = useTranslation("knowledge");
  const auth = useAuth();
  const { message } = App.useApp();
  const navigate = useNavigate();
  const [form] = Form.useForm<Values>();
  const creating = knowledgeBase === null;

  // Org admins may create in any department; builders in those where they build.
  const departments = useOrganizationDepartments(creating && auth.isOrgAdmin);
  const departmentOptions = (auth.isOrgAdmin ? (departments.data ?? []) : auth.departmentsWith("builder")).map(
    (d) => ({ value: d.id, label: d.name }),
  );

  const save = useSaveKnowledgeBase(knowledgeBase, {
    onSuccess: (saved) => {
      message.success(creating ? t("form.created") : t("form.saved"));
      onClose();
      if (creating) navigate(`/knowledge/${saved.id}`);
    },
  });

  return (
    <Modal
      open
      title={creating ? t("form.createTitle") : t("form.editTitle", { name: knowledgeBase.name })}
      okText={creating ? t("common:actions.create") : t("common:actions.save")}
      cancelText={t("common:actions.cancel")}
      onOk={() => form.submit()}
      onCancel={onClose}
      confirmLoading={save.isPending}
      destroyOnHidden
    >
      {save.error && (
        <Alert type="error" showIcon role="alert" message={errorMessage(save.error)} style={{ marginBottom: 16 }} />
      )}
      <Form<Values>
        form={form}
        layout="vertical"
        requiredMark="optional"
        initialValues={{
          name: knowledgeBase?.name ?? "",
          description: knowledgeBase?.description ?? "",
          department: departmentOptions.length === 1 ? departmentOptions[0].value : undefined,
          visibility: knowledgeBase?.visibility ?? "department",
          classification: knowledgeBase?.classification ?? "internal",
          domain_tags: knowledgeBase?.domain_tags ?? [],
          embedding_provider: knowledgeBase?.embedding_provider ?? "local",
        }}
        onFinish={(values) => save.mutate(values)}
      >
        <Form.Item name="name" label={t("fields.name")} rules={[{ required: true, message: t("form.nameRequired") }]}>
          <Input maxLength={200} autoFocus />
        </Form.Item>
        <Form.Item name="description" label={t("fields.description")}>
          <Input.TextArea rows={3} />
        </Form.Item>
        {creating && departmentOptions.length > 1 && (
          <Form.Item
            name="department"
            label={t("fields.department")}
            rules={[{ required: true, message: t("form.departmentRequired") }]}
          >
            <Select options={departmentOptions} loading={departments.isLoading} showSearch optionFilterProp="label" />
          </Form.Item>
        )}
        <Form.Item name="visibility" label={t("fields.visibility")} extra={t("form.visibilityHelp")}>
          <Select
            options={(["private", "department", "organization"] as const).map((value) => ({
              value,
              label: t(`visibility.${value}`),
            }))}
          />
        </Form.Item>
        <Form.Item name="classification" label={t("fields.classification")}>
          <Select
            options={(["public", "internal", "confidential", "secret"] as const).map((value) => ({
              value,
              label: t(`classification.${value}`),
            }))}
          />
        </Form.Item>
        <Form.Item name="domain_tags" label={t("fields.domains")} extra={t("form.domainsHelp")}>
          <Select mode="tags" tokenSeparators={[","]} maxCount={20} open={false} suffixIcon={null} />
        </Form.Item>
        <Form.Item
          name="embedding_provider"
          label={t("fields.embedding")}
          extra={creating ? t("form.embeddingHelp") : t("form.embeddingFixed", { model: knowledgeBase.embedding_model })}
        >
          <Select
            disabled={!creating}
            options={[
              { value: "local", label: t("embedding.local") },
              { value: "openai", label: t("embedding.openai") },
            ]}
          />
        </Form.Item>
      </Form>
    </Modal>
  );
}
