// Published versions, newest first: what each changed (side by side), and rolling back to one.
import { Alert, App, Button, Col, List, Radio, Row, Space, Tag, Typography } from "antd";
import { useState } from "react";
import { useTranslation } from "react-i18next";

import { errorMessage } from "../../api/errors";
import { useAuth } from "../../auth/AuthProvider";
import { EmptyState, QueryState } from "../../components/PageState";
import { usePolicy, useRollback, useSubmitReview, useVersionDiff, useVersions, type VersionSummary } from "./api";
import { DiffView } from "./DiffView";
import { formatDateTime } from "./format";
import type { FieldChange } from "./diff";

export function VersionsPanel({ assistantId, canEdit }: { assistantId: number; canEdit: boolean }) {
  const { t, i18n } = useTranslation("builder");
  const { modal, message } = App.useApp();
  const [selected, setSelected] = useState<number | null>(null);
  const [against, setAgainst] = useState<"previous" | "draft">("previous");
  const versions = useVersions(assistantId);
  const current = selected ?? versions.data?.[0]?.number ?? null;
  const diff = useVersionDiff(assistantId, current, against);

  const rollback = useRollback(assistantId, {
    onSuccess: (version) => {
      message.success(t("versions.rolledBack", { number: version.number }));
      setSelected(null);
    },
    onError: (error) => message.error(errorMessage(error)),
  });

  // Under review before publish, a rollback is a review of the old version's content.
  const auth = useAuth();
  const policy = usePolicy(auth.organizationId, canEdit);
  const reviewRequired = policy.data?.require_publish_review === true;
  const submit = useSubmitReview(assistantId, {
    onSuccess: (_, request) => message.success(t("review.rollbackSubmitted", { number: request.version })),
    onError: (error) => message.error(errorMessage(error)),
  });

  function confirmRollback(version: VersionSummary) {
    if (reviewRequired) {
      modal.confirm({
        title: t("versions.rollbackTitle", { number: version.number }),
        content: t("review.rollbackText", { number: version.number }),
        okText: t("review.submit"),
        cancelText: t("common:actions.cancel"),
        onOk: () => submit.mutateAsync({ changelog: "", version: version.number as number }),
      });
      return;
    }
    modal.confirm({
      title: t("versions.rollbackTitle", { number: version.number }),
      content: t("versions.rollbackText", { number: version.number }),
      okText: t("versions.rollback"),
      cancelText: t("common:actions.cancel"),
      onOk: () => rollback.mutateAsync(version.number as number),
    });
  }

  const beforeLabel = (): string => {
    if (!diff.data) return "";
    if (diff.data.against === "draft") return t("versions.draft");
    return diff.data.against === null ? t("versions.nothing") : t("versions.version", { number: diff.data.against });
  };

  return (
    <QueryState query={versions} isEmpty={(list) => list.length === 0} empty={<EmptyState description={t("versions.none")} />}>
      {(list) => (
        <Row gutter={[16, 16]}>
          <Col xs={24} lg={8}>
            <List
              size="small"
              bordered
              dataSource={list}
              renderItem={(version) => (
                <List.Item
                  style={{ background: version.number === current ? "#fdf3f2" : undefined, borderLeft: version.number === current ? "3px solid #b3261e" : "3px solid transparent", display: "block" }}
                >
                  <Space wrap style={{ justifyContent: "space-between", width: "100%" }}>
                    <Button type="text" style={{ padding: "0 4px", fontWeight: 600, color: "#1f1f1f" }} onClick={() => setSelected(version.number)} aria-pressed={version.number === current}>
                      {t("versions.version", { number: version.number })}
                    </Button>
                    <Tag className={version.state === "published" ? "builder-tag-green" : undefined}>{t(`versions.states.${version.state}`, version.state)}</Tag>
                  </Space>
                  <Typography.Text type="secondary" style={{ display: "block", fontSize: 12 }}>
                    {formatDateTime(version.published_at, i18n.language)} · {version.published_by ?? ""}
                  </Typography.Text>
                  {version.changelog && <Typography.Paragraph style={{ margin: "4px 0" }}>{version.changelog}</Typography.Paragraph>}
                  {canEdit && version.state !== "published" && (
                    <Button
                      size="small"
                      onClick={() => confirmRollback(version)}
                      disabled={policy.isLoading}
                      loading={(rollback.isPending && rollback.variables === version.number) || (submit.isPending && submit.variables?.version === version.number)}
                    >
                      {t("versions.rollback")}
                    </Button>
                  )}
                </List.Item>
              )}
            />
          </Col>
          <Col xs={24} lg={16}>
            <Space wrap style={{ marginBottom: 12 }}>
              <Typography.Title level={3} style={{ fontSize: 16, margin: 0 }}>
                {t("versions.changesOf", { number: current })}
              </Typography.Title>
              <Radio.Group value={against} onChange={(e) => setAgainst(e.target.value as "previous" | "draft")} aria-label={t("versions.compareWith")}>
                <Radio.Button value="previous">{t("versions.vsPrevious")}</Radio.Button>
                <Radio.Button value="draft">{t("versions.vsDraft")}</Radio.Button>
              </Radio.Group>
            </Space>
            {rollback.error && <Alert type="error" showIcon title={errorMessage(rollback.error)} />}
            <QueryState query={diff}>
              {(data) => (
                <DiffView
                  changes={data.changes as Record<string, FieldChange>}
                  beforeLabel={beforeLabel()}
                  afterLabel={t("versions.version", { number: data.version })}
                />
              )}
            </QueryState>
          </Col>
        </Row>
      )}
    </QueryState>
  );
}
