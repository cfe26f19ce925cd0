// The department's API keys: create one (its secret is shown once, here, and never again), see when
// each was last used, revoke.
import { KeyOutlined } from "@ant-design/icons";
import { Alert, App, Button, Checkbox, DatePicker, Form, Input, Modal, Popconfirm, Space, Table, Tag, Typography } from "antd";
import dayjs from "dayjs";
import { useState } from "react";
import { useTranslation } from "react-i18next";

import { errorMessage } from "../../api/errors";
import { ErrorState, QueryError } from "../../components/PageState";
import { useApiKeys, useCreateApiKey, useRevokeApiKey, type ApiKey, type NewApiKey, type Scope } from "./api";

const SCOPES: Scope[] = ["chat", "read", "write"];

export function ApiKeys({ departmentId }: { departmentId: number }) {
  const { t } = useTranslation("admin");
  const { t: tc } = useTranslation();
  const { message } = App.useApp();
  const [creating, setCreating] = useState(false);
  const [secret, setSecret] = useState<string | null>(null);
  const [form] = Form.useForm<NewApiKey>();
  const query = useApiKeys(departmentId);
  const create = useCreateApiKey(departmentId, {
    onSuccess: (created) => {
      setCreating(false);
      form.resetFields();
      setSecret(created.key);
    },
  });
  const revoke = useRevokeApiKey(departmentId, {
    onSuccess: () => message.success(t("keys.revoked")),
    onError: (error) => message.error(errorMessage(error)),
  });
  const when = (value?: string | null) => (value ? dayjs(value).format("DD/MM/YYYY HH:mm") : "—");

  if (query.error) return <QueryError error={query.error} onRetry={() => void query.refetch()} />;
  return (
    <Space orientation="vertical" size="middle" style={{ width: "100%" }}>
      <Button type="primary" icon={<KeyOutlined />} onClick={() => setCreating(true)}>
        {t("keys.create")}
      </Button>
      <Table<ApiKey>
        rowKey="id"
        loading={query.isLoading}
        dataSource={query.data ?? []}
        locale={{ emptyText: t("keys.empty") }}
        scroll={{ x: 800 }}
        pagination={{ pageSize: 50, hideOnSinglePage: true }}
        columns={[
          { title: t("keys.name"), dataIndex: "name" },
          { title: t("keys.prefix"), dataIndex: "prefix", render: (p: string) => <Typography.Text code>{p}…</Typography.Text> },
          {
            title: t("keys.scopes"),
            dataIndex: "scopes",
            render: (scopes: Scope[]) => (scopes ?? []).map((s) => <Tag key={s}>{t(`keys.scope.${s}`)}</Tag>),
          },
          { title: t("keys.expires"), dataIndex: "expires_at", render: when },
          { title: t("keys.lastUsed"), dataIndex: "last_used_at", render: when },
          {
            title: t("keys.status"),
            dataIndex: "is_active",
            render: (active: boolean) => <Tag color={active ? "green" : "default"}>{active ? t("keys.active") : t("keys.inactive")}</Tag>,
          },
          {
            title: "",
            key: "actions",
            width: 110,
            render: (_, row) =>
              row.is_active ? (
                <Popconfirm
                  title={t("keys.confirmRevoke", { name: row.name })}
                  okText={t("keys.revoke")}
                  cancelText={tc("actions.cancel")}
                  onConfirm={() => revoke.mutate(row.id)}
                >
                  <Button danger size="small">
                    {t("keys.revoke")}
                  </Button>
                </Popconfirm>
              ) : null,
          },
        ]}
      />
      <Modal
        open={creating}
        title={t("keys.create")}
        onCancel={() => setCreating(false)}
        onOk={() => form.submit()}
        okText={t("keys.createConfirm")}
        cancelText={tc("actions.cancel")}
        confirmLoading={create.isPending}
        destroyOnHidden
      >
        <Form form={form} layout="vertical" name="create-key" initialValues={{ scopes: ["chat"] }} onFinish={(v) => create.mutate(v)}>
          {create.error && <ErrorState error={create.error} />}
          <Form.Item name="name" label={t("keys.name")} rules={[{ required: true, message: t("keys.nameRequired") }]}>
            <Input />
          </Form.Item>
          {/* required={false}: antd would put aria-required on the group's plain div, which ARIA forbids;
              the rule still insists on one scope. */}
          <Form.Item name="scopes" label={t("keys.scopes")} required={false} rules={[{ required: true, message: t("keys.scopesRequired") }]}>
            <Checkbox.Group options={SCOPES.map((s) => ({ value: s, label: t(`keys.scope.${s}`) }))} />
          </Form.Item>
          <Form.Item name="expires" label={t("keys.expires")}>
            <DatePicker format="DD/MM/YYYY" disabledDate={(d) => d.isBefore(dayjs(), "day")} />
          </Form.Item>
        </Form>
      </Modal>
      <Modal
        open={secret !== null}
        title={t("keys.createdTitle")}
        onCancel={() => setSecret(null)}
        destroyOnHidden
        footer={
          <Button type="primary" onClick={() => setSecret(null)}>
            {t("keys.savedIt")}
          </Button>
        }
      >
        <Space orientation="vertical" style={{ width: "100%" }}>
          <Alert type="warning" showIcon title={t("keys.shownOnce")} />
          <Typography.Paragraph copyable={{ text: secret ?? "" }} code data-testid="new-api-key">
            {secret}
          </Typography.Paragraph>
        </Space>
      </Modal>
    </Space>
  );
}
