// The editor of one assistant: its draft's configuration beside a live preview chat, publishing,
// the version history with diffs and rollback, and sharing. Saving is explicit; leaving with
// unsaved changes asks first.
import { ArrowLeftOutlined, DownloadOutlined, MinusCircleOutlined, PlusOutlined } from "@ant-design/icons";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Alert, App, Button, Card, Col, Form, Input, InputNumber, Row, Select, Space, Switch, Tabs, Tag, Tooltip, Typography } from "antd";
import { useEffect, useMemo, useState } from "react";
import { useTranslation } from "react-i18next";
import { useNavigate, useParams } from "react-router";

import { api } from "../../api/client";
import { ApiError, errorMessage, unwrap } from "../../api/errors";
import { ErrorState, Loading } from "../../components/PageState";
import { WarningList } from "../../components/WarningList";
import {
  fetchAssistant,
  fetchDraft,
  fetchKnowledgeBases,
  fetchProviders,
  fetchToolKinds,
  keys,
  type AssistantDetail,
  type Draft,
  type KnowledgeBase,
  type ModelProvider,
  type ToolKind,
} from "./api";
import { downloadJson } from "./download";
import { changesOf, fieldErrors, isDirty, rebase, toolErrors, valuesOf, type EditorValues } from "./editorForm";
import { PreviewChat } from "./PreviewChat";
import { PublishModal } from "./PublishModal";
import { SharesPanel } from "./SharesPanel";
import { ToolsEditor } from "./ToolsEditor";
import { VersionsPanel } from "./VersionsPanel";

const SECTION = { style: { marginBottom: 16 } } as const;

function sectionTitle(text: string) {
  return (
    <Typography.Title level={2} style={{ fontSize: 16, margin: 0 }}>
      {text}
    </Typography.Title>
  );
}

