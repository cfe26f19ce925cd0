// Reviews before publishing: the requests builders submitted, what each would change against the
// published version, and approve / reject with a comment (org admins and auditors, never the author).
import { Alert, App, Button, Drawer, Form, Input, Segmented, Space, Table, Tag, Typography } from "antd";
import dayjs from "dayjs";
import { useState } from "react";
import { useTranslation } from "react-i18next";

import { useAuth } from "../../auth/AuthProvider";
import { ErrorState, QueryError, QueryState } from "../../components/PageState";
import { WarningList } from "../../components/WarningList";
import { useDecideReview, useReview, useReviews, type Review, type ReviewState } from "./api";
import { DiffView } from "./DiffView";

const STATE_COLORS: Record<ReviewState, string> = {
  pending: "processing",
  approved: "success",
  rejected: "error",
  withdrawn: "default",
};

function changesAsBeforeAfter(changes: Record<string, unknown>): { before: Record<string, unknown>; after: Record<string, unknown> } {
  const before: Record<string, unknown> = {};
  const after: Record<string, unknown> = {};
  for (const [field, change] of Object.entries(changes)) {
    const pair = (change ?? {}) as { before?: unknown; after?: unknown };
    before[field] = pair.before;
    after[field] = pair.after;
  }
  return { before, after };
}

function ReviewDrawer({ reviewId, onClose }: { reviewId: number; onClose: () => void }) {
  const { t } = useTranslation("audit");
  const { message } = App.useApp();
  const auth = useAuth();
  const [comment, setComment] = useState("");
  const query = useReview(reviewId);
  const decide = useDecideReview(reviewId, comment, {
    onSuccess: (_, decision) => message.success(decision === "approve" ? t("reviews.approved") : t("reviews.rejected")),
  });
  const mayDecide = auth.isOrgAdmin || auth.isAuditor;
  return (
    <Drawer open onClose={onClose} size="large" title={query.data ? query.data.assistant_name : t("reviews.title")}>
      <QueryState query={query}>
        {(review) => {
          const { before, after } = changesAsBeforeAfter((review.changes ?? {}) as Record<string, unknown>);
          const mine = review.author === auth.me?.email;
          return (
            <Space orientation="vertical" size="large" style={{ width: "100%" }}>
              <Space wrap>
                <Tag color={STATE_COLORS[review.state as ReviewState]}>{t(`reviews.states.${review.state}`)}</Tag>
                <Typography.Text>{t("reviews.by", { author: review.author ?? "—" })}</Typography.Text>
                <Typography.Text type="secondary">{dayjs(review.created_at).format("DD/MM/YYYY HH:mm")}</Typography.Text>
              </Space>
              <div>
                <Typography.Title level={4}>{t("reviews.changelog")}</Typography.Title>
                <Typography.Paragraph>{review.changelog || "—"}</Typography.Paragraph>
              </div>
              {(review.warnings as string[] | undefined)?.map((warning) => (
                <Alert key={warning} type="warning" showIcon title={warning} />
              ))}
              {review.audience_warnings.length > 0 && (
                <Alert
                  type="info"
                  showIcon
                  title={t("reviews.audienceWarnings")}
                  description={<WarningList warnings={review.audience_warnings} help={t("reviews.audienceHelp")} />}
                />
              )}
              <div>
                <Typography.Title level={4}>
                  {review.against ? t("reviews.against", { version: review.against }) : t("reviews.firstVersion")}
                </Typography.Title>
                <DiffView before={before} after={after} />
              </div>
              {review.state === "pending" && mayDecide && (
                <Form layout="vertical" name="review-decision">
                  {decide.error && <ErrorState error={decide.error} />}
                  {mine && <Alert type="info" showIcon title={t("reviews.ownReview")} />}
                  <Form.Item label={t("reviews.comment")} extra={t("reviews.commentHelp")}>
                    <Input.TextArea rows={3} value={comment} onChange={(e) => setComment(e.target.value)} />
                  </Form.Item>
                  <Space>
                    <Button type="primary" disabled={mine} loading={decide.isPending && decide.variables === "approve"} onClick={() => decide.mutate("approve")}>
                      {t("reviews.approve")}
                    </Button>
                    <Button danger disabled={mine} loading={decide.isPending && decide.variables === "reject"} onClick={() => decide.mutate("reject")}>
                      {t("reviews.reject")}
                    </Button>
                  </Space>
                </Form>
              )}
              {review.state !== "pending" && review.comment && (
                <Alert type={review.state === "approved" ? "success" : "info"} showIcon title={t("reviews.decisionComment", { reviewer: review.reviewer ?? "—" })} description={review.comment} />
              )}
            </Space>
          );
        }}
      </QueryState>
    </Drawer>
  );
}

export function Reviews() {
  const { t } = useTranslation("audit");
  const [state, setState] = useState<ReviewState | "all">("pending");
  const [open, setOpen] = useState<number | null>(null);
  const query = useReviews(state);
  return (
    <Space orientation="vertical" size="middle" style={{ width: "100%" }}>
      <Segmented<ReviewState | "all">
        value={state}
        onChange={setState}
        options={(["pending", "approved", "rejected", "withdrawn", "all"] as const).map((s) => ({ value: s, label: t(`reviews.states.${s}`) }))}
      />
      {query.error ? (
        <QueryError error={query.error} onRetry={() => void query.refetch()} />
      ) : (
        <Table<Review>
          rowKey="id"
          loading={query.isLoading}
          dataSource={query.data ?? []}
          locale={{ emptyText: state === "pending" ? t("reviews.emptyPending") : t("reviews.empty") }}
          scroll={{ x: 700 }}
          pagination={{ pageSize: 50, hideOnSinglePage: true }}
          columns={[
            { title: t("reviews.assistant"), dataIndex: "assistant_name" },
            { title: t("reviews.author"), dataIndex: "author", render: (a: string | null) => a ?? "—" },
            { title: t("reviews.changelog"), dataIndex: "changelog", ellipsis: true },
            {
              title: t("reviews.state"),
              dataIndex: "state",
              render: (s: ReviewState) => <Tag color={STATE_COLORS[s]}>{t(`reviews.states.${s}`)}</Tag>,
            },
            { title: t("reviews.submitted"), dataIndex: "created_at", render: (v: string) => dayjs(v).format("DD/MM/YYYY HH:mm") },
            {
              title: "",
              key: "open",
              width: 110,
              render: (_, review) => (
                <Button size="small" onClick={() => setOpen(review.id)}>
                  {t("reviews.open")}
                </Button>
              ),
            },
          ]}
        />
      )}
      {open !== null && <ReviewDrawer reviewId={open} onClose={() => setOpen(null)} />}
    </Space>
  );
}
