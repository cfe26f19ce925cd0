// An answer rendered as Markdown (GFM tables, lists), its citation markers as clickable superscripts.
import { useMemo } from "react";
import Markdown, { type Components } from "react-markdown";
import remarkGfm from "remark-gfm";

import { CitationMarker } from "./CitationMarker";
import { citationMarkdown, citationsByMarker, markerOfHref, type CitationInfo } from "./citations";

export function AnswerMarkdown({ text, citations }: { text: string; citations: readonly CitationInfo[] }) {
  const byMarker = useMemo(() => citationsByMarker(citations), [citations]);
  const source = useMemo(() => citationMarkdown(text, new Set(byMarker.keys())), [text, byMarker]);
  const components = useMemo<Components>(
    () => ({
      a({ href, children }) {
        const marker = markerOfHref(href);
        const citation = marker != null ? byMarker.get(marker) : undefined;
        if (citation) return <CitationMarker citation={citation} />;
        return (
          <a href={href} target="_blank" rel="noopener noreferrer">
            {children}
          </a>
        );
      },
      table({ children }) {
        return (
          <div className="chat-table-scroll" tabIndex={0}>
            <table>{children}</table>
          </div>
        );
      },
    }),
    [byMarker],
  );
  return (
    <div className="chat-markdown">
      <Markdown remarkPlugins={[remarkGfm]} components={components}>
        {source}
      </Markdown>
    </div>
  );
}
