"""Writes for knowledge bases and documents. Indexing itself lives in knowledge/ingestion/."""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, cast

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.db.models import FileField
from django.utils.translation import gettext as _

from bureau.audit.services import audit_record, diff
from bureau.exceptions import Conflict, ValidationFailed
from bureau.tenancy.models import Department
from knowledge.ingestion import transitions
from knowledge.ingestion.dispatch import document_enqueue
from knowledge.models import (
    IN_PROGRESS,
    SUPPORTED_DIMENSIONS,
    Document,
    DocumentStatus,
    EmbeddingProvider,
    KnowledgeBase,
    KnowledgeBaseGrant,
)
from knowledge.parsing import ParseError, detect_path
from knowledge.search import active_chunks

PROFILE_FIELDS = (
    "embedding_provider",
    "embedding_model",
    "embedding_dimension",
    "query_prefix",
    "passage_prefix",
)
SETTINGS_FIELDS = (
    "name",
    "description",
    "visibility",
    "classification",
    "domain_tags",
    "chunk_tokens",
    "chunk_overlap",
    *PROFILE_FIELDS,
)


def _state(knowledge_base: KnowledgeBase) -> dict[str, Any]:
    return {name: getattr(knowledge_base, name) for name in SETTINGS_FIELDS}


def _validate_settings(values: dict[str, Any]) -> None:
    errors: dict[str, list[str]] = {}
    tokens, overlap = values.get("chunk_tokens"), values.get("chunk_overlap")
    if tokens is not None and not 50 <= tokens <= 4000:
        errors["chunk_tokens"] = [_("Chunk size must be between 50 and 4000 tokens.")]
    if tokens is not None and overlap is not None and overlap >= tokens // 2:
        errors["chunk_overlap"] = [_("The overlap must be less than half the chunk size.")]
    if values.get("embedding_provider") == EmbeddingProvider.LOCAL:
        if values.get("embedding_dimension") not in (None, 384):
            errors["embedding_dimension"] = [_("The built-in model has 384 dimensions.")]
    elif values.get("embedding_dimension") not in SUPPORTED_DIMENSIONS:
        errors["embedding_dimension"] = [
            _("Supported dimensions: %s.") % ", ".join(map(str, SUPPORTED_DIMENSIONS))
        ]
    if values.get("embedding_provider") == EmbeddingProvider.OPENAI and not settings.EMBEDDING_BASE_URL:
        errors["embedding_provider"] = [_("No OpenAI-compatible embedding endpoint is configured.")]
    if errors:
        raise ValidationFailed(details=errors)


@transaction.atomic
def knowledge_base_create(*, actor: Any, department: Department, name: str, **values: Any) -> KnowledgeBase:
    if values.get("embedding_provider", EmbeddingProvider.LOCAL) == EmbeddingProvider.LOCAL:
        values.update(
            embedding_provider=EmbeddingProvider.LOCAL,
            embedding_model="multilingual-e5-small-q4",
            embedding_dimension=384,
            query_prefix="",
            passage_prefix="",
        )
    values.setdefault("chunk_tokens", 400)
    values.setdefault("chunk_overlap", 60)
    _validate_settings(values)
    knowledge_base = KnowledgeBase.objects.create(
        organization_id=department.organization_id,
        department=department,
        name=name,
        created_by=actor if getattr(actor, "email", None) else None,
        **values,
    )
    audit_record(
        actor=actor,
        organization=department.organization_id,
        department=department,
        action="knowledge_base.create",
        target=knowledge_base,
        after=_state(knowledge_base),
    )
    return knowledge_base


@transaction.atomic
def knowledge_base_update(*, actor: Any, knowledge_base: KnowledgeBase, **changes: Any) -> KnowledgeBase:
    knowledge_base = KnowledgeBase.objects.select_for_update().get(pk=knowledge_base.pk)
    before = _state(knowledge_base)
    merged = {**before, **changes}
    if merged["embedding_provider"] == EmbeddingProvider.LOCAL:
        merged.update(
            embedding_model="multilingual-e5-small-q4",
            embedding_dimension=384,
            query_prefix="",
            passage_prefix="",
        )
    _validate_settings(merged)
    for name in SETTINGS_FIELDS:
        setattr(knowledge_base, name, merged[name])
    knowledge_base.save()
    old, new = diff(before, _state(knowledge_base))
    if not new:
        return knowledge_base
    audit_record(
        actor=actor,
        organization=knowledge_base.organization_id,
        department=knowledge_base.department_id,
        action="knowledge_base.update",
        target=knowledge_base,
        before=old,
        after=new,
    )
    # A new embedding profile or chunking makes every indexed document stale: re-index them all.
    # The old chunks keep serving until each document's new generation is ready.
    if any(name in new for name in (*PROFILE_FIELDS, "chunk_tokens", "chunk_overlap")):
        for document in knowledge_base.documents.exclude(
            status__in=[*IN_PROGRESS, DocumentStatus.CANCELLING]
        ):
            document_enqueue(document=document, new_generation=True)
    return knowledge_base


