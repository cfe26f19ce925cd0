// The assistant builder: the list of assistants I may edit (/builder) and the editor of one draft
// with its live preview and version history (/builder/:assistantId).
import { useTranslation } from "react-i18next";
import { Route, Routes } from "react-router";

import { useAuth } from "../../auth/AuthProvider";
import { ForbiddenPage } from "../../components/StatusPages";
import { AssistantList } from "./AssistantList";
import { Editor } from "./Editor";
import "./builder.css";

export default function BuilderSection() {
  const { t } = useTranslation("builder");
  const auth = useAuth();
  if (!auth.canBuild) return <ForbiddenPage reason={t("forbidden")} />;
  return (
    <Routes>
      <Route index element={<AssistantList />} />
      <Route path=":assistantId" element={<Editor />} />
    </Routes>
  );
}
