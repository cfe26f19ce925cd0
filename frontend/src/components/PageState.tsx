// The three states every screen shows besides its content: loading, empty and error. Screens use
// these instead of their own spinners so that the app looks and reads the same everywhere.
import { Alert, Button, Empty, Skeleton } from "antd";
import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";

import { errorMessage } from "../api/errors";
import { statusPageFor } from "./StatusPages";

export function Loading({ rows = 4 }: { rows?: number }) {
  const { t } = useTranslation();
  return (
    <div role="status" aria-live="polite" aria-label={t("states.loading")}>
      <Skeleton active paragraph={{ rows }} />
    </div>
  );
}

export function EmptyState({ description, action }: { description?: ReactNode; action?: ReactNode }) {
  const { t } = useTranslation();
  return (
    <Empty description={description ?? t("states.empty")} image={Empty.PRESENTED_IMAGE_SIMPLE}>
      {action}
    </Empty>
  );
}

export function ErrorState({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const { t } = useTranslation();
  return (
    <Alert
      type="error"
      showIcon
      role="alert"
      title={t("states.error")}
      description={errorMessage(error)}
      action={
        onRetry ? (
          <Button size="small" onClick={onRetry}>
            {t("states.retry")}
          </Button>
        ) : undefined
      }
    />
  );
}

/** A failed read: the forbidden or not-found page for a 403 or 404 (no "Try again": the answer
 * would be the same), the error with "Try again" otherwise. Failed writes use ErrorState. */
export function QueryError({ error, onRetry }: { error: unknown; onRetry: () => void }) {
  return <>{statusPageFor(error) ?? <ErrorState error={error} onRetry={onRetry} />}</>;
}

/** Renders loading / error / empty / content for one query-like result. */
export function QueryState<T>({
  query,
  isEmpty,
  empty,
  children,
}: {
  query: { isLoading: boolean; error: unknown; data: T | undefined; refetch: () => unknown };
  isEmpty?: (data: T) => boolean;
  empty?: ReactNode;
  children: (data: T) => ReactNode;
}) {
  if (query.isLoading) return <Loading />;
  if (query.error) return <QueryError error={query.error} onRetry={() => void query.refetch()} />;
  if (query.data === undefined) return <Loading />;
  if (isEmpty?.(query.data)) return <>{empty ?? <EmptyState />}</>;
  return <>{children(query.data)}</>;
}