@transaction.atomic
def knowledge_base_delete(*, actor: Any, knowledge_base: KnowledgeBase) -> None:
    """Everything of the knowledge base goes in a few set-based statements, whatever its size. Its
    keyword statistics are deleted with it, not taken apart document by document: in one
    transaction, each document rewrote the rows of the common words once more, and 2,249
    documents took over ten minutes."""
    names = list(knowledge_base.documents.values_list("file", flat=True))
    audit_record(
        actor=actor,
        organization=knowledge_base.organization_id,
        department=knowledge_base.department_id,
        action="knowledge_base.delete",
        target=knowledge_base,
        before={**_state(knowledge_base), "documents": len(names)},
    )
    # The cascade takes the documents, their runs, chunks and tables, and the statistics rows.
    knowledge_base.delete()
    _delete_files_on_commit([name for name in names if name])


@transaction.atomic
def knowledge_base_grant(
    *, actor: Any, knowledge_base: KnowledgeBase, department: Department, permission: str
) -> KnowledgeBaseGrant:
    if department.organization_id != knowledge_base.organization_id:
        raise ValidationFailed(details={"department": [_("Grants stay within the organization.")]})
    if department.pk == knowledge_base.department_id:
        raise ValidationFailed(details={"department": [_("The owner department already has every right.")]})
    grant, created = KnowledgeBaseGrant.objects.update_or_create(
        knowledge_base=knowledge_base, department=department, defaults={"permission": permission}
    )
    audit_record(
        actor=actor,
        organization=knowledge_base.organization_id,
        department=knowledge_base.department_id,
        action="knowledge_base.grant",
        target=knowledge_base,
        after={"department": department.pk, "permission": permission, "created": created},
    )
    return grant


@transaction.atomic
def knowledge_base_revoke_grant(*, actor: Any, grant: KnowledgeBaseGrant) -> None:
    knowledge_base = grant.knowledge_base
    audit_record(
        actor=actor,
        organization=knowledge_base.organization_id,
        department=knowledge_base.department_id,
        action="knowledge_base.revoke_grant",
        target=knowledge_base,
        before={"department": grant.department_id, "permission": grant.permission},
    )
    grant.delete()


# --- documents -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class UploadResult:
    filename: str
    outcome: str  # "created", "duplicate" or "rejected"
    document: Document | None = None
    reason: str = ""


