// The draft of one assistant being edited: its sections beside a live preview chat, the toolbar
// (save, publish, export) and the tabs of its versions and sharing. Saving is explicit; leaving
// with unsaved changes asks first (useLeaveGuard).
import { ArrowLeftOutlined, DownloadOutlined } from "@ant-design/icons";
import { Alert, App, Button, Col, Form, Row, Space, Tabs, Tag, Tooltip, Typography } from "antd";
import { useEffect, useMemo, useState } from "react";
import { useTranslation } from "react-i18next";

import { ApiError, errorMessage } from "../../api/errors";
import { useAuth } from "../../auth/AuthProvider";
import { exportAssistant, useLatestReview, usePolicy, useSaveDraft, type AssistantDetail, type Draft, type KnowledgeBase, type ModelProvider, type ToolKind } from "./api";
import { downloadJson } from "./download";
import { changesOf, fieldErrors, isDirty, rebase, toolErrors, valuesOf, type EditorValues } from "./editorForm";
import { IdentitySection, VisibilitySection } from "./IdentitySection";
import { InstructionsSection } from "./InstructionsSection";
import { KnowledgeSection } from "./KnowledgeSection";
import { ModelSection } from "./ModelSection";
import { PreviewChat } from "./PreviewChat";
import { PublicationTags } from "./PublicationTags";
import { PublishModal } from "./PublishModal";
import { ReviewBanner, ReviewTag } from "./ReviewStatus";
import { SharesPanel } from "./SharesPanel";
import { toolsWithInvalidSettings } from "./tools";
import { ToolsSection } from "./ToolsSection";
import { useLeaveGuard } from "./useLeaveGuard";
import { VersionsPanel } from "./VersionsPanel";

export function DraftForm({
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
  const { message } = App.useApp();
  const [form] = Form.useForm<EditorValues>();
  const initial = useMemo(() => valuesOf(assistant, draft), [assistant, draft]);
  const [saved, setSaved] = useState(initial);
  const [values, setValues] = useState(initial);
  const [toolProblems, setToolProblems] = useState<Record<string, string[]>>({});
  const [publishing, setPublishing] = useState(false);
  const dirty = isDirty(saved, values);
  const canEdit = assistant.permissions.edit;
  const leave = useLeaveGuard(dirty);
  const auth = useAuth();
  const reviewRequired = usePolicy(auth.organizationId, canEdit).data?.require_publish_review === true;
  const latestReview = useLatestReview(assistant.id).data;
  const pending = latestReview?.state === "pending";

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

  const save = useSaveDraft(assistant, draft, {
    onSuccess: ({ nextAssistant, nextDraft }) => {
      const fresh = valuesOf(nextAssistant, nextDraft);
      setSaved(fresh);
      setValues(fresh);
      form.setFieldsValue(fresh);
      message.success(t("editor.saved"));
    },
    onError: (error) => {
      if (error instanceof ApiError) {
        form.setFields(fieldErrors(error.details) as never);
        setToolProblems(toolErrors(error.details));
      }
    },
  });

  function submit() {
    const current = { ...values, ...form.getFieldsValue(true) } as EditorValues;
    const broken = toolsWithInvalidSettings(current.tools);
    if (broken.length) {
      setToolProblems(Object.fromEntries(broken.map((index) => [String(index), [t("tools.notSavedBadJson")]])));
      message.error(t("editor.notSavedBadJson"));
      return;
    }
    setToolProblems({});
    form.setFields(Object.keys(values).map((name) => ({ name: name as keyof EditorValues, errors: [] })));
    save.mutate(changesOf(saved, current));
  }

  async function exportDraft() {
    try {
      downloadJson(`${assistant.slug || "assistant"}.json`, await exportAssistant(assistant.id));
    } catch (error) {
      message.error(errorMessage(error));
    }
  }

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
          onFinish={submit}
          scrollToFirstError
        >
          <IdentitySection />
          <InstructionsSection />
          <ModelSection providers={providers} providerId={values.model_provider} />
          <KnowledgeSection knowledgeBases={knowledgeBases} draft={draft} />
          <ToolsSection kinds={kinds} assistantId={assistant.id} problems={toolProblems} />
          {assistant.permissions.manage && <VisibilitySection />}
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
          <Button type="text" icon={<ArrowLeftOutlined />} onClick={() => leave("/builder")}>
            {t("editor.back")}
          </Button>
          <span className="builder-avatar" aria-hidden="true">
            {saved.avatar || saved.name.slice(0, 1)}
          </span>
          <Typography.Title level={1} style={{ fontSize: 22 }}>
            {saved.name}
          </Typography.Title>
          <PublicationTags assistant={assistant} />
          <ReviewTag review={latestReview} />
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
              <Tooltip title={dirty ? t("editor.saveFirst") : pending ? t("review.pendingHelp") : undefined}>
                <Button type={dirty ? "default" : "primary"} onClick={() => setPublishing(true)} disabled={dirty || pending}>
                  {reviewRequired ? t("review.submit") : t("editor.publish")}
                </Button>
              </Tooltip>
            </>
          )}
        </Space>
      </div>
      <ReviewBanner review={latestReview} publishedVersion={assistant.published_version} />
      {!canEdit && <Alert type="info" showIcon title={t("editor.readOnly")} style={{ marginBottom: 12 }} />}
      {saved.knowledge_only && saved.knowledge_base_ids.length === 0 && (
        <Alert type="warning" showIcon title={t("editor.needsKnowledge")} style={{ marginBottom: 12 }} data-testid="needs-knowledge" />
      )}
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
