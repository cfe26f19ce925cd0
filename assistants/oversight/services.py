"""Oversight of conversations by the organization's auditors and admins: finding them, exporting
one (with its citations, tool calls and the version that answered), and legal holds.

Org admins and auditors reach every conversation of their organization. A conversation's owner
keeps their own access (assistants/conversations/services.py) and may export it; they see its hold but may
not change it (403). Anyone else gets 404.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import BooleanField, ExpressionWrapper, QuerySet
from django.utils.translation import gettext as _

from assistants.catalog.versions import version_config
from assistants.chat.storing import citation_data
from assistants.conversations.services import conversation_owner_condition
from assistants.models import Assistant, Conversation, Message
from bureau.audit.services import audit_record
from bureau.exceptions import NotFound, PermissionDenied
from bureau.ids import as_id
from bureau.tenancy.access import access_of


def _whole_organizations(actor: Any) -> frozenset[int]:
    access = access_of(actor)
    return access.org_admin_of | access.auditor_of


# --- reads -----------------------------------------------------------------------------------------


def conversation_list_for_oversight(
    *,
    actor: Any,
    department_id: int | None = None,
    assistant_id: int | None = None,
    user_id: int | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> QuerySet[Conversation]:
    organizations = _whole_organizations(actor)
    if not organizations:
        raise PermissionDenied(_("Only auditors and organization admins can search conversations."))
    conversations = Conversation.objects.filter(assistant__organization_id__in=organizations)
    if department_id is not None:
        conversations = conversations.filter(assistant__department_id=department_id)
    if assistant_id is not None:
        conversations = conversations.filter(assistant_id=assistant_id)
    if user_id is not None:
        conversations = conversations.filter(user_id=user_id)
    if since is not None:
        conversations = conversations.filter(updated_at__gte=since)
    if until is not None:
        conversations = conversations.filter(created_at__lt=until)
    return conversations.select_related("assistant", "version", "user").order_by("-updated_at", "-id")


def conversation_get_for_oversight(
    *, actor: Any, conversation_id: int | str, owner_may: bool
) -> Conversation:
    """NotFound for anyone who is neither of the organization's auditors or admins nor (when
    `owner_may`) the owner; for an owner who may not, PermissionDenied."""
    owner = conversation_owner_condition(actor)
    conversation = (
        Conversation.objects.select_related("assistant__department", "version", "user", "api_key")
        .annotate(asked_by_actor=ExpressionWrapper(owner.q, output_field=BooleanField()))
        .filter(pk=as_id(conversation_id))
        .first()
    )
    if conversation is None:
        raise NotFound(_("Conversation not found."))
    if conversation.assistant.organization_id in _whole_organizations(actor):
        return conversation
    if conversation.asked_by_actor:
        if owner_may:
            return conversation
        raise PermissionDenied(_("Only auditors and organization admins can do this."))
    raise NotFound(_("Conversation not found."))


def assistant_get_for_legal_hold(*, actor: Any, assistant_id: int | str) -> Assistant:
    from assistants.catalog.selectors import assistant_get_for

    assistant = assistant_get_for(actor=actor, assistant_id=assistant_id)
    if assistant.organization_id not in _whole_organizations(actor):
        raise PermissionDenied(_("Only auditors and organization admins can do this."))
    return assistant


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
