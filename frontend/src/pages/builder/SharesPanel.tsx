// Who else sees or edits the assistant: people (by email) and departments, as viewer or editor.
// Only the owner department's builders (and org admins) manage this; the API checks it too.
import { DeleteOutlined } from "@ant-design/icons";
import { Alert, Button, Form, Input, List, Radio, Select, Space, Tag, Typography } from "antd";
import { useState } from "react";
import { useTranslation } from "react-i18next";

import { ApiError, errorMessage } from "../../api/errors";
import { QueryState } from "../../components/PageState";
import { useAddShare, useRemoveShare, useShareDepartments, useShares, type NewShare as ShareValues } from "./api";

export function SharesPanel({ assistantId, canManage }: { assistantId: number; canManage: boolean }) {
  const { t } = useTranslation("builder");
  const [form] = Form.useForm<ShareValues>();
  const [who, setWho] = useState<"email" | "department">("email");
  const shares = useShares(assistantId);
  const departments = useShareDepartments(canManage);

  const add = useAddShare(assistantId, {
    onSuccess: () => form.resetFields(["email", "department"]),
    onError: (error) => {
      if (error instanceof ApiError) {
        form.setFields(
          Object.entries(error.details)
            .filter(([name]) => name === "email" || name === "department")
            .map(([name, errors]) => ({ name: name as "email", errors: (errors as string[]).map(String) })),
        );
      }
    },
  });
  const remove = useRemoveShare(assistantId);

  return (
    <div>
      <QueryState query={shares}>
        {(list) =>
          list.length === 0 ? (
            <Typography.Paragraph type="secondary">{t("shares.none")}</Typography.Paragraph>
          ) : (
            <List
              size="small"
              dataSource={list}
              renderItem={(share) => (
                <List.Item
                  actions={
                    canManage
                      ? [
                          <Button
                            key="remove"
                            size="small"
                            danger
                            icon={<DeleteOutlined />}
                            aria-label={t("shares.remove", { who: share.email ?? share.department_name })}
                            onClick={() => remove.mutate(share.id)}
                          />,
                        ]
                      : []
                  }
                >
                  <Space>
                    <span>{share.email ?? share.department_name}</span>
                    <Tag className={share.role === "editor" ? "builder-tag-blue" : undefined}>{t(`shares.roles.${share.role}`)}</Tag>
                  </Space>
                </List.Item>
              )}
            />
          )
        }
      </QueryState>
      {remove.error && <Alert type="error" showIcon title={errorMessage(remove.error)} />}
      {canManage && (
        <Form
          form={form}
          layout="vertical"
          initialValues={{ who: "email", role: "viewer" }}
          onFinish={(values) => add.mutate(values)}
          style={{ marginTop: 12 }}
          component="div"
        >
          <Form.Item name="who" label={t("shares.who")}>
            <Radio.Group onChange={(e) => setWho(e.target.value as "email" | "department")}>
              <Radio.Button value="email">{t("shares.person")}</Radio.Button>
              <Radio.Button value="department">{t("shares.department")}</Radio.Button>
            </Radio.Group>
          </Form.Item>
          <Space wrap align="start">
            {who === "email" ? (
              <Form.Item name="email" label={t("shares.email")} rules={[{ required: true, type: "email", message: t("shares.emailRequired") }]}>
                <Input style={{ width: 260 }} />
              </Form.Item>
            ) : (
              <Form.Item name="department" label={t("shares.department")} rules={[{ required: true, message: t("shares.departmentRequired") }]}>
                <Select style={{ width: 260 }} options={(departments.data ?? []).map((d) => ({ value: d.id, label: d.name }))} />
              </Form.Item>
            )}
            <Form.Item name="role" label={t("shares.role")}>
              <Select style={{ width: 160 }} options={["viewer", "editor"].map((r) => ({ value: r, label: t(`shares.roles.${r}`) }))} />
            </Form.Item>
          </Space>
          {add.error && !(add.error instanceof ApiError && (add.error.details.email || add.error.details.department)) && (
            <Alert type="error" showIcon title={errorMessage(add.error)} style={{ marginBottom: 8 }} />
          )}
          <Button onClick={() => form.submit()} loading={add.isPending}>
            {t("shares.add")}
          </Button>
        </Form>
      )}
    </div>
  );
}
