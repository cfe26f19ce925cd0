"""Files attached to a conversation. They go through the knowledge pipeline into a knowledge base of
that conversation alone (``scope="conversation:<id>"``), which no list, assistant or other
conversation sees (knowledge.selectors leaves scoped bases out), and which is deleted with the
conversation. The knowledge app knows nothing of conversations; the link is the scope string.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from assistants.models import Conversation
from bureau.audit.services import audit_record
from bureau.exceptions import NotFound
from knowledge import services as knowledge_services
from knowledge.models import (
    IN_PROGRESS,
    Classification,
    Document,
    DocumentStatus,
    KnowledgeBase,
    Visibility,
)
from knowledge.search.retrieval import RetrievedChunk


def scope_of(conversation_id: int) -> str:
    return f"conversation:{conversation_id}"


def attachment_knowledge_base(conversation_id: int) -> KnowledgeBase | None:
    return KnowledgeBase.objects.filter(scope=scope_of(conversation_id)).first()


def attachment_list(*, conversation: Conversation) -> list[Document]:
    """The conversation's attachments; the caller has checked that the actor owns the conversation."""
    return list(Document.objects.filter(knowledge_base__scope=scope_of(conversation.pk)))


def attachment_get(*, conversation: Conversation, document_id: int | str) -> Document:
    try:
        pk = int(document_id)
    except (TypeError, ValueError):
        pk = -1
    document = (
        Document.objects.select_related("knowledge_base")
        .filter(knowledge_base__scope=scope_of(conversation.pk), pk=pk)
        .first()
    )
    if document is None:
        raise NotFound(_("Attachment not found."))
    return document


def _attachment_base_for_update(*, actor: Any, conversation: Conversation) -> KnowledgeBase:
    # The conversation row is locked so that two uploads at once create one knowledge base.
    Conversation.objects.select_for_update().filter(pk=conversation.pk).first()
    existing = attachment_knowledge_base(conversation.pk)
    if existing is not None:
        return existing
    assistant = conversation.assistant
    return knowledge_services.knowledge_base_create(
        actor=actor,
        department=assistant.department,
        name=_("Attachments of conversation %(id)s") % {"id": conversation.pk},
        visibility=Visibility.PRIVATE,
        classification=Classification.INTERNAL,
        scope=scope_of(conversation.pk),
    )


@transaction.atomic
def attachment_add(
    *, actor: Any, conversation: Conversation, files: list[Any], dispatch: bool = True
) -> list[knowledge_services.UploadResult]:
    """Each file is reported created, duplicate or rejected, as a knowledge-base upload is.
    `dispatch=False` leaves indexing to knowledge.ingestion.pipeline.index_document_inline (tests)."""
    knowledge_base = _attachment_base_for_update(actor=actor, conversation=conversation)
    results = knowledge_services.document_upload(
        actor=actor, knowledge_base=knowledge_base, files=files, dispatch=dispatch
    )
    assistant = conversation.assistant
    audit_record(
        actor=actor,
        organization=assistant.organization_id,
        department=assistant.department_id,
        action="conversation.attach",
        target=conversation,
        after={
            "knowledge_base": knowledge_base.pk,
            "files": [
                {
                    "filename": r.filename,
                    "outcome": r.outcome,
                    "document": r.document.pk if r.document else None,
                }
                for r in results
            ],
        },
    )
    return results


@transaction.atomic
def attachment_remove(*, actor: Any, conversation: Conversation, document: Document) -> None:
    assistant = conversation.assistant
    before = {"document": document.pk, "filename": document.filename, "sha256": document.sha256}
    knowledge_services.document_delete(actor=actor, document=document)
    audit_record(
        actor=actor,
        organization=assistant.organization_id,
        department=assistant.department_id,
        action="conversation.detach",
        target=conversation,
        before=before,
    )


def attachments_delete_for(conversation: Conversation, *, actor: Any = None) -> None:
    """Called by conversation_delete, inside its transaction, before the conversation goes."""
    knowledge_base = attachment_knowledge_base(conversation.pk)
    if knowledge_base is not None:
        knowledge_services.knowledge_base_delete(actor=actor, knowledge_base=knowledge_base)


# --- retrieval ------------------------------------------------------------------------------------


def attachment_knowledge_bases(conversation: Conversation) -> list[KnowledgeBase]:
    """The conversation's attachment base, when it has something to search."""
    knowledge_base = attachment_knowledge_base(conversation.pk)
    if knowledge_base is None:
        return []
    if not knowledge_base.documents.filter(enabled=True, active_generation__gt=0).exists():
        return []
    return [knowledge_base]


@dataclass(frozen=True)
class UnreadyAttachment:
    """An attachment of which nothing can be searched yet: still being indexed, failed or cancelled."""

    id: int
    filename: str
    status: str
    chunks_done: int
    chunks_total: int
    failure_reason: str

    @property
    def in_progress(self) -> bool:
        return self.status in (DocumentStatus.UPLOADED, *IN_PROGRESS)

    @property
    def reason(self) -> str:
        """Why an answer does not use it, for the person who attached it."""
        if self.in_progress:
            return _("it is still being read; ask again in a moment")
        if self.status == DocumentStatus.FAILED:
            # Stored Vietnamese first, then English (knowledge/ingestion/transitions.py, failure_reason).
            return self.failure_reason or _("it could not be read")
        return _("its reading was cancelled")

    def waiting_data(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "filename": self.filename,
            "status": self.status,
            "chunks_done": self.chunks_done,
            "chunks_total": self.chunks_total,
        }

    def unavailable_data(self) -> dict[str, Any]:
        return {"id": self.id, "filename": self.filename, "status": self.status, "reason": self.reason}


def unready_attachments(conversation_id: int) -> list[UnreadyAttachment]:
    """The conversation's enabled attachments with no generation indexed yet (one being re-indexed
    is searched meanwhile in its previous one, so it is not among them)."""
    rows = (
        Document.objects.filter(
            knowledge_base__scope=scope_of(conversation_id), enabled=True, active_generation=0
        )
        .order_by("id")
        .values_list("id", "filename", "status", "chunks_done", "chunks_total", "failure_reason")
    )
    return [UnreadyAttachment(*row) for row in rows]


def _profile(knowledge_base: KnowledgeBase) -> tuple[str, str, int, str, str]:
    return (
        knowledge_base.embedding_provider,
        knowledge_base.embedding_model,
        knowledge_base.embedding_dimension,
        knowledge_base.query_prefix,
        knowledge_base.passage_prefix,
    )


def retrieval_groups(
    knowledge_bases: list[KnowledgeBase], attached: list[KnowledgeBase]
) -> list[list[KnowledgeBase]]:
    """The knowledge bases to search together: the attachments join the version's bases when they
    share its embedding profile (one query vector serves them all) and are searched apart otherwise."""
    if not attached:
        return [knowledge_bases]
    if not knowledge_bases:
        return [attached]
    if {_profile(kb) for kb in knowledge_bases} == {_profile(kb) for kb in attached}:
        return [knowledge_bases + attached]
    return [knowledge_bases, attached]


def merge_passages(groups: list[list[RetrievedChunk]], *, top_k: int) -> list[RetrievedChunk]:
    """Separate searches merged by fused score; one search is returned as it is."""
    if len(groups) == 1:
        return groups[0]
    merged = sorted((c for group in groups for c in group), key=lambda c: c.score, reverse=True)[:top_k]
    for rank, chunk in enumerate(merged, start=1):
        chunk.rank = rank
    return merged
