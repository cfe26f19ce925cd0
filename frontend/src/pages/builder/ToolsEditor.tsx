// The assistant's tools: add a kind, name it, set it up. An HTTP action takes an OpenAPI document
// (its operations can be listed and one of them tried through the server's URL guard).
import { DeleteOutlined, PlusOutlined } from "@ant-design/icons";
import { Alert, Button, Card, Descriptions, Form, Input, Select, Space, Table, Tag, Typography } from "antd";
import { useState } from "react";
import { useTranslation } from "react-i18next";

import { errorMessage } from "../../api/errors";
import { useOpenApiOperations, useToolTest, type ToolForm, type ToolKind } from "./api";
import { freshToolName, settingsOf } from "./tools";

// Text that is not a JSON object stays in the tool as typed (`invalidSettings`): the editor refuses
// to save it rather than send the last valid settings as if they were what the builder wrote.
function SettingsJson({ tool, onChange, label, id }: { tool: ToolForm; onChange: (t: ToolForm) => void; label: string; id: string }) {
  const { t } = useTranslation("builder");
  const [text, setText] = useState(() => tool.invalidSettings ?? JSON.stringify(tool.settings, null, 2));
  const bad = tool.invalidSettings !== undefined;
  return (
    <Form.Item label={label} htmlFor={id} validateStatus={bad ? "error" : undefined} help={bad ? t("tools.badJson") : t("tools.settingsHelp")}>
      <Input.TextArea
        id={id}
        rows={3}
        value={text}
        aria-invalid={bad}
        onChange={(e) => {
          setText(e.target.value);
          const settings = settingsOf(e.target.value);
          const { invalidSettings: _typed, ...rest } = tool;
          onChange(settings ? { ...rest, settings } : { ...tool, invalidSettings: e.target.value });
        }}
        style={{ fontFamily: "monospace" }}
      />
    </Form.Item>
  );
}

function HttpActionSettings({ tool, onChange, assistantId }: { tool: ToolForm; onChange: (t: ToolForm) => void; assistantId: number }) {
  const { t } = useTranslation("builder");
  const settings = tool.settings;
  const auth = (settings.auth as { type?: string } | undefined) ?? { type: "none" };
  const set = (changes: Record<string, unknown>) => onChange({ ...tool, settings: { ...settings, ...changes } });
  const [operation, setOperation] = useState<string>();
  const [argumentsText, setArgumentsText] = useState("{}");

  const parse = useOpenApiOperations(assistantId, {
    onSuccess: (data) => setOperation((current) => current ?? data.operations[0]?.function),
  });
  const test = useToolTest(assistantId);
  const runTest = () => test.mutate({ tool, operation: operation ?? "", argumentsText });
  const id = `tool-${tool.name}`;

  return (
    <>
      <Form.Item label={t("tools.openapi")} htmlFor={`${id}-doc`} help={t("tools.openapiHelp")}>
        <Input.TextArea
          id={`${id}-doc`}
          rows={6}
          value={typeof settings.openapi === "string" ? settings.openapi : ""}
          onChange={(e) => set({ openapi: e.target.value })}
          style={{ fontFamily: "monospace" }}
        />
      </Form.Item>
      <Form.Item label={t("tools.allowedHosts")} htmlFor={`${id}-hosts`} help={t("tools.allowedHostsHelp")}>
        <Select
          id={`${id}-hosts`}
          mode="tags"
          value={(settings.allowed_hosts as string[] | undefined) ?? []}
          onChange={(hosts) => set({ allowed_hosts: hosts })}
          tokenSeparators={[",", " "]}
          open={false}
          suffixIcon={null}
        />
      </Form.Item>
      <Space wrap align="start">
        <Form.Item label={t("tools.auth")} htmlFor={`${id}-auth`}>
          <Select
            id={`${id}-auth`}
            style={{ width: 200 }}
            value={auth.type ?? "none"}
            onChange={(type) => set({ auth: { ...auth, type } })}
            options={["none", "api_key", "bearer"].map((v) => ({ value: v, label: t(`tools.authTypes.${v}`) }))}
          />
        </Form.Item>
        {auth.type && auth.type !== "none" && (
          <Form.Item label={t("tools.secret")} htmlFor={`${id}-secret`} help={tool.has_secret ? t("tools.secretKept") : undefined}>
            <Input.Password
              id={`${id}-secret`}
              style={{ width: 260 }}
              value={tool.secret ?? ""}
              autoComplete="off"
              onChange={(e) => onChange({ ...tool, secret: e.target.value || undefined })}
            />
          </Form.Item>
        )}
      </Space>
      <Space wrap style={{ marginBottom: 8 }}>
        <Button onClick={() => parse.mutate(settings.openapi)} loading={parse.isPending}>
          {t("tools.listOperations")}
        </Button>
      </Space>
      {parse.error && <Alert type="error" showIcon title={errorMessage(parse.error)} style={{ marginBottom: 8 }} />}
      {parse.data && (
        <>
          <Table
            size="small"
            rowKey="function"
            pagination={false}
            scroll={{ x: 520 }}
            dataSource={parse.data.operations}
            columns={[
              { title: t("tools.operation"), dataIndex: "function" },
              { title: t("tools.method"), dataIndex: "method", render: (m: string) => <Tag>{m}</Tag>, width: 90 },
              { title: t("tools.path"), dataIndex: "path" },
              { title: t("tools.summary"), dataIndex: "summary" },
            ]}
          />
          <Card size="small" title={t("tools.testTitle")} style={{ marginTop: 8 }}>
            <Form.Item label={t("tools.operation")} htmlFor={`${id}-op`}>
              <Select
                id={`${id}-op`}
                value={operation}
                onChange={setOperation}
                options={parse.data.operations.map((op) => ({ value: op.function, label: `${op.method} ${op.path} (${op.function})` }))}
              />
            </Form.Item>
            <Form.Item label={t("tools.arguments")} htmlFor={`${id}-args`} help={t("tools.argumentsHelp")}>
              <Input.TextArea id={`${id}-args`} rows={3} value={argumentsText} onChange={(e) => setArgumentsText(e.target.value)} style={{ fontFamily: "monospace" }} />
            </Form.Item>
            <Button onClick={runTest} loading={test.isPending} disabled={!operation}>
              {t("tools.runTest")}
            </Button>
            {test.error && <Alert type="error" showIcon title={errorMessage(test.error)} style={{ marginTop: 8 }} />}
            {test.data && (
              <Descriptions size="small" column={1} style={{ marginTop: 8 }} bordered>
                <Descriptions.Item label={t("tools.result")}>
                  <Tag className={`builder-tag-${test.data.status === "succeeded" ? "green" : test.data.status === "refused" ? "red" : "orange"}`}>
                    {t(`tools.status.${test.data.status}`)}
                  </Tag>
                  {test.data.status_code !== null && `HTTP ${test.data.status_code}`}
                </Descriptions.Item>
                {test.data.error && <Descriptions.Item label={t("tools.error")}>{test.data.error}</Descriptions.Item>}
                <Descriptions.Item label={t("tools.body")}>
                  <pre className="builder-pre">{test.data.body || "—"}</pre>
                  {test.data.truncated && <Typography.Text type="secondary">{t("tools.truncated")}</Typography.Text>}
                </Descriptions.Item>
              </Descriptions>
            )}
          </Card>
        </>
      )}
    </>
  );
}

