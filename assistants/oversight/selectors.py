"""Access-checked reads for the oversight of conversations: org admins and auditors reach every
conversation of their organization; a conversation's owner keeps their own access and may export
it, and sees its hold but may not change it (403); anyone else gets 404."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import BooleanField, ExpressionWrapper, QuerySet
from django.utils.translation import gettext as _

from assistants.conversations.services import conversation_owner_condition
from assistants.models import Assistant, Conversation
from bureau.exceptions import NotFound, PermissionDenied
from bureau.ids import as_id
from bureau.tenancy.access import access_of


def _whole_organizations(actor: Any) -> frozenset[int]:
    access = access_of(actor)
    return access.org_admin_of | access.auditor_of


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
