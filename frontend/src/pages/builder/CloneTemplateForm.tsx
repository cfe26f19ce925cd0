// A template made into an assistant: the builder names it (unique in its department) and gives it
// its knowledge, an existing base or a new one filled with files, before anything is created.
import { ArrowLeftOutlined } from "@ant-design/icons";
import { useQueryClient } from "@tanstack/react-query";
import { Alert, App, Button, Form, Input, Radio, Select, Space, Typography } from "antd";
import { useTranslation } from "react-i18next";

import { ApiError, errorMessage } from "../../api/errors";
import { WarningList } from "../../components/WarningList";
import { fetchAssistants, keys, useCloneTemplate, useKnowledgeBases, type CloneRequest, type Template, type TemplateCloneResult } from "./api";
import { nameTaken } from "./cloneName";

type KnowledgeChoice = "existing" | "create" | "later";

interface CloneValues {
  name: string;
  department?: number;
  knowledge: KnowledgeChoice;
  existing?: number;
  newBase?: string;
}

export function CloneTemplateForm({
  template,
  departments,
  onBack,
  onCloned,
}: {
  template: Template;
  departments: { id: number; name: string }[];
  onBack: () => void;
  onCloned: (result: TemplateCloneResult) => void;
}) {
  const { t } = useTranslation("builder");
  const { modal } = App.useApp();
  const [form] = Form.useForm<CloneValues>();
  const client = useQueryClient();
  const knowledgeBases = useKnowledgeBases();
  const choice = Form.useWatch("knowledge", form) as KnowledgeChoice | undefined;
  const department = (Form.useWatch("department", form) as number | undefined) ?? departments[0]?.id;

  const clone = useCloneTemplate({
    onSuccess: (result) => {
      // What the clone still lacks (knowledge, tools this server has not) must be read, not missed.
      if (result.warnings.length) {
        modal.warning({
          title: t("clone.createdWithWarnings", { name: result.assistant.name }),
          content: <WarningList warnings={result.warnings} />,
        });
      }
      onCloned(result);
    },
    onError: (error) => {
      if (error instanceof ApiError && Array.isArray(error.details.name)) {
        form.setFields([{ name: "name", errors: (error.details.name as unknown[]).map(String) }]);
      }
    },
  });

  function submit(values: CloneValues) {
    const input = document.getElementById("clone-files") as HTMLInputElement | null;
    const chosen = Array.from(input?.files ?? []);
    let knowledge: CloneRequest["knowledge"] = null;
    if (values.knowledge === "existing" && values.existing) knowledge = { existing: values.existing };
    if (values.knowledge === "create") knowledge = { create: (values.newBase ?? "").trim(), files: chosen };
    clone.mutate({ template, name: values.name.trim(), department, knowledge });
  }

  const usable = (knowledgeBases.data ?? []).filter((kb) => department === undefined || kb.department === department || kb.visibility === "organization");
  const nameError = clone.error instanceof ApiError && Array.isArray(clone.error.details.name);

  return (
    <Form<CloneValues>
      form={form}
      name="clone"
      layout="vertical"
      requiredMark="optional"
      initialValues={{
        name: template.name,
        department: departments[0]?.id,
        knowledge: template.knowledge || template.knowledge_only ? "existing" : "later",
        newBase: template.name,
      }}
      onFinish={submit}
    >
      <Space style={{ marginBottom: 8 }}>
        <Button type="text" icon={<ArrowLeftOutlined />} onClick={onBack}>
          {t("clone.back")}
        </Button>
      </Space>
      <Typography.Title level={3} style={{ fontSize: 16, marginTop: 0 }}>
        <span aria-hidden="true">{template.avatar} </span>
        {t("clone.title", { name: template.name })}
      </Typography.Title>
      <Form.Item
        name="name"
        label={t("clone.name")}
        extra={t("clone.nameHelp")}
        rules={[
          { required: true, whitespace: true, message: t("new.nameRequired") },
          {
            // The department's assistants as last read (the list behind this dialog has them).
            validator: async (_, value: string) => {
              const assistants = await client.ensureQueryData({ queryKey: keys.assistants, queryFn: fetchAssistants });
              if (nameTaken(assistants, department, value)) throw new Error(t("clone.nameTaken", { name: value.trim() }));
            },
          },
        ]}
      >
        <Input maxLength={200} autoFocus />
      </Form.Item>
      {departments.length > 1 && (
        <Form.Item name="department" label={t("fields.department")}>
          <Select options={departments.map((d) => ({ value: d.id, label: d.name }))} onChange={() => void form.validateFields(["name"])} />
        </Form.Item>
      )}
      <Form.Item name="knowledge" label={t("clone.knowledge")} extra={template.knowledge_hint || undefined}>
        <Radio.Group
          options={[
            { value: "existing", label: t("clone.existing") },
            { value: "create", label: t("clone.create") },
            { value: "later", label: t("clone.later") },
          ]}
        />
      </Form.Item>
      {choice === "existing" && (
        <Form.Item name="existing" label={t("clone.chooseBase")} rules={[{ required: true, message: t("clone.chooseBaseRequired") }]}>
          <Select
            showSearch
            optionFilterProp="label"
            loading={knowledgeBases.isLoading}
            notFoundContent={t("clone.noBases")}
            options={usable.map((kb) => ({ value: kb.id, label: `${kb.name} (${kb.department_name})` }))}
          />
        </Form.Item>
      )}
      {choice === "create" && (
        <>
          <Form.Item name="newBase" label={t("clone.newBase")} rules={[{ required: true, whitespace: true, message: t("clone.newBaseRequired") }]}>
            <Input maxLength={200} />
          </Form.Item>
          <Form.Item label={t("clone.files")} htmlFor="clone-files" extra={t("clone.filesHelp")}>
            <input id="clone-files" type="file" multiple />
          </Form.Item>
        </>
      )}
      {choice === "later" && template.knowledge_only && (
        <Alert type="warning" showIcon title={t("clone.needsKnowledge")} style={{ marginBottom: 12 }} />
      )}
      {clone.error && !nameError && <Alert type="error" showIcon title={errorMessage(clone.error)} style={{ marginBottom: 12 }} />}
      <Button type="primary" htmlType="submit" loading={clone.isPending}>
        {t("clone.submit")}
      </Button>
    </Form>
  );
}
