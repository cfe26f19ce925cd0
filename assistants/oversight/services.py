"""Oversight of conversations by the organization's auditors and admins: exporting one (with its
citations, tool calls and the version that answered), and legal holds. Finding them, and who may:
assistants/oversight/selectors.py.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from assistants.catalog.versions import version_config
from assistants.chat.storing import citation_data
from assistants.models import Assistant, Conversation, Message
from bureau.audit.services import audit_record

# --- export ----------------------------------------------------------------------------------------


def _message_data(message: Message) -> dict[str, Any]:
    return {
        "id": message.pk,
        "role": message.role,
        "content": message.content,
        "status": message.status,
        "error": message.error,
        "extractive": message.extractive,
        "model": message.model,
        "prompt_tokens": message.prompt_tokens,
        "completion_tokens": message.completion_tokens,
        "latency_ms": message.latency_ms,
        "ttft_ms": message.ttft_ms,
        "redactions": message.redactions,
        "regenerated_from": message.regenerated_from_id,
        "created_at": message.created_at.isoformat(),
        "citations": [citation_data(citation) for citation in message.citations.all()],
        "tool_calls": [
            {
                "call_id": call.call_id,
                "kind": call.kind,
                "name": call.name,
                "arguments": call.arguments,
                "status": call.status,
                "result_summary": call.result_summary,
                "result": call.result,
                "error": call.error,
                "duration_ms": call.duration_ms,
                "created_at": call.created_at.isoformat(),
            }
            for call in message.tool_calls.all()
        ],
    }


def conversation_export(*, actor: Any, conversation: Conversation) -> dict[str, Any]:
    """The whole conversation as JSON; the export itself is recorded (`conversation.export`)."""
    messages = (
        Message.objects.filter(conversation=conversation)
        .prefetch_related("citations", "tool_calls")
        .order_by("created_at", "id")
    )
    version = conversation.version
    assistant = conversation.assistant
    exported_messages = [_message_data(message) for message in messages]
    data = {
        "conversation": {
            "id": conversation.pk,
            "title": conversation.title,
            "assistant": {"id": assistant.pk, "slug": assistant.slug, "name": assistant.name},
            "department": assistant.department_id,
            "organization": assistant.organization_id,
            "user": conversation.user.email if conversation.user else None,
            "api_key": conversation.api_key.prefix if conversation.api_key else None,
            "legal_hold": conversation.legal_hold or assistant.legal_hold,
            "created_at": conversation.created_at.isoformat(),
            "updated_at": conversation.updated_at.isoformat(),
        },
        "version": {
            "number": version.number,
            "state": version.state,
            "config_hash": version.config_hash,
            "published_at": version.published_at.isoformat() if version.published_at else None,
            "config": version_config(version),
        },
        "messages": exported_messages,
    }
    with transaction.atomic():
        audit_record(
            actor=actor,
            organization=assistant.organization_id,
            department=assistant.department_id,
            action="conversation.export",
            target=conversation,
            after={"messages": len(exported_messages)},
        )
    return data


# --- legal hold ------------------------------------------------------------------------------------


def conversation_legal_hold_set(
    *, actor: Any, conversation: Conversation, legal_hold: bool, reason: str = ""
) -> Conversation:
    with transaction.atomic():
        # Locked: the retention task skips rows it cannot lock, and sees the hold once this commits.
        locked = Conversation.objects.select_for_update().get(pk=conversation.pk)
        before = {"legal_hold": locked.legal_hold}
        locked.legal_hold = legal_hold
        # Not `updated_at`: a hold is not activity, and must not postpone the retention period.
        Conversation.objects.filter(pk=locked.pk).update(legal_hold=legal_hold)
        audit_record(
            actor=actor,
            organization=conversation.assistant.organization_id,
            department=conversation.assistant.department_id,
            action="conversation.legal_hold",
            target=locked,
            before=before,
            after={"legal_hold": legal_hold, "reason": reason[:1000]},
        )
    conversation.legal_hold = legal_hold
    return conversation


def assistant_legal_hold_set(
    *, actor: Any, assistant: Assistant, legal_hold: bool, reason: str = ""
) -> Assistant:
    with transaction.atomic():
        locked = Assistant.objects.select_for_update().get(pk=assistant.pk)
        before = {"legal_hold": locked.legal_hold}
        Assistant.objects.filter(pk=locked.pk).update(legal_hold=legal_hold)
        audit_record(
            actor=actor,
            organization=assistant.organization_id,
            department=assistant.department_id,
            action="assistant.legal_hold",
            target=locked,
            before=before,
            after={"legal_hold": legal_hold, "reason": reason[:1000]},
        )
    assistant.legal_hold = legal_hold
    return assistant
