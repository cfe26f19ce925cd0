"""Retention and oversight: a department's retention period (org admins set it; its admins, org
admins and auditors read it), the auditors' conversation search and export, and legal holds. The
conversation belongs to the world's member, who may export it but not hold it."""

from __future__ import annotations

from typing import Any

from tests.factories import World
from tests.permission_matrix import Case, everyone


def _assistant(world: World) -> Any:
    from assistants.models import Assistant
    from tests.assistants.chat_helpers import make_assistant

    found = Assistant.objects.filter(department=world.department, slug="ma-tran").first()
    return found or make_assistant(world.department, slug="ma-tran")


def _conversation(world: World) -> int:
    from assistants.conversations.services import conversation_create

    return conversation_create(actor=world.user("member"), assistant=_assistant(world)).pk


def _policy(world: World) -> str:
    return f"/api/v1/departments/{world.department.pk}/policy/"


HOLD = {"legal_hold": True, "reason": "Thanh tra"}

CASES = [
    Case(
        "department-policy",
        "get",
        _policy,
        everyone(403, org_admin=200, auditor=200, dept_admin=200, outsider=404),
    ),
    Case(
        "department-policy",
        "patch",
        _policy,
        everyone(403, org_admin=200, outsider=404),
        body=lambda w: {"retention_days": 90},
        audit_action="department.policy.update",
    ),
    Case(
        "oversight-conversation-list",
        "get",
        lambda w: f"/api/v1/audit/conversations/?department={w.department.pk}",
        everyone(403, org_admin=200, auditor=200),
    ),
    Case(
        "conversation-export",
        "get",
        lambda w: f"/api/v1/audit/conversations/{_conversation(w)}/export/",
        everyone(404, org_admin=200, auditor=200, member=200),
        audit_action="conversation.export",
    ),
    Case(
        "conversation-legal-hold",
        "put",
        lambda w: f"/api/v1/conversations/{_conversation(w)}/legal-hold/",
        everyone(404, org_admin=200, auditor=200, member=403),
        body=lambda w: HOLD,
        audit_action="conversation.legal_hold",
    ),
    Case(
        "assistant-legal-hold",
        "put",
        lambda w: f"/api/v1/assistants/{_assistant(w).pk}/legal-hold/",
        everyone(403, org_admin=200, auditor=200, outsider=404),
        body=lambda w: HOLD,
        audit_action="assistant.legal_hold",
    ),
]
