"""Writes around produced files: storing a drafted document with its audit event, and its PDF."""

from __future__ import annotations

import hashlib
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _

from assistants.documents.pdf import PdfConversionFailed, docx_to_pdf
from assistants.models import Conversation, GeneratedFile, GeneratedFileKind, Message
from bureau.audit.services import audit_record
from bureau.exceptions import Conflict
from bureau.tenancy.models import User


def generated_file_create(
    *,
    actor: Any,
    conversation: Conversation,
    message: Message | None,
    kind: GeneratedFileKind,
    filename: str,
    content: bytes,
    details: dict[str, Any] | None = None,
) -> GeneratedFile:
    """Stores the file under the conversation's assistant's organization and department, and records
    its creation in the same transaction."""
    assistant = conversation.assistant
    with transaction.atomic():
        generated = GeneratedFile(
            organization_id=assistant.organization_id,
            department_id=assistant.department_id,
            conversation=conversation,
            message=message,
            created_by=actor if isinstance(actor, User) else None,
            kind=kind,
            filename=filename[:255],
            size_bytes=len(content),
            sha256=hashlib.sha256(content).hexdigest(),
        )
        generated.file.save(filename, ContentFile(content), save=False)
        generated.save()
        audit_record(
            actor=actor,
            organization=assistant.organization_id,
            department=assistant.department_id,
            action="document.draft",
            target=generated,
            target_label=generated.filename,
            after={
                "conversation": conversation.pk,
                "message": message.pk if message else None,
                "kind": generated.kind,
                "filename": generated.filename,
                "size_bytes": generated.size_bytes,
                "sha256": generated.sha256,
                **(details or {}),
            },
        )
    return generated


def pdf_filename(generated: GeneratedFile) -> str:
    return generated.filename.rsplit(".", 1)[0] + ".pdf"


def generated_file_pdf(*, actor: Any, generated: GeneratedFile) -> GeneratedFile:
    """The drafted DOCX as PDF, made on its first download and kept.

    Not made when the draft is stored: LibreOffice takes seconds to start, which every chat turn
    that drafts would wait for although most drafts are only opened as DOCX; nor in a background
    task, whose "being made" state would need watching. Whoever asks for the PDF waits, once. A
    failure stores its reason and raises Conflict with it; the DOCX is untouched, and the next
    download tries again (LibreOffice may have been installed since)."""
    if generated.pdf:
        return generated
    with generated.file.open("rb") as source:
        data = source.read()
    try:
        pdf = docx_to_pdf(data)
    except PdfConversionFailed as failure:
        GeneratedFile.objects.filter(pk=generated.pk, pdf="").update(pdf_error=failure.reason)
        raise Conflict(_(failure.reason), details={"reason": "pdf_conversion_failed"}) from None
    field = generated.pdf
    stored = field.storage.save(
        field.field.generate_filename(generated, pdf_filename(generated)), ContentFile(pdf)
    )
    with transaction.atomic():
        # Two downloads at once may both convert: the first to record its file wins.
        won = GeneratedFile.objects.filter(pk=generated.pk, pdf="").update(pdf=stored, pdf_error="")
        if won:
            audit_record(
                actor=actor,
                organization=generated.organization_id,
                department=generated.department_id,
                action="document.pdf",
                target=generated,
                target_label=generated.filename,
                after={"pdf": stored, "size_bytes": len(pdf)},
            )
    if not won:
        field.storage.delete(stored)
    generated.refresh_from_db()
    return generated
