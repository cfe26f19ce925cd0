// An answer rendered as Markdown (GFM tables, lists), its citation markers as clickable superscripts.
import { createContext, useContext, useMemo, type ComponentProps } from "react";
import Markdown, { type Components, type ExtraProps } from "react-markdown";
import remarkGfm from "remark-gfm";

import { CitationMarker } from "./CitationMarker";
import { citationMarkdown, citationsByMarker, markerOfHref, type CitationInfo } from "./citations";

// The answer's citations reach its links through a context, so that the components below stay the
// same functions: given new ones (new citations, as when the stored answer replaces the streamed
// one), react-markdown's elements would change type, and every marker would be mounted anew,
// closing the citation popover the reader had just opened.
const CitationsByMarker = createContext<ReadonlyMap<number, CitationInfo>>(new Map());

function AnswerLink({ href, children }: ComponentProps<"a"> & ExtraProps) {
  const byMarker = useContext(CitationsByMarker);
  const marker = markerOfHref(href);
  const citation = marker != null ? byMarker.get(marker) : undefined;
  if (citation) return <CitationMarker citation={citation} />;
  return (
    <a href={href} target="_blank" rel="noopener noreferrer">
      {children}
    </a>
  );
}

function AnswerTable({ children }: ComponentProps<"table"> & ExtraProps) {
  return (
    <div className="chat-table-scroll" tabIndex={0}>
      <table>{children}</table>
    </div>
  );
}

const COMPONENTS: Components = { a: AnswerLink, table: AnswerTable };

export function AnswerMarkdown({ text, citations }: { text: string; citations: readonly CitationInfo[] }) {
  const byMarker = useMemo(() => citationsByMarker(citations), [citations]);
  const source = useMemo(() => citationMarkdown(text, new Set(byMarker.keys())), [text, byMarker]);
  return (
    <div className="chat-markdown">
      <CitationsByMarker.Provider value={byMarker}>
        <Markdown remarkPlugins={[remarkGfm]} components={COMPONENTS}>
          {source}
        </Markdown>
      </CitationsByMarker.Provider>
    </div>
  );
}