function DraftForm({
  assistant,
  draft,
  providers,
  knowledgeBases,
  kinds,
}: {
  assistant: AssistantDetail;
  draft: Draft;
  providers: ModelProvider[];
  knowledgeBases: KnowledgeBase[];
  kinds: ToolKind[];
}) {
  const { t } = useTranslation("builder");
  const { message, modal } = App.useApp();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [form] = Form.useForm<EditorValues>();
  const initial = useMemo(() => valuesOf(assistant, draft), [assistant, draft]);
  const [saved, setSaved] = useState(initial);
  const [values, setValues] = useState(initial);
  const [toolProblems, setToolProblems] = useState<Record<string, string[]>>({});
  const [publishing, setPublishing] = useState(false);
  const dirty = isDirty(saved, values);
  const canEdit = assistant.permissions.edit;
  const provider = providers.find((p) => p.id === values.model_provider);

  // A draft changed on the server (a rollback resets it, a publish reloads it) updates the fields
  // the person has not touched; what they are typing is kept (the reload may arrive mid-edit).
  useEffect(() => {
    const fresh = valuesOf(assistant, draft);
    if (JSON.stringify(fresh) === JSON.stringify(saved)) return;
    const merged = rebase(saved, fresh, { ...values, ...form.getFieldsValue(true) } as EditorValues);
    setSaved(fresh);
    setValues(merged);
    form.setFieldsValue(merged);
  }, [assistant, draft]);

  // Unsaved changes: the browser asks before a reload or closing the tab, and this screen asks
  // before a link of the app (the navigation) takes the person elsewhere.
  useEffect(() => {
    if (!dirty) return;
    const warn = (event: BeforeUnloadEvent) => {
      event.preventDefault();
    };
    const intercept = (event: MouseEvent) => {
      const link = (event.target as Element | null)?.closest?.("a[href]");
      const href = link?.getAttribute("href");
      if (!href || !href.startsWith("/") || link?.getAttribute("download") !== null) return;
      event.preventDefault();
      event.stopPropagation();
      modal.confirm({
        title: t("editor.leaveTitle"),
        content: t("editor.leaveText"),
        okText: t("editor.leave"),
        cancelText: t("editor.stay"),
        onOk: () => navigate(href),
      });
    };
    window.addEventListener("beforeunload", warn);
    document.addEventListener("click", intercept, true);
    return () => {
      window.removeEventListener("beforeunload", warn);
      document.removeEventListener("click", intercept, true);
    };
  }, [dirty, modal, navigate, t]);

  const save = useMutation({
    mutationFn: async () => {
      const current = { ...values, ...form.getFieldsValue(true) } as EditorValues;
      const changes = changesOf(saved, current);
      let nextAssistant = assistant;
      let nextDraft = draft;
      const assistantChanged = Object.keys(changes.assistant).length > 0;
      if (assistantChanged) {
        nextAssistant = unwrap(
          await api.PATCH("/api/v1/assistants/{assistant_id}/", { params: { path: { assistant_id: assistant.id } }, body: changes.assistant }),
        );
      }
      if (Object.keys(changes.draft).length) {
        nextDraft = unwrap(
          await api.PATCH("/api/v1/assistants/{assistant_id}/draft/", {
            params: { path: { assistant_id: assistant.id } },
            body: changes.draft as never,
          }),
        );
      }
      // The audience is the assistant's (its visibility): when only the assistant was saved, the
      // draft in hand still carries the audience warnings of the old one.
      const staleDraft = assistantChanged && nextDraft === draft;
      return { nextAssistant, nextDraft, staleDraft };
    },
    onMutate: () => {
      setToolProblems({});
      form.setFields(Object.keys(values).map((name) => ({ name: name as keyof EditorValues, errors: [] })));
    },
    onSuccess: ({ nextAssistant, nextDraft, staleDraft }) => {
      const fresh = valuesOf(nextAssistant, nextDraft);
      setSaved(fresh);
      setValues(fresh);
      form.setFieldsValue(fresh);
      queryClient.setQueryData(keys.assistant(assistant.id), nextAssistant);
      queryClient.setQueryData(keys.draft(assistant.id), nextDraft);
      if (staleDraft) void queryClient.invalidateQueries({ queryKey: keys.draft(assistant.id) });
      void queryClient.invalidateQueries({ queryKey: keys.assistants });
      message.success(t("editor.saved"));
    },
    onError: (error) => {
      if (error instanceof ApiError) {
        form.setFields(fieldErrors(error.details) as never);
        setToolProblems(toolErrors(error.details));
      }
    },
  });

  function leave() {
    if (!dirty) return navigate("/builder");
    modal.confirm({
      title: t("editor.leaveTitle"),
      content: t("editor.leaveText"),
      okText: t("editor.leave"),
      cancelText: t("editor.stay"),
      onOk: () => navigate("/builder"),
    });
  }

  async function exportDraft() {
    try {
      const content = unwrap(await api.GET("/api/v1/assistants/{assistant_id}/export/", { params: { path: { assistant_id: assistant.id } } }));
      downloadJson(`${assistant.slug || "assistant"}.json`, content);
    } catch (error) {
      message.error(errorMessage(error));
    }
  }

  const modelOptions = ((provider?.chat_models ?? []) as string[]).map((m) => ({ value: m, label: m }));
  const saveError = save.error && !(save.error instanceof ApiError && Object.keys(save.error.details).length) ? save.error : null;
  const detailError = save.error instanceof ApiError && Object.keys(save.error.details).length ? save.error.message : null;

  const configuration = (
    <Row gutter={[16, 16]}>
      <Col xs={24} xl={14}>
        <Form<EditorValues>
          form={form}
          layout="vertical"
          initialValues={initial}
          disabled={!canEdit}
          onValuesChange={(_, all) => setValues((current) => ({ ...current, ...all }))}
          onFinish={() => save.mutate()}
          scrollToFirstError
        >
          <Card {...SECTION} title={sectionTitle(t("sections.identity"))}>
            <Row gutter={12}>
              <Col xs={24} sm={18}>
                <Form.Item name="name" label={t("fields.name")} rules={[{ required: true, message: t("new.nameRequired") }]}>
                  <Input maxLength={200} />
                </Form.Item>
              </Col>
              <Col xs={24} sm={6}>
                <Form.Item name="avatar" label={t("fields.avatar")} tooltip={t("fields.avatarHelp")}>
                  <Input maxLength={16} />
                </Form.Item>
              </Col>
            </Row>
            <Form.Item name="description" label={t("fields.description")}>
              <Input.TextArea rows={2} />
            </Form.Item>
          </Card>

          <Card {...SECTION} title={sectionTitle(t("sections.behaviour"))}>
            <Form.Item name="instructions" label={t("fields.instructions")} extra={t("fields.instructionsHelp")}>
              <Input.TextArea rows={8} />
            </Form.Item>
            <Form.List name="conversation_starters">
              {(fields, { add, remove }, { errors }) => (
                <fieldset className="builder-fieldset">
                  <legend>{t("fields.conversation_starters")}</legend>
                  {fields.map((field, index) => (
                    <div key={field.key} style={{ display: "flex", gap: 8, alignItems: "flex-start" }}>
                      <Form.Item name={field.name} style={{ flex: 1, marginBottom: 12 }} label={t("editor.starter", { number: index + 1 })}>
                        <Input maxLength={200} />
                      </Form.Item>
                      <Button type="text" icon={<MinusCircleOutlined />} aria-label={t("editor.removeStarter", { number: index + 1 })} onClick={() => remove(field.name)} style={{ marginTop: 30 }} />
                    </div>
                  ))}
                  <Form.ErrorList errors={errors} />
                  {fields.length < 6 && (
                    <Button type="dashed" icon={<PlusOutlined />} onClick={() => add("")}>
                      {t("editor.addStarter")}
                    </Button>
                  )}
                </fieldset>
              )}
            </Form.List>
          </Card>

          <Card {...SECTION} title={sectionTitle(t("sections.model"))}>
            <Row gutter={12}>
              <Col xs={24} md={12}>
                <Form.Item name="model_provider" label={t("fields.model_provider")}>
                  <Select
                    allowClear
                    placeholder={t("editor.defaultProvider")}
                    options={providers.map((p) => ({ value: p.id, label: p.is_default ? `${p.name} (${t("editor.default")})` : p.name }))}
                    onChange={(id) => {
                      const next = providers.find((p) => p.id === id);
                      form.setFieldValue("model_name", next?.default_chat_model ?? "");
                    }}
                  />
                </Form.Item>
              </Col>
              <Col xs={24} md={12}>
                <Form.Item name="model_name" label={t("fields.model_name")}>
                  {modelOptions.length ? <Select options={modelOptions} /> : <Input />}
                </Form.Item>
              </Col>
              <Col xs={12} md={12}>
                <Form.Item name="temperature" label={t("fields.temperature")} extra={t("fields.temperatureHelp")}>
                  <InputNumber min={0} max={2} step={0.1} style={{ width: "100%" }} />
                </Form.Item>
              </Col>
              <Col xs={12} md={12}>
                <Form.Item name="max_tokens" label={t("fields.max_tokens")}>
                  <InputNumber min={1} max={32000} step={256} style={{ width: "100%" }} />
                </Form.Item>
              </Col>
            </Row>
          </Card>

          <Card {...SECTION} title={sectionTitle(t("sections.knowledge"))}>
            <Form.Item name="knowledge_base_ids" label={t("fields.knowledge_bases")} extra={t("fields.knowledgeHelp")}>
              <Select
                mode="multiple"
                optionFilterProp="label"
                options={knowledgeBases.map((kb) => ({
                  value: kb.id,
                  label: `${kb.name} · ${kb.department_name} · ${kb.embedding_model}`,
                }))}
              />
            </Form.Item>
            {draft.warnings.length > 0 && (
              <Alert
                type="error"
                showIcon
                title={t("draftWarnings.blocking")}
                description={<WarningList warnings={draft.warnings} />}
                style={{ marginBottom: 16 }}
              />
            )}
            {draft.audience_warnings.length > 0 && (
              <Alert
                type="warning"
                showIcon
                title={t("draftWarnings.audience")}
                description={
                  <>
                    <WarningList warnings={draft.audience_warnings} />
                    <Typography.Paragraph style={{ margin: "8px 0 0" }}>{t("draftWarnings.audienceHelp")}</Typography.Paragraph>
                  </>
                }
                style={{ marginBottom: 16 }}
              />
            )}
            <Row gutter={12}>
              <Col xs={12}>
                <Form.Item name="top_k" label={t("fields.top_k")} extra={t("fields.topKHelp")}>
                  <InputNumber min={1} max={20} style={{ width: "100%" }} />
                </Form.Item>
              </Col>
              <Col xs={12}>
                <Form.Item name="min_similarity" label={t("fields.min_similarity")} extra={t("fields.minSimilarityHelp")}>
                  <InputNumber min={-1} max={1} step={0.05} style={{ width: "100%" }} />
                </Form.Item>
              </Col>
            </Row>
            <Form.Item name="knowledge_only" label={t("fields.knowledge_only")} valuePropName="checked" extra={t("fields.knowledgeOnlyHelp")}>
              <Switch />
            </Form.Item>
            <Form.Item name="refusal_message" label={t("fields.refusal_message")} extra={t("fields.refusalHelp")}>
              <Input.TextArea rows={2} />
            </Form.Item>
          </Card>

          <Card {...SECTION} title={sectionTitle(t("sections.tools"))}>
            {toolProblems.list && <Alert type="error" showIcon role="alert" title={toolProblems.list.join(" ")} style={{ marginBottom: 8 }} />}
            <Form.Item name="tools" noStyle>
              <ToolsEditor kinds={kinds} assistantId={assistant.id} errors={toolProblems} />
            </Form.Item>
          </Card>

          {assistant.permissions.manage && (
            <Card {...SECTION} title={sectionTitle(t("sections.visibility"))}>
              <Form.Item name="visibility" label={t("fields.visibility")}>
                <Select options={["private", "department", "organization"].map((v) => ({ value: v, label: t(`visibility.${v}`) }))} />
              </Form.Item>
            </Card>
          )}
        </Form>
      </Col>
      <Col xs={24} xl={10}>
        <PreviewChat assistantId={assistant.id} starters={saved.conversation_starters} unsaved={dirty} />
      </Col>
    </Row>
  );

  return (
    <div>
      <div className="builder-toolbar">
        <Space wrap>
          <Button type="text" icon={<ArrowLeftOutlined />} onClick={leave}>
            {t("editor.back")}
          </Button>
          <span className="builder-avatar" aria-hidden="true">
            {saved.avatar || saved.name.slice(0, 1)}
          </span>
          <Typography.Title level={1} style={{ fontSize: 22 }}>
            {saved.name}
          </Typography.Title>
          {assistant.published_version ? (
            <Tag className="builder-tag-green">{t("state.published", { number: assistant.published_version })}</Tag>
          ) : (
            <Tag className="builder-tag-gold">{t("state.draftOnly")}</Tag>
          )}
          {dirty && <Tag className="builder-tag-orange">{t("state.unsaved")}</Tag>}
        </Space>
        <Space wrap>
          <Button icon={<DownloadOutlined />} onClick={() => void exportDraft()}>
            {t("editor.export")}
          </Button>
          {canEdit && (
            <>
              <Button type={dirty ? "primary" : "default"} onClick={() => form.submit()} loading={save.isPending} disabled={!dirty}>
                {t("editor.save")}
              </Button>
              <Tooltip title={dirty ? t("editor.saveFirst") : undefined}>
                <Button type={dirty ? "default" : "primary"} onClick={() => setPublishing(true)} disabled={dirty}>
                  {t("editor.publish")}
                </Button>
              </Tooltip>
            </>
          )}
        </Space>
      </div>
      {!canEdit && <Alert type="info" showIcon title={t("editor.readOnly")} style={{ marginBottom: 12 }} />}
      {saveError && <Alert type="error" showIcon role="alert" title={errorMessage(saveError)} style={{ marginBottom: 12 }} />}
      {detailError && <Alert type="error" showIcon role="alert" title={detailError} description={t("editor.fixFields")} style={{ marginBottom: 12 }} />}
      <Tabs
        items={[
          { key: "config", label: t("tabs.configuration"), children: configuration },
          { key: "versions", label: t("tabs.versions"), children: <VersionsPanel assistantId={assistant.id} canEdit={canEdit} /> },
          { key: "sharing", label: t("tabs.sharing"), children: <SharesPanel assistantId={assistant.id} canManage={assistant.permissions.manage} /> },
        ]}
      />
      <PublishModal
        assistantId={assistant.id}
        open={publishing}
        onClose={() => setPublishing(false)}
        onPublished={() => setPublishing(false)}
      />
    </div>
  );
}

