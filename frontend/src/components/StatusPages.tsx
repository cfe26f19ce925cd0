// The one "forbidden" page and the one "not found" page of the app: what a section shows to a role
// that may not use it, what an unknown address shows, and what a screen shows when the API answers
// its read with 403 or 404. Neither offers "Try again": asking again gets the same answer.
import { Button, Result } from "antd";
import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";

import { ApiError } from "../api/errors";

function HomeLink() {
  const { t } = useTranslation();
  return (
    <Link to="/chat">
      <Button type="primary">{t("notFound.home")}</Button>
    </Link>
  );
}

/** `reason`: why, when the section knows better than "no permission" (the server's message). */
export function ForbiddenPage({ reason }: { reason?: ReactNode }) {
  const { t } = useTranslation();
  return (
    <Result
      status="403"
      title={t("forbidden.title")}
      subTitle={reason ?? t("errors.forbidden")}
      extra={<HomeLink />}
      data-testid="forbidden-page"
    />
  );
}

export function NotFoundPage({ reason }: { reason?: ReactNode }) {
  const { t } = useTranslation();
  return (
    <Result
      status="404"
      title={t("notFound.title")}
      subTitle={reason ?? t("errors.notFound")}
      extra={<HomeLink />}
      data-testid="not-found-page"
    />
  );
}

/** 403 or 404 from the API: a definite answer, which neither retrying nor reloading changes. */
export function isDefinite(error: unknown): error is ApiError {
  return error instanceof ApiError && (error.status === 403 || error.status === 404);
}

/** The page for a definite answer, or null for any other error. */
export function statusPageFor(error: unknown): ReactNode {
  if (!(error instanceof ApiError)) return null;
  if (error.status === 403) return <ForbiddenPage reason={error.message} />;
  if (error.status === 404) return <NotFoundPage reason={error.message} />;
  return null;
}
