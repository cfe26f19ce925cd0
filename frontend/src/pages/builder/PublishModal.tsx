// Publishing the saved draft as a new version, with a note of what changed. When the organization
// requires review, the server refuses (409) with its own message, shown here as it is. A version
// published with knowledge part of its audience may not open says so in a dialog that must be read.
import { Alert, App, Form, Input, Modal } from "antd";
import { useState } from "react";
import { useTranslation } from "react-i18next";

import { errorMessage } from "../../api/errors";
import { useAuth } from "../../auth/AuthProvider";
import { WarningList } from "../../components/WarningList";
import { usePolicy, usePublish } from "./api";

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

  return (
    <Modal
      open={open}
      title={t("publish.title")}
      okText={t("publish.confirm")}
      cancelText={t("common:actions.cancel")}
      onOk={() => publish.mutate()}
      confirmLoading={publish.isPending}
      onCancel={() => {
        publish.reset();
        onClose();
      }}
      destroyOnHidden
    >
      {policy.data?.require_publish_review && (
        <Alert type="info" showIcon title={t("publish.reviewRequired")} style={{ marginBottom: 12 }} />
      )}
      <Form layout="vertical" component="div">
        <Form.Item label={t("publish.changelog")} htmlFor="publish-changelog" help={t("publish.changelogHelp")}>
          <Input.TextArea id="publish-changelog" rows={3} maxLength={2000} value={changelog} onChange={(e) => setChangelog(e.target.value)} autoFocus />
        </Form.Item>
      </Form>
      {publish.error && <Alert type="error" showIcon role="alert" title={errorMessage(publish.error)} style={{ marginTop: 12 }} />}
    </Modal>
  );
}