def _hash_and_copy(source: IO[bytes], destination: IO[bytes], limit: int) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    while block := source.read(1024 * 1024):
        size += len(block)
        if size > limit:
            raise ValidationFailed(
                _("The file is larger than the limit of %(mb)d MB.") % {"mb": limit // 2**20}
            )
        digest.update(block)
        destination.write(block)
    return digest.hexdigest(), size


def document_upload(
    *, actor: Any, knowledge_base: KnowledgeBase, files: list[Any], dispatch: bool = True
) -> list[UploadResult]:
    """Store each file, decide its type from its content, and queue it for indexing. A file that is
    too large, of an unknown type, or already in the knowledge base is reported, not stored.
    `dispatch=False` queues without sending the task (for pipeline.index_document_inline)."""
    return [
        _upload_one(actor=actor, knowledge_base=knowledge_base, upload=upload, dispatch=dispatch)
        for upload in files
    ]


def _upload_one(*, actor: Any, knowledge_base: KnowledgeBase, upload: Any, dispatch: bool) -> UploadResult:
    filename = os.path.basename(getattr(upload, "name", "") or "document")[:255]
    limit = settings.BUREAU_MAX_UPLOAD_BYTES
    if getattr(upload, "size", 0) > limit:
        return UploadResult(
            filename,
            "rejected",
            reason=_("The file is larger than the limit of %(mb)d MB.") % {"mb": limit // 2**20},
        )
    with tempfile.NamedTemporaryFile(suffix=Path(filename).suffix.lower()[:10], delete=False) as temporary:
        temp_path = Path(temporary.name)
        try:
            upload.seek(0)
            sha256, size = _hash_and_copy(upload, temporary, limit)
        except ValidationFailed as error:
            temp_path.unlink(missing_ok=True)
            return UploadResult(filename, "rejected", reason=str(error.message))
    try:
        kind, unreadable = "", None
        try:
            kind = str(detect_path(temp_path))
        except ParseError as error:
            unreadable = error  # stored all the same, as FAILED with the reason, so nothing is lost
        existing = Document.objects.filter(knowledge_base=knowledge_base, sha256=sha256).first()
        if existing is not None:
            return UploadResult(
                filename,
                "duplicate",
                document=existing,
                reason=_("The same file is already in this knowledge base as “%(title)s”.")
                % {"title": existing.title},
            )
        with transaction.atomic():
            document = Document(
                knowledge_base=knowledge_base,
                title=Path(filename).stem[:500] or filename,
                filename=filename,
                size_bytes=size,
                sha256=sha256,
                kind=kind,
                status=DocumentStatus.UPLOADED,
                uploaded_by=actor if getattr(actor, "email", None) else None,
            )
            with open(temp_path, "rb") as stored:
                document.file.save(filename, File(stored), save=False)
            if unreadable is not None:
                document.status = DocumentStatus.FAILED
                document.failed_stage = DocumentStatus.PARSING
                document.failure_reason = transitions.failure_reason(unreadable)
            document.save()
            audit_record(
                actor=actor,
                organization=knowledge_base.organization_id,
                department=knowledge_base.department_id,
                action="document.upload",
                target=document,
                after={
                    "knowledge_base": knowledge_base.pk,
                    "filename": filename,
                    "size_bytes": size,
                    "sha256": sha256,
                    "kind": kind,
                    "status": document.status,
                },
            )
            if unreadable is None:
                document_enqueue(document=document, new_generation=True, dispatch=dispatch)
                document.refresh_from_db()
        return UploadResult(filename, "created", document=document, reason=document.failure_reason)
    finally:
        temp_path.unlink(missing_ok=True)


def _document_state(document: Document) -> dict[str, Any]:
    return {"title": document.title, "enabled": document.enabled, "status": document.status}


@transaction.atomic
def document_update(*, actor: Any, document: Document, **changes: Any) -> Document:
    document = Document.objects.select_for_update().get(pk=document.pk)
    before = _document_state(document)
    if "title" in changes:
        document.title = changes["title"]
    if "enabled" in changes and changes["enabled"] != document.enabled:
        document.enabled = changes["enabled"]
        active_chunks.set_document_enabled(document=document, enabled=document.enabled)
    document.save()
    old, new = diff(before, _document_state(document))
    if new:
        action = "document.update"
        if list(new) == ["enabled"]:
            action = "document.enable" if document.enabled else "document.disable"
        audit_record(
            actor=actor,
            organization=document.knowledge_base.organization_id,
            department=document.knowledge_base.department_id,
            action=action,
            target=document,
            before=old,
            after=new,
        )
    return document


@transaction.atomic
def document_retry(*, actor: Any, document: Document) -> Document:
    if document.status not in (DocumentStatus.FAILED, DocumentStatus.CANCELLED):
        raise Conflict(_("Only a failed or cancelled document can be retried."))
    return _requeue(actor=actor, document=document, action="document.retry")


@transaction.atomic
def document_reindex(*, actor: Any, document: Document) -> Document:
    if document.status in (*IN_PROGRESS, DocumentStatus.CANCELLING):
        raise Conflict(_("The document is being indexed; cancel it first or wait until it is done."))
    return _requeue(actor=actor, document=document, action="document.reindex")


def _requeue(*, actor: Any, document: Document, action: str) -> Document:
    before = document.status
    document_enqueue(document=document, new_generation=True)
    document.refresh_from_db()
    audit_record(
        actor=actor,
        organization=document.knowledge_base.organization_id,
        department=document.knowledge_base.department_id,
        action=action,
        target=document,
        before={"status": before},
        after={"status": document.status, "generation": document.building_generation},
    )
    return document


@transaction.atomic
def document_cancel(*, actor: Any, document: Document) -> Document:
    if not transitions.request_cancel(document=document):
        raise Conflict(_("The document is not being indexed."))
    document.refresh_from_db()
    audit_record(
        actor=actor,
        organization=document.knowledge_base.organization_id,
        department=document.knowledge_base.department_id,
        action="document.cancel",
        target=document,
        after={"status": document.status},
    )
    return document


@transaction.atomic
def document_delete(*, actor: Any, document: Document) -> None:
    audit_record(
        actor=actor,
        organization=document.knowledge_base.organization_id,
        department=document.knowledge_base.department_id,
        action="document.delete",
        target=document,
        before={
            "title": document.title,
            "filename": document.filename,
            "sha256": document.sha256,
            "status": document.status,
        },
    )
    _delete_document_rows(document)


def _delete_document_rows(document: Document) -> None:
    """Chunks (with their vectors) go with the row; the file goes once the deletion commits."""
    active_chunks.remove_document(document=document)
    name = document.file.name
    document.delete()
    _delete_files_on_commit([name] if name else [])


def _delete_files_on_commit(names: list[str]) -> None:
    """The stored files go once the rows' deletion commits (a rollback keeps both)."""
    storage = cast(FileField, Document._meta.get_field("file")).storage

    def delete() -> None:
        for name in names:
            storage.delete(name)

    if names:
        transaction.on_commit(delete)
