"""Writes around produced files: storing a drafted document with its audit event."""

from __future__ import annotations

import hashlib
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction

from assistants.models import Conversation, GeneratedFile, GeneratedFileKind, Message
from bureau.audit.services import audit_record
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
