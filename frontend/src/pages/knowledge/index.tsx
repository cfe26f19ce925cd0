// The Knowledge section: the knowledge bases I can see (and the organization's catalog), one
// knowledge base's documents, hit testing and sharing, and one document's detail.
import { Route, Routes } from "react-router";

import { CatalogPage } from "./CatalogPage";
import { DocumentDetailPage } from "./DocumentDetailPage";
import { KnowledgeBaseListPage } from "./KnowledgeBaseListPage";
import { KnowledgeBasePage } from "./KnowledgeBasePage";

export default function KnowledgeSection() {
  return (
    <Routes>
      <Route index element={<KnowledgeBaseListPage />} />
      <Route path="catalog" element={<CatalogPage />} />
      <Route path=":kbId/documents/:docId" element={<DocumentDetailPage />} />
      <Route path=":kbId/:tab?" element={<KnowledgeBasePage />} />
    </Routes>
  );
}