export function ToolsEditor({
  value = [],
  onChange,
  kinds,
  assistantId,
  errors,
}: {
  value?: ToolForm[];
  onChange?: (tools: ToolForm[]) => void;
  kinds: ToolKind[];
  assistantId: number;
  errors: Record<string, string[]>;
}) {
  const { t } = useTranslation("builder");
  const [adding, setAdding] = useState<string>();
  const label = (kind: string) => t(`tools.kinds.${kind}`, { defaultValue: kinds.find((k) => k.kind === kind)?.label ?? kind });
  const update = (index: number, tool: ToolForm) => onChange?.(value.map((current, i) => (i === index ? tool : current)));

  function add() {
    if (!adding) return;
    const name = freshToolName(adding, value.map((tool) => tool.name));
    const settings: Record<string, unknown> =
      adding === "http_action" ? { openapi: "", allowed_hosts: [], auth: { type: "none" } } : {};
    onChange?.([...value, { kind: adding, name, settings }]);
    setAdding(undefined);
  }

  return (
    <div>
      {value.length === 0 && <Typography.Paragraph type="secondary">{t("tools.none")}</Typography.Paragraph>}
      {value.map((tool, index) => (
        <Card
          key={index}
          size="small"
          style={{ marginBottom: 12 }}
          title={
            <Space>
              <Tag>{label(tool.kind)}</Tag>
              <span>{tool.name}</span>
            </Space>
          }
          extra={
            <Button
              size="small"
              danger
              icon={<DeleteOutlined />}
              aria-label={t("tools.remove", { name: tool.name })}
              onClick={() => onChange?.(value.filter((_, i) => i !== index))}
            />
          }
        >
          {errors[String(index)] && (
            <Alert type="error" showIcon title={errors[String(index)].join(" ")} style={{ marginBottom: 8 }} role="alert" />
          )}
          <Form.Item label={t("tools.name")} htmlFor={`tool-name-${index}`} help={t("tools.nameHelp")}>
            <Input id={`tool-name-${index}`} value={tool.name} maxLength={64} onChange={(e) => update(index, { ...tool, name: e.target.value })} />
          </Form.Item>
          {tool.kind === "http_action" ? (
            <HttpActionSettings tool={tool} onChange={(next) => update(index, next)} assistantId={assistantId} />
          ) : (
            <SettingsJson tool={tool} onChange={(next) => update(index, next)} label={t("tools.settings")} id={`tool-settings-${index}`} />
          )}
        </Card>
      ))}
      <Space.Compact>
        <Select
          style={{ width: 260 }}
          placeholder={t("tools.chooseKind")}
          aria-label={t("tools.chooseKind")}
          value={adding}
          onChange={setAdding}
          options={kinds.map((k) => ({ value: k.kind, label: label(k.kind) }))}
        />
        <Button icon={<PlusOutlined />} onClick={add} disabled={!adding}>
          {t("tools.add")}
        </Button>
      </Space.Compact>
    </div>
  );
}
