// Model providers: any OpenAI-compatible endpoint (OpenAI, Azure OpenAI, vLLM, Ollama, LM Studio).
// The key is write-only; the connection test lists the endpoint's models or says why it failed.
import { ApiOutlined, PlusOutlined } from "@ant-design/icons";
import { Alert, App, Button, Checkbox, Form, Input, Modal, Popconfirm, Select, Space, Switch, Table, Tag } from "antd";
import { useState } from "react";
import { useTranslation } from "react-i18next";

import { errorMessage } from "../../api/errors";
import { ErrorState, QueryError } from "../../components/PageState";
import {
  useDeleteProvider,
  useProviders,
  useSaveProvider,
  useTestProvider,
  type Classification,
  type ConnectionTest,
  type Provider,
  type ProviderForm,
} from "./api";

const CLASSIFICATIONS: Classification[] = ["public", "internal", "confidential", "secret"];

export function Providers() {
  const { t } = useTranslation("settings");
  const { t: tc } = useTranslation();
  const { message } = App.useApp();
  const [editing, setEditing] = useState<Provider | "new" | null>(null);
  const [tests, setTests] = useState<Record<number, ConnectionTest>>({});
  const [form] = Form.useForm<ProviderForm>();
  const query = useProviders();
  const save = useSaveProvider(editing, {
    onSuccess: () => {
      message.success(t("providers.saved"));
      setEditing(null);
    },
  });
  const test = useTestProvider({
    onSuccess: (result, id) => setTests((current) => ({ ...current, [id]: result })),
    onError: (error) => message.error(errorMessage(error)),
  });
  const remove = useDeleteProvider({
    onSuccess: () => message.success(t("providers.deleted")),
    onError: (error) => message.error(errorMessage(error)),
  });

  function open(provider: Provider | "new") {
    setEditing(provider);
    save.reset();
    form.setFieldsValue(
      provider === "new"
        ? { name: "", base_url: "", chat_models: [], embedding_models: [], default_chat_model: "", on_premises: false, allowed_classifications: ["public"], is_default: false }
        : {
            name: provider.name,
            base_url: provider.base_url,
            api_key: "",
            chat_models: (provider.chat_models as string[]) ?? [],
            embedding_models: (provider.embedding_models as string[]) ?? [],
            default_chat_model: provider.default_chat_model,
            on_premises: provider.on_premises,
            allowed_classifications: (provider.allowed_classifications as Classification[]) ?? [],
            is_default: provider.is_default,
          },
    );
  }

  if (query.error) return <QueryError error={query.error} onRetry={() => void query.refetch()} />;
  return (
    <Space orientation="vertical" size="middle" style={{ width: "100%" }}>
      <Button type="primary" icon={<PlusOutlined />} onClick={() => open("new")}>
        {t("providers.add")}
      </Button>
      <Table<Provider>
        rowKey="id"
        loading={query.isLoading}
        dataSource={query.data ?? []}
        locale={{ emptyText: t("providers.empty") }}
        scroll={{ x: 900 }}
        pagination={false}
        expandable={{
          expandedRowKeys: Object.keys(tests).map(Number),
          showExpandColumn: false,
          expandedRowRender: (row) => {
            const result = tests[row.id];
            if (!result) return null;
            return result.ok ? (
              <Alert type="success" showIcon title={t("providers.testOk", { count: result.models.length })} description={result.models.join(", ")} />
            ) : (
              <Alert type="error" showIcon title={t("providers.testFailed")} description={result.error} />
            );
          },
        }}
        columns={[
          {
            title: t("providers.name"),
            dataIndex: "name",
            render: (name: string, row) => (
              <Space>
                {name}
                {row.is_default && <Tag color="blue">{t("providers.default")}</Tag>}
              </Space>
            ),
          },
          { title: t("providers.baseUrl"), dataIndex: "base_url", ellipsis: true },
          { title: t("providers.chatModels"), dataIndex: "chat_models", render: (models: string[]) => (models ?? []).map((m) => <Tag key={m}>{m}</Tag>) },
          {
            title: t("providers.location"),
            dataIndex: "on_premises",
            render: (onPremises: boolean) => (
              <Tag color={onPremises ? "green" : "orange"}>{onPremises ? t("providers.onPremises") : t("providers.external")}</Tag>
            ),
          },
          {
            title: t("providers.classifications"),
            dataIndex: "allowed_classifications",
            render: (list: string[]) => (list ?? []).map((c) => <Tag key={c}>{t(`classification.${c}`)}</Tag>),
          },
          {
            title: "",
            key: "actions",
            width: 260,
            render: (_, row) => (
              <Space wrap>
                <Button size="small" icon={<ApiOutlined />} loading={test.isPending && test.variables === row.id} onClick={() => test.mutate(row.id)}>
                  {t("providers.test")}
                </Button>
                <Button size="small" onClick={() => open(row)}>
                  {tc("actions.edit")}
                </Button>
                <Popconfirm
                  title={t("providers.confirmDelete", { name: row.name })}
                  okText={tc("actions.delete")}
                  cancelText={tc("actions.cancel")}
                  onConfirm={() => remove.mutate(row.id)}
                >
                  <Button size="small" danger>
                    {tc("actions.delete")}
                  </Button>
                </Popconfirm>
              </Space>
            ),
          },
        ]}
      />
      <Modal
        open={editing !== null}
        title={editing === "new" ? t("providers.add") : t("providers.edit")}
        onCancel={() => setEditing(null)}
        onOk={() => form.submit()}
        okText={tc("actions.save")}
        cancelText={tc("actions.cancel")}
        confirmLoading={save.isPending}
        width={640}
        destroyOnHidden
      >
        <Form form={form} layout="vertical" name="provider" onFinish={(values) => save.mutate(values)}>
          {save.error && <ErrorState error={save.error} />}
          <Form.Item name="name" label={t("providers.name")} rules={[{ required: true, message: t("providers.required") }]}>
            <Input />
          </Form.Item>
          <Form.Item name="base_url" label={t("providers.baseUrl")} extra={t("providers.baseUrlHelp")} rules={[{ required: true, message: t("providers.required") }]}>
            <Input placeholder="http://vllm.noi-bo:8000/v1" />
          </Form.Item>
          <Form.Item name="api_key" label={t("providers.apiKey")} extra={editing !== "new" ? t("providers.apiKeyKeep") : undefined}>
            <Input.Password autoComplete="new-password" />
          </Form.Item>
          <Form.Item name="chat_models" label={t("providers.chatModels")}>
            <Select mode="tags" tokenSeparators={[","]} open={false} suffixIcon={null} />
          </Form.Item>
          <Form.Item name="default_chat_model" label={t("providers.defaultChatModel")}>
            <Input />
          </Form.Item>
          <Form.Item name="embedding_models" label={t("providers.embeddingModels")}>
            <Select mode="tags" tokenSeparators={[","]} open={false} suffixIcon={null} />
          </Form.Item>
          <Form.Item name="on_premises" label={t("providers.onPremisesLabel")} valuePropName="checked" extra={t("providers.onPremisesHelp")}>
            <Switch />
          </Form.Item>
          <Form.Item name="allowed_classifications" label={t("providers.classifications")} extra={t("providers.classificationsHelp")}>
            <Checkbox.Group options={CLASSIFICATIONS.map((c) => ({ value: c, label: t(`classification.${c}`) }))} />
          </Form.Item>
          <Form.Item name="is_default" label={t("providers.defaultLabel")} valuePropName="checked">
            <Switch />
          </Form.Item>
        </Form>
      </Modal>
    </Space>
  );
}
