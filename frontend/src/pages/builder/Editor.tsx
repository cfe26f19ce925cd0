// The editor of one assistant (/builder/:assistantId): loads the assistant, its draft and what the
// form offers (providers, knowledge bases, tool kinds), then hands them to DraftForm.
import { useParams } from "react-router";

import { Loading, QueryError } from "../../components/PageState";
import { useAssistant, useDraft, useKnowledgeBases, useProviders, useToolKinds } from "./api";
import { DraftForm } from "./DraftForm";

export function Editor() {
  const { assistantId } = useParams();
  const id = Number(assistantId);
  const assistant = useAssistant(id);
  const draft = useDraft(id);
  const providers = useProviders();
  const knowledgeBases = useKnowledgeBases();
  const kinds = useToolKinds();
  const all = [assistant, draft, providers, knowledgeBases, kinds];
  const failed = all.find((q) => q.error);
  if (failed) return <QueryError error={failed.error} onRetry={() => all.forEach((q) => void q.refetch())} />;
  if (!assistant.data || !draft.data || !providers.data || !knowledgeBases.data || !kinds.data) return <Loading rows={8} />;
  return (
    <DraftForm
      key={draft.data.id}
      assistant={assistant.data}
      draft={draft.data}
      providers={providers.data}
      knowledgeBases={knowledgeBases.data}
      kinds={kinds.data}
    />
  );
}
