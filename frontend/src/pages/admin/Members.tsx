// The department's members: add by email (a new account is created when there is none), change a
// role, remove.
import { UserAddOutlined } from "@ant-design/icons";
import { App, Button, Form, Input, Modal, Popconfirm, Select, Space, Table } from "antd";
import { useState } from "react";
import { useTranslation } from "react-i18next";

import { errorMessage } from "../../api/errors";
import { useAuth } from "../../auth/AuthProvider";
import { ErrorState, QueryError } from "../../components/PageState";
import { useAddMember, useChangeRole, useMembers, useRemoveMember, type Membership, type NewMember, type RoleName } from "./api";

const DEPARTMENT_ROLES: RoleName[] = ["member", "builder", "dept_admin"];

export function Members({ departmentId }: { departmentId: number }) {
  const { t } = useTranslation("admin");
  const { t: tc } = useTranslation();
  const { message } = App.useApp();
  const auth = useAuth();
  const [adding, setAdding] = useState(false);
  const [form] = Form.useForm<NewMember>();
  const query = useMembers(departmentId);
  const add = useAddMember(departmentId, {
    onSuccess: () => {
      message.success(t("members.added"));
      setAdding(false);
      form.resetFields();
    },
  });
  const changeRole = useChangeRole(departmentId, {
    onSuccess: () => message.success(t("members.roleChanged")),
    onError: (error) => message.error(errorMessage(error)),
  });
  const remove = useRemoveMember(departmentId, {
    onSuccess: () => message.success(t("members.removed")),
    onError: (error) => message.error(errorMessage(error)),
  });

  if (query.error) return <QueryError error={query.error} onRetry={() => void query.refetch()} />;
  return (
    <Space orientation="vertical" size="middle" style={{ width: "100%" }}>
      <Button type="primary" icon={<UserAddOutlined />} onClick={() => setAdding(true)}>
        {t("members.add")}
      </Button>
      <Table<Membership>
        rowKey="id"
        loading={query.isLoading}
        dataSource={query.data ?? []}
        locale={{ emptyText: t("members.empty") }}
        scroll={{ x: 640 }}
        pagination={{ pageSize: 50, hideOnSinglePage: true }}
        columns={[
          { title: t("members.name"), key: "name", render: (_, m) => m.user.full_name || "—" },
          { title: t("members.email"), key: "email", render: (_, m) => m.user.email },
          {
            title: t("members.role"),
            dataIndex: "role",
            render: (role: RoleName, m) =>
              DEPARTMENT_ROLES.includes(role) ? (
                <Select<RoleName>
                  aria-label={t("members.roleOf", { name: m.user.full_name || m.user.email })}
                  value={role}
                  style={{ width: 190 }}
                  disabled={m.user.id === auth.me?.id}
                  onChange={(value) => changeRole.mutate({ id: m.id, role: value })}
                  options={DEPARTMENT_ROLES.map((r) => ({ value: r, label: tc(`roles.${r}`) }))}
                />
              ) : (
                tc(`roles.${role}`)
              ),
          },
          {
            title: "",
            key: "actions",
            width: 100,
            render: (_, m) => (
              <Popconfirm
                title={t("members.confirmRemove", { name: m.user.full_name || m.user.email })}
                okText={tc("actions.delete")}
                cancelText={tc("actions.cancel")}
                onConfirm={() => remove.mutate(m.id)}
                disabled={m.user.id === auth.me?.id}
              >
                <Button danger size="small" disabled={m.user.id === auth.me?.id}>
                  {t("members.remove")}
                </Button>
              </Popconfirm>
            ),
          },
        ]}
      />
      <Modal
        open={adding}
        title={t("members.add")}
        onCancel={() => setAdding(false)}
        onOk={() => form.submit()}
        okText={t("members.addConfirm")}
        cancelText={tc("actions.cancel")}
        confirmLoading={add.isPending}
        destroyOnHidden
      >
        <Form form={form} layout="vertical" name="add-member" initialValues={{ role: "member" }} onFinish={(v) => add.mutate(v)}>
          {add.error && <ErrorState error={add.error} />}
          <Form.Item name="email" label={t("members.email")} rules={[{ required: true, type: "email", message: t("members.emailInvalid") }]}>
            <Input type="email" autoComplete="off" />
          </Form.Item>
          <Form.Item name="full_name" label={t("members.name")}>
            <Input />
          </Form.Item>
          <Form.Item name="role" label={t("members.role")}>
            <Select options={DEPARTMENT_ROLES.map((r) => ({ value: r, label: tc(`roles.${r}`) }))} />
          </Form.Item>
        </Form>
      </Modal>
    </Space>
  );
}
