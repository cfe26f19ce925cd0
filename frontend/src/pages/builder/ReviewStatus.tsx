// Where the assistant stands in the review before publish, for its builders: a tag (the list, the
// editor's title) and, in the editor, the pending request with "Withdraw", or the decision with the
// reviewer's comment.
import { Alert, App, Button, Tag } from "antd";
import { useTranslation } from "react-i18next";

import { errorMessage } from "../../api/errors";
import { useAuth } from "../../auth/AuthProvider";
import { useWithdrawReview, type Review } from "./api";
import { formatDateTime } from "./format";

/** The latest review worth a tag: pending, or rejected (the draft waits for a new submission). */
export function ReviewTag({ review }: { review: Review | null | undefined }) {
  const { t } = useTranslation("builder");
  if (review?.state === "pending") return <Tag className="builder-tag-blue">{t("review.pendingTag")}</Tag>;
  if (review?.state === "rejected") return <Tag className="builder-tag-red">{t("review.rejectedTag")}</Tag>;
  return null;
}

/** The latest review in the editor. An approval is shown while the version it published is the
 * one in use; a withdrawn request shows nothing. */
export function ReviewBanner({ review, publishedVersion }: { review: Review | null | undefined; publishedVersion: number | null | undefined }) {
  const { t, i18n } = useTranslation("builder");
  const { message } = App.useApp();
  const auth = useAuth();
  const withdraw = useWithdrawReview({
    onSuccess: () => message.success(t("review.withdrawn")),
    onError: (error) => message.error(errorMessage(error)),
  });
  if (!review) return null;
  const when = (value: string | null) => (value ? formatDateTime(value, i18n.language) : "");
  const comment = review.comment ? t("review.comment", { comment: review.comment }) : null;
  if (review.state === "pending") {
    const mine = review.author === auth.me?.email;
    return (
      <Alert
        type="info"
        showIcon
        data-testid="review-status"
        style={{ marginBottom: 12 }}
        title={t("review.pending", { author: review.author ?? "—", date: when(review.created_at) })}
        description={
          <>
            <div>{t("review.changelog", { changelog: review.changelog || "—" })}</div>
            <div>{t("review.pendingHelp")}</div>
          </>
        }
        action={
          mine ? (
            <Button size="small" loading={withdraw.isPending} onClick={() => withdraw.mutate(review.id)}>
              {t("review.withdraw")}
            </Button>
          ) : undefined
        }
      />
    );
  }
  if (review.state === "rejected") {
    return (
      <Alert
        type="warning"
        showIcon
        role="alert"
        data-testid="review-status"
        style={{ marginBottom: 12 }}
        title={t("review.rejected", { reviewer: review.reviewer ?? "—", date: when(review.decided_at) })}
        description={
          <>
            {comment && <div>{comment}</div>}
            <div>{t("review.rejectedHelp")}</div>
          </>
        }
      />
    );
  }
  if (review.state === "approved" && review.published_version !== null && review.published_version === publishedVersion) {
    return (
      <Alert
        type="success"
        showIcon
        data-testid="review-status"
        style={{ marginBottom: 12 }}
        title={t("review.approved", { reviewer: review.reviewer ?? "—", date: when(review.decided_at), number: review.published_version })}
        description={comment ?? undefined}
      />
    );
  }
  return null;
}
