// Who else sees or edits the assistant: people (by email) and departments, as viewer or editor.
// Only the owner department's builders (and org admins) manage this; the API checks it too.
import { DeleteOutlined } from "@ant-design/icons";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Alert, Button, Form, Input, List, Radio, Select, Space, Tag, Typography } from "antd";
import { useState } from "react";
import { useTranslation } from "react-i18next";

import { api } from "../../api/client";
import { ApiError, errorMessage, unwrap } from "../../api/errors";
import { rowsOf } from "../../api/paginated";
import { QueryState } from "../../components/PageState";
import { fetchShares, keys } from "./api";

interface ShareValues {
  who: "email" | "department";
  email?: string;
  department?: number;
  role: "viewer" | "editor";
}

export function SharesPanel({ assistantId, canManage }: { assistantId: number; canManage: boolean }) {
  const { t } = useTranslation("builder");
  const queryClient = useQueryClient();
  const [form] = Form.useForm<ShareValues>();
  const [who, setWho] = useState<"email" | "department">("email");
  const shares = useQuery({ queryKey: keys.shares(assistantId), queryFn: () => fetchShares(assistantId) });
  const departments = useQuery({
    queryKey: ["builder", "departments"],
    queryFn: async () => rowsOf(unwrap(await api.GET("/api/v1/departments/"))),
    enabled: canManage,
  });

  const add = useMutation({
    mutationFn: async (values: ShareValues) =>
      unwrap(
        await api.POST("/api/v1/assistants/{assistant_id}/shares/", {
          params: { path: { assistant_id: assistantId } },
          body: values.who === "email" ? { email: values.email, role: values.role } : { department: values.department, role: values.role },
        }),
      ),
    onSuccess: async () => {
      form.resetFields(["email", "department"]);
      // A share widens the audience: the draft's audience warnings change with it.
      await Promise.all([
        queryClient.invalidateQueries({ queryKey: keys.shares(assistantId) }),
        queryClient.invalidateQueries({ queryKey: keys.draft(assistantId) }),
      ]);
    },
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

  const remove = useMutation({
    mutationFn: async (shareId: number) =>
      unwrap(
        await api.DELETE("/api/v1/assistants/{assistant_id}/shares/{share_id}/", {
          params: { path: { assistant_id: assistantId, share_id: shareId } },
        }),
      ),
    onSuccess: () =>
      Promise.all([
        queryClient.invalidateQueries({ queryKey: keys.shares(assistantId) }),
        queryClient.invalidateQueries({ queryKey: keys.draft(assistantId) }),
      ]),
  });

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
