// Feedback on an answer: helpful or not, with an optional comment.
import { App, Form, Input, Modal, Radio } from "antd";
import { useTranslation } from "react-i18next";

import { errorMessage } from "../../api/errors";
import { useFeedback } from "./api";

export interface FeedbackTarget {
  conversation: number;
  message: number;
  rating: "up" | "down";
}

export function FeedbackDialog({
  target,
  onClose,
  onSent,
}: {
  target: FeedbackTarget | null;
  onClose: () => void;
  onSent: (message: number, rating: "up" | "down") => void;
}) {
  const { t } = useTranslation("chat");
  const { message } = App.useApp();
  const feedback = useFeedback();
  const [form] = Form.useForm<{ rating: "up" | "down"; comment: string }>();
  return (
    <Modal
      open={target !== null}
      title={t("feedback.title")}
      okText={t("feedback.send")}
      cancelText={t("common:actions.cancel")}
      confirmLoading={feedback.isPending}
      onCancel={onClose}
      onOk={() => form.submit()}
      destroyOnHidden
    >
      <Form
        form={form}
        layout="vertical"
        initialValues={{ rating: target?.rating ?? "up", comment: "" }}
        onFinish={async ({ rating, comment }) => {
          if (!target) return;
          try {
            await feedback.mutateAsync({ conversation: target.conversation, message: target.message, rating, comment: comment ?? "" });
            message.success(t("feedback.thanks"));
            onSent(target.message, rating);
            onClose();
          } catch (error) {
            message.error(errorMessage(error));
          }
        }}
      >
        <Form.Item name="rating" label={t("feedback.rating")}>
          <Radio.Group
            optionType="button"
            options={[
              { value: "up", label: t("feedback.up") },
              { value: "down", label: t("feedback.down") },
            ]}
          />
        </Form.Item>
        <Form.Item name="comment" label={t("feedback.comment")}>
          <Input.TextArea rows={3} maxLength={4000} placeholder={t("feedback.commentPlaceholder")} />
        </Form.Item>
      </Form>
    </Modal>
  );
}
