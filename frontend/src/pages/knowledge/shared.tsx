// What the knowledge screens share: the API's types (their queries are in api.ts), who may change a knowledge base, and the tags
// that show a document's status or a knowledge base's classification in the same colours everywhere.
import { Tag } from "antd";
import type { ComponentProps, ReactNode } from "react";
import { Link } from "react-router";
import { useTranslation } from "react-i18next";

import type { components } from "../../api/schema";
import type { AuthState } from "../../auth/AuthProvider";

export type KnowledgeBase = components["schemas"]["KnowledgeBase"];
export type KnowledgeDocument = components["schemas"]["Document"];
export type Grant = components["schemas"]["Grant"];
export type SearchHit = components["schemas"]["SearchHit"];
export type Chunk = components["schemas"]["Chunk"];
export type IndexingRun = components["schemas"]["IndexingRun"];
export type CatalogEntry = components["schemas"]["CatalogEntry"];
export type Department = components["schemas"]["CatalogDepartment"];

/** Settings, grants and deletion: org admins and builders of the owner department (the API checks
 * again; an "edit" grant lets other builders change documents only, which the server decides). */
export function canManage(auth: AuthState, knowledgeBase: Pick<KnowledgeBase, "department">): boolean {
  return auth.isOrgAdmin || auth.departmentsWith("builder").some((d) => d.id === knowledgeBase.department);
}

/** A red dark enough for AA contrast on white (antd's error red is too pale for small text). */
export const DANGER_TEXT = "#a8071a";

/** Link blue dark enough for AA contrast on white and on a table row's hover grey. */
export const LINK_COLOR = "#0950c5";

/** A router link in the section's accessible link colour. */
export function KnowledgeLink({ style, ...props }: ComponentProps<typeof Link>) {
  return <Link {...props} style={{ color: LINK_COLOR, ...style }} />;
}

// Tag colours with dark text on a light ground: antd's own tag colours are too pale for WCAG AA
// contrast on small text.
const PALETTE: Record<string, { color: string; background: string; borderColor: string }> = {
  default: { color: "rgba(0, 0, 0, 0.85)", background: "#f5f5f5", borderColor: "#d9d9d9" },
  blue: { color: "#003eb3", background: "#e6f4ff", borderColor: "#91caff" },
  green: { color: "#135200", background: "#f6ffed", borderColor: "#b7eb8f" },
  red: { color: "#a8071a", background: "#fff1f0", borderColor: "#ffa39e" },
  gold: { color: "#613400", background: "#fffbe6", borderColor: "#ffe58f" },
  orange: { color: "#871400", background: "#fff7e6", borderColor: "#ffd591" },
  purple: { color: "#22075e", background: "#f9f0ff", borderColor: "#d3adf7" },
};

export function ToneTag({ tone, children }: { tone: string; children: ReactNode }) {
  return (
    <Tag variant="outlined" style={PALETTE[tone] ?? PALETTE.default}>
      {children}
    </Tag>
  );
}

const STATUS_COLORS: Record<string, string> = {
  uploaded: "default",
  queued: "default",
  parsing: "blue",
  chunking: "blue",
  embedding: "blue",
  ready: "green",
  failed: "red",
  cancelling: "gold",
  cancelled: "gold",
  waiting: "default",
  uploading: "blue",
  duplicate: "gold",
  rejected: "red",
};

export function StatusTag({ status }: { status: string }) {
  const { t } = useTranslation("knowledge");
  return <ToneTag tone={STATUS_COLORS[status] ?? "default"}>{t(`status.${status}`, { defaultValue: status })}</ToneTag>;
}

const CLASSIFICATION_COLORS: Record<string, string> = {
  public: "green",
  internal: "blue",
  confidential: "orange",
  secret: "red",
};

export function ClassificationTag({ value }: { value: string }) {
  const { t } = useTranslation("knowledge");
  return <ToneTag tone={CLASSIFICATION_COLORS[value] ?? "default"}>{t(`classification.${value}`)}</ToneTag>;
}