export function Editor() {
  const { assistantId } = useParams();
  const id = Number(assistantId);
  const assistant = useQuery({ queryKey: keys.assistant(id), queryFn: () => fetchAssistant(id), enabled: Number.isFinite(id) });
  const draft = useQuery({ queryKey: keys.draft(id), queryFn: () => fetchDraft(id), enabled: Number.isFinite(id) });
  const providers = useQuery({ queryKey: ["builder", "providers"], queryFn: fetchProviders });
  const knowledgeBases = useQuery({ queryKey: ["builder", "knowledge-bases"], queryFn: fetchKnowledgeBases });
  const kinds = useQuery({ queryKey: ["builder", "tool-kinds"], queryFn: fetchToolKinds });
  const all = [assistant, draft, providers, knowledgeBases, kinds];
  const failed = all.find((q) => q.error);
  if (failed) return <ErrorState error={failed.error} onRetry={() => all.forEach((q) => void q.refetch())} />;
  if (!assistant.data || !draft.data || !providers.data || !knowledgeBases.data || !kinds.data) return <Loading rows={8} />;
  return (
    <DraftForm
      key={draft.data.id}
      assistant={assistant.data}
      draft={draft.data}
      providers={providers.data}
      knowledgeBases={knowledgeBases.data}
      kinds={kinds.data}
    />
  );
}
