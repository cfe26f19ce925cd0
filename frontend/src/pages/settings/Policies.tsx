// The organization's governance policy: review before publish, PII redaction, default retention.
import { App, Button, Card, Form, InputNumber, Switch, Typography } from "antd";
import { useTranslation } from "react-i18next";

import { ErrorState, QueryState } from "../../components/PageState";
import { usePolicy, useSavePolicy, type PolicyForm } from "./api";

export function Policies({ organizationId }: { organizationId: number }) {
  const { t } = useTranslation("settings");
  const { t: tc } = useTranslation();
  const { message } = App.useApp();
  const query = usePolicy(organizationId);
  const save = useSavePolicy(organizationId, { onSuccess: () => message.success(t("policies.saved")) });
  return (
    <QueryState query={query}>
      {(policy) => (
        <Card style={{ maxWidth: 720 }}>
          <Form<PolicyForm>
            layout="vertical"
            name="policies"
            initialValues={policy}
            onFinish={(values) => save.mutate({ ...values, default_retention_days: values.default_retention_days ?? null })}
          >
            {save.error && <ErrorState error={save.error} />}
            <Form.Item name="require_publish_review" label={t("policies.review")} valuePropName="checked" extra={t("policies.reviewHelp")}>
              <Switch />
            </Form.Item>
            <Form.Item name="redact_pii" label={t("policies.redact")} valuePropName="checked" extra={t("policies.redactHelp")}>
              <Switch />
            </Form.Item>
            <Form.Item name="default_retention_days" label={t("policies.retention")} extra={t("policies.retentionHelp")}>
              <InputNumber min={1} max={36500} addonAfter={t("policies.days")} style={{ width: 200 }} />
            </Form.Item>
            <Button type="primary" htmlType="submit" loading={save.isPending}>
              {tc("actions.save")}
            </Button>
            <Typography.Paragraph type="secondary" style={{ marginTop: 16, marginBottom: 0 }}>
              {t("policies.audited")}
            </Typography.Paragraph>
          </Form>
        </Card>
      )}
    </QueryState>
  );
}
