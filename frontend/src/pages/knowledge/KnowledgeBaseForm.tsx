// Creating or editing a knowledge base: name, description, owner department (at creation),
// visibility, classification, domain tags; the embedding profile is chosen at creation only.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Alert, App, Form, Input, Modal, Select } from "antd";
import { useTranslation } from "react-i18next";
import { useNavigate } from "react-router";

import { api } from "../../api/client";
import { errorMessage, unwrap } from "../../api/errors";
import type { components } from "../../api/schema";
import { useAuth } from "../../auth/AuthProvider";
import { knowledgeKeys, type KnowledgeBase } from "./shared";

type Write = components["schemas"]["KnowledgeBaseWriteRequest"];

interface Values {
  name: string;
  description?: string;
  department?: number;
  visibility: Write["visibility"];
  classification: Write["classification"];
  domain_tags: string[];
  embedding_provider: Write["embedding_provider"];
}

/** Every department of my organization (id and name), whatever my role: owners to create in
 * (org admins) and departments to share with. */
export function useOrganizationDepartments(enabled: boolean) {
  return useQuery({
    queryKey: knowledgeKeys.departments,
    enabled,
    queryFn: async () => unwrap(await api.GET("/api/v1/knowledge-catalog/departments/")),
  });
}

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
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const [form] = Form.useForm<Values>();
  const creating = knowledgeBase === null;

  // Org admins may create in any department; builders in those where they build.
  const departments = useOrganizationDepartments(creating && auth.isOrgAdmin);
  const departmentOptions = (auth.isOrgAdmin ? (departments.data ?? []) : auth.departmentsWith("builder")).map(
    (d) => ({ value: d.id, label: d.name }),
  );

  const save = useMutation({
    mutationFn: async (values: Values) => {
      if (creating) {
        return unwrap(await api.POST("/api/v1/knowledge-bases/", { body: values as Write }));
      }
      const { embedding_provider: _profile, department: _department, ...changes } = values;
      return unwrap(
        await api.PATCH("/api/v1/knowledge-bases/{kb_id}/", {
          params: { path: { kb_id: knowledgeBase.id } },
          body: changes,
        }),
      );
    },
    onSuccess: (saved) => {
      message.success(creating ? t("form.created") : t("form.saved"));
      void queryClient.invalidateQueries({ queryKey: ["knowledge"] });
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
