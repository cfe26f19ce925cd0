// Sharing a knowledge base with other departments of the organization: "use in assistants" or
// "edit documents". The owner department always has every right.
import { DeleteOutlined } from "@ant-design/icons";
import { Alert, App, Button, Flex, Form, Select, Table, Typography } from "antd";
import { useTranslation } from "react-i18next";

import { errorMessage } from "../../api/errors";
import { EmptyState, QueryState } from "../../components/PageState";
import { useAddGrant, useGrants, useOrganizationDepartments, useRevokeGrant, type GrantPermission as Permission } from "./api";
import { formatDate } from "./text";
import type { Grant, KnowledgeBase } from "./shared";

export function GrantsPanel({ knowledgeBase, manage }: { knowledgeBase: KnowledgeBase; manage: boolean }) {
  const { t, i18n } = useTranslation("knowledge");
  const { message, modal } = App.useApp();
  const [form] = Form.useForm<{ department: number; permission: Permission }>();
  const kbId = knowledgeBase.id;
  const grants = useGrants(kbId);
  const departments = useOrganizationDepartments(true);
  const nameOf = (id: number) =>
    departments.data?.find((d) => d.id === id)?.name ?? t("sharing.departmentNumber", { id });
  const granted = new Set((grants.data ?? []).map((g) => g.department));
  const options = (departments.data ?? [])
    .filter((d) => d.id !== knowledgeBase.department && !granted.has(d.id))
    .map((d) => ({ value: d.id, label: d.name }));
  const add = useAddGrant(kbId, {
    onSuccess: () => {
      message.success(t("sharing.added"));
      form.resetFields();
    },
  });
  const revoke = useRevokeGrant(kbId, {
    onSuccess: () => message.success(t("sharing.revoked")),
    onError: (error) => message.error(errorMessage(error)),
  });

  return (
    <Flex vertical gap={16}>
      <Typography.Paragraph type="secondary" style={{ marginBottom: 0 }}>
        {t("sharing.intro", { department: knowledgeBase.department_name })}
      </Typography.Paragraph>
      {manage && (
        <Form form={form} layout="inline" onFinish={(values) => add.mutate(values)} initialValues={{ permission: "use" }}>
          <Form.Item
            name="department"
            label={t("fields.department")}
            rules={[{ required: true, message: t("form.departmentRequired") }]}
            style={{ minWidth: 280 }}
          >
            <Select
              options={options}
              loading={departments.isLoading}
              showSearch
              optionFilterProp="label"
              notFoundContent={t("sharing.noDepartments")}
            />
          </Form.Item>
          <Form.Item name="permission" label={t("sharing.permission")}>
            <Select
              style={{ minWidth: 200 }}
              options={(["use", "edit"] as const).map((value) => ({ value, label: t(`sharing.permissions.${value}`) }))}
            />
          </Form.Item>
          <Button type="primary" htmlType="submit" loading={add.isPending}>
            {t("sharing.add")}
          </Button>
        </Form>
      )}
      {add.error && <Alert type="error" showIcon role="alert" message={errorMessage(add.error)} />}
      <QueryState query={grants} isEmpty={(rows) => rows.length === 0} empty={<EmptyState description={t("sharing.empty")} />}>
        {(rows) => (
          <Table<Grant>
            rowKey="id"
            dataSource={rows}
            pagination={false}
            scroll={{ x: 600 }}
            columns={[
              { title: t("fields.department"), dataIndex: "department", render: (id: number) => nameOf(id) },
              {
                title: t("sharing.permission"),
                dataIndex: "permission",
                render: (value: Permission) => t(`sharing.permissions.${value}`),
              },
              {
                title: t("sharing.since"),
                dataIndex: "created_at",
                render: (value: string) => formatDate(value, i18n.language),
              },
              ...(manage
                ? [
                    {
                      title: t("fields.actions"),
                      key: "actions",
                      render: (_: unknown, grant: Grant) => (
                        <Button
                          danger
                          icon={<DeleteOutlined />}
                          aria-label={t("sharing.revokeNamed", { name: nameOf(grant.department) })}
                          onClick={() =>
                            modal.confirm({
                              title: t("sharing.revokeTitle", { name: nameOf(grant.department) }),
                              okText: t("sharing.revoke"),
                              okButtonProps: { danger: true },
                              cancelText: t("common:actions.cancel"),
                              onOk: () => revoke.mutateAsync(grant),
                            })
                          }
                        />
                      ),
                    },
                  ]
                : []),
            ]}
          />
        )}
      </QueryState>
    </Flex>
  );
}
