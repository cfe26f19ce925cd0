"""Retention: conversations whose last activity is older than their department's period are
deleted — with their messages, citations, tool calls, attachments and generated files — unless a
legal hold (on the conversation or on its assistant) keeps them.

The period comes from bureau.governance (department, else organization default, else
BUREAU_RETENTION_DAYS). A run takes at most one batch per department, in one transaction with one
audit event that counts what went (never the content); the rest waits for the next run. Rows are
locked with SKIP LOCKED, so two runs at once share the work instead of counting it twice, and a
second run finds nothing left to do.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TypedDict

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from assistants.conversations.attachments import scope_of
from assistants.models import Assistant, Citation, Conversation, GeneratedFile, Message, ToolCall
from bureau.audit.services import audit_record
from bureau.governance.selectors import retention_of
from bureau.tenancy.models import Department
from knowledge import services as knowledge_services
from knowledge.models import Document, KnowledgeBase


class RetentionCounts(TypedDict):
    conversations: int
    messages: int
    citations: int
    tool_calls: int
    attachments: int
    generated_files: int


def retention_apply(
    *, now: datetime | None = None, batch_size: int | None = None
) -> dict[int, RetentionCounts]:
    """One run over every department that owns assistants. Returns what went, by department."""
    now = now or timezone.now()
    batch = batch_size or settings.BUREAU_RETENTION_BATCH
    owners = Assistant.objects.values_list("department_id", flat=True).distinct()
    done: dict[int, RetentionCounts] = {}
    for department in Department.objects.filter(pk__in=owners).order_by("pk"):
        counts = _apply_to_department(department, now, batch)
        if counts is not None:
            done[department.pk] = counts
    return done


def _apply_to_department(department: Department, now: datetime, batch: int) -> RetentionCounts | None:
    retention = retention_of(department)
    cutoff = now - timedelta(days=retention.days)
    with transaction.atomic():
        expired = (
            Conversation.objects.filter(
                assistant__department=department,
                updated_at__lt=cutoff,
                legal_hold=False,
                assistant__legal_hold=False,
            )
            .order_by("updated_at", "id")
            # Only the conversation rows; a hold being set right now waits for this transaction.
            .select_for_update(skip_locked=True, of=("self",))
        )
        ids = list(expired.values_list("pk", flat=True)[:batch])
        if not ids:
            return None
        scopes = [scope_of(pk) for pk in ids]
        stored = list(GeneratedFile.objects.filter(conversation_id__in=ids).values_list("file", "pdf"))
        files = [name for pair in stored for name in pair if name]  # the DOCX and its PDF, if made
        counts = RetentionCounts(
            conversations=len(ids),
            messages=Message.objects.filter(conversation_id__in=ids).count(),
            citations=Citation.objects.filter(message__conversation_id__in=ids).count(),
            tool_calls=ToolCall.objects.filter(message__conversation_id__in=ids).count(),
            attachments=Document.objects.filter(knowledge_base__scope__in=scopes).count(),
            generated_files=len(stored),
        )
        for knowledge_base in KnowledgeBase.objects.filter(scope__in=scopes):
            knowledge_services.knowledge_base_delete(actor=None, knowledge_base=knowledge_base)
        Conversation.objects.filter(pk__in=ids).delete()  # messages, citations, tool calls, files' rows
        audit_record(
            actor=None,
            organization=department.organization_id,
            department=department.pk,
            action="conversation.retention_delete",
            target=department,
            after={
                **counts,
                "retention_days": retention.days,
                "retention_source": retention.source,
                "cutoff": cutoff.isoformat(),
            },
        )
        transaction.on_commit(lambda: _delete_files(files))
    return counts


def _delete_files(names: list[str]) -> None:
    for name in names:
        default_storage.delete(name)
