// Publishing the saved draft as a new version, with a note of what changed. When the organization
// requires review, the server refuses (409) with its own message, shown here as it is.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Alert, Form, Input, Modal } from "antd";
import { useState } from "react";
import { useTranslation } from "react-i18next";

import { api } from "../../api/client";
import { errorMessage, unwrap } from "../../api/errors";
import { useAuth } from "../../auth/AuthProvider";
import { fetchPolicy } from "./api";

export function PublishModal({ assistantId, open, onClose, onPublished }: { assistantId: number; open: boolean; onClose: () => void; onPublished: (number: number | null) => void }) {
  const { t } = useTranslation("builder");
  const auth = useAuth();
  const queryClient = useQueryClient();
  const [changelog, setChangelog] = useState("");
  const policy = useQuery({
    queryKey: ["builder", "policy", auth.organizationId],
    queryFn: () => fetchPolicy(auth.organizationId as number),
    enabled: open && auth.organizationId !== null,
  });
  const publish = useMutation({
    mutationFn: async () =>
      unwrap(
        await api.POST("/api/v1/assistants/{assistant_id}/publish/", {
          params: { path: { assistant_id: assistantId } },
          body: { changelog },
        }),
      ),
    onSuccess: async (version) => {
      setChangelog("");
      await queryClient.invalidateQueries({ queryKey: ["builder"] });
      onPublished(version.number);
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
