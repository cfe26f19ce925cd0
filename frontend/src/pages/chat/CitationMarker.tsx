// A citation marker in an answer: a superscript button whose popover names the source (document,
// heading path, pages, the cited passage) and opens the document at that page.
import { ExportOutlined } from "@ant-design/icons";
import { Popover, Space, Typography } from "antd";
import { useTranslation } from "react-i18next";

import { headingPath, pageRange, sourceUrl, type CitationInfo } from "./citations";

export function CitationDetails({ citation }: { citation: CitationInfo }) {
  const { t } = useTranslation("chat");
  const path = headingPath(citation);
  const pages = pageRange(citation);
  const url = sourceUrl(citation);
  return (
    <Space orientation="vertical" size={4} className="chat-citation-details" data-testid="citation-popover">
      <Typography.Text strong>{citation.document_title || t("citation.untitled")}</Typography.Text>
      {path.length > 0 && <Typography.Text type="secondary">{path.join(" › ")}</Typography.Text>}
      {pages && (
        <Typography.Text type="secondary">
          {pages[0] === pages[1] ? t("citation.page", { page: pages[0] }) : t("citation.pages", { from: pages[0], to: pages[1] })}
        </Typography.Text>
      )}
      {citation.snippet && (
        <blockquote className="chat-citation-snippet">{citation.snippet}</blockquote>
      )}
      {url && (
        <a href={url} target="_blank" rel="noopener noreferrer">
          <ExportOutlined /> {t("citation.open")}
        </a>
      )}
    </Space>
  );
}

export function CitationMarker({ citation }: { citation: CitationInfo }) {
  const { t } = useTranslation("chat");
  return (
    <Popover content={<CitationDetails citation={citation} />} trigger="click" placement="top">
      <sup>
        <button
          type="button"
          className="chat-citation-marker"
          aria-label={t("citation.marker", { number: citation.marker, title: citation.document_title })}
        >
          {citation.marker}
        </button>
      </sup>
    </Popover>
  );
}
