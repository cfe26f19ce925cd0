// Publishing the saved draft as a new version, with a note of what changed; when the organization
// requires review, submitting it for review with that note instead (an org admin or an auditor
// publishes it by approving). A version published with knowledge part of its audience may not open
// says so in a dialog that must be read.
import { Alert, App, Form, Input, Modal } from "antd";
import { useState } from "react";
import { useTranslation } from "react-i18next";

import { errorMessage } from "../../api/errors";
import { useAuth } from "../../auth/AuthProvider";
import { WarningList } from "../../components/WarningList";
import { usePolicy, usePublish, useSubmitReview } from "./api";

export function PublishModal({ assistantId, open, onClose, onPublished }: { assistantId: number; open: boolean; onClose: () => void; onPublished: () => void }) {
  const { t } = useTranslation("builder");
  const { message, modal } = App.useApp();
  const auth = useAuth();
  const [changelog, setChangelog] = useState("");
  const policy = usePolicy(auth.organizationId, open);
  const publish = usePublish(assistantId, changelog, {
    onSuccess: (version) => {
      setChangelog("");
      onPublished();
      if (version.warnings.length) {
        modal.warning({
          title: t("publish.doneWithWarnings", { number: version.number }),
          content: (
            <>
              <p>{t("draftWarnings.audience")}</p>
              <WarningList warnings={version.warnings} />
              <p style={{ margin: "8px 0 0" }}>{t("draftWarnings.audienceHelp")}</p>
            </>
          ),
        });
      } else {
        message.success(t("publish.done", { number: version.number }));
      }
    },
  });

  const submit = useSubmitReview(assistantId, {
    onSuccess: () => {
      setChangelog("");
      onPublished();
      message.success(t("review.submitted"));
    },
  });
  const reviewRequired = policy.data?.require_publish_review === true;
  const failed = reviewRequired ? submit.error : publish.error;

  return (
    <Modal
      open={open}
      title={reviewRequired ? t("review.submitTitle") : t("publish.title")}
      okText={reviewRequired ? t("review.submit") : t("publish.confirm")}
      cancelText={t("common:actions.cancel")}
      onOk={() => (reviewRequired ? submit.mutate({ changelog }) : publish.mutate())}
      okButtonProps={{ disabled: policy.isLoading }}
      confirmLoading={publish.isPending || submit.isPending}
      onCancel={() => {
        publish.reset();
        submit.reset();
        onClose();
      }}
      destroyOnHidden
    >
      {reviewRequired && <Alert type="info" showIcon title={t("publish.reviewRequired")} description={t("review.submitHelp")} style={{ marginBottom: 12 }} />}
      <Form layout="vertical" component="div">
        <Form.Item label={t("publish.changelog")} htmlFor="publish-changelog" help={t("publish.changelogHelp")}>
          <Input.TextArea id="publish-changelog" rows={3} maxLength={2000} value={changelog} onChange={(e) => setChangelog(e.target.value)} autoFocus />
        </Form.Item>
      </Form>
      {failed && <Alert type="error" showIcon role="alert" title={errorMessage(failed)} style={{ marginTop: 12 }} />}
    </Modal>
  );
}
