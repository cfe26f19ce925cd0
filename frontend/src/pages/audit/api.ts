// The IT screens' data: departments, the audit log, reviews before publishing, usage and the
// configuration review, as TanStack Query hooks.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";

import { thenRefresh, type Callbacks } from "../../api/callbacks";
import { api } from "../../api/client";
import { unwrap } from "../../api/errors";
import { rowsOf } from "../../api/paginated";
import type { components } from "../../api/schema";

export type Department = components["schemas"]["Department"];
export type AuditEvent = components["schemas"]["AuditEvent"];
export type Review = components["schemas"]["Review"];
export type ReviewState = components["schemas"]["ReviewStateEnum"];
export type Reviewed = components["schemas"]["ReviewedAssistant"];
export type UsageGroup = components["schemas"]["UsageGroup"];

/** What the audit log is filtered by (the API's query parameters). */
export interface AuditFilters {
  actor?: number;
  department?: number;
  action?: string;
  target_type?: string;
  target_id?: string;
  since?: string;
  until?: string;
}

export const AUDIT_PAGE_SIZE = 50;

export const auditKeys = {
  departments: ["departments"] as const,
  events: (filters: AuditFilters, page: number) => ["audit-events", filters, page] as const,
  reviews: ["reviews"] as const,
  reviewsIn: (state: ReviewState | "all") => ["reviews", state] as const,
  review: (id: number) => ["review", id] as const,
  configurationReview: ["configuration-review"] as const,
  usageBreakdown: (by: "department" | "assistant", since: string) => ["usage-breakdown", by, since] as const,
};

/** The departments I can see (every one of the organization for org admins and auditors). */
export function useDepartments() {
  return useQuery({
    queryKey: auditKeys.departments,
    queryFn: async () => rowsOf(unwrap(await api.GET("/api/v1/departments/", { params: { query: { page_size: 500 } } }))),
    staleTime: 60_000,
  });
}

function cleaned(filters: AuditFilters): Record<string, string> {
  return Object.fromEntries(
    Object.entries(filters)
      .filter(([, value]) => value !== undefined && value !== "")
      .map(([key, value]) => [key, String(value)]),
  );
}

export function exportUrl(filters: AuditFilters, format: "csv" | "jsonl"): string {
  const params = new URLSearchParams({ ...cleaned(filters), format });
  return `/api/v1/audit-events/export/?${params.toString()}`;
}

export function useAuditEvents(filters: AuditFilters, page: number) {
  return useQuery({
    queryKey: auditKeys.events(filters, page),
    queryFn: async () =>
      unwrap(
        await api.GET("/api/v1/audit-events/", {
          params: { query: { ...cleaned(filters), page, page_size: AUDIT_PAGE_SIZE } },
        }),
      ),
    placeholderData: (previous) => previous,
  });
}

export function useReviews(state: ReviewState | "all") {
  return useQuery({
    queryKey: auditKeys.reviewsIn(state),
    queryFn: async () => rowsOf(unwrap(await api.GET("/api/v1/reviews/", { params: { query: state === "all" ? {} : { state } } }))),
  });
}

const ofReview = (reviewId: number) => ({ params: { path: { review_id: reviewId } } });

export function useReview(reviewId: number) {
  return useQuery({
    queryKey: auditKeys.review(reviewId),
    queryFn: async () => unwrap(await api.GET("/api/v1/reviews/{review_id}/", ofReview(reviewId))),
  });
}

/** Approves or rejects the review with `comment`. */
export function useDecideReview(reviewId: number, comment: string, on: Callbacks<Review, "approve" | "reject"> = {}) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async (decision: "approve" | "reject") =>
      decision === "approve"
        ? unwrap(await api.POST("/api/v1/reviews/{review_id}/approve/", { ...ofReview(reviewId), body: { comment } }))
        : unwrap(await api.POST("/api/v1/reviews/{review_id}/reject/", { ...ofReview(reviewId), body: { comment } })),
    ...thenRefresh(on, () =>
      Promise.all([
        client.invalidateQueries({ queryKey: auditKeys.reviews }),
        client.invalidateQueries({ queryKey: auditKeys.review(reviewId) }),
      ]),
    ),
  });
}

export function useConfigurationReview() {
  return useQuery({
    queryKey: auditKeys.configurationReview,
    queryFn: async () => unwrap(await api.GET("/api/v1/configuration-review/")),
  });
}

export function useUsageBreakdown(by: "department" | "assistant", since: string) {
  return useQuery({
    queryKey: auditKeys.usageBreakdown(by, since),
    queryFn: async () => unwrap(await api.GET("/api/v1/usage/breakdown/", { params: { query: { by, since } } })),
  });
}
