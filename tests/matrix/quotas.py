"""Quotas: org admins set them, auditors read them; a department's consumption is read by its
admins, org admins and auditors; everyone reads their own. The outsider sits in another department
of the same organization: it sees the organization (403) but not the department (404)."""

from __future__ import annotations

from tests.factories import World
from tests.permission_matrix import Case, everyone


def _quotas(world: World) -> str:
    return f"/api/v1/organizations/{world.organization.pk}/quotas/"


def _quota(world: World) -> str:
    from django.db import transaction

    from bureau.quotas.services import quota_set

    with transaction.atomic():
        quota, _created = quota_set(
            actor=None,
            organization_id=world.organization.pk,
            kind="department_tokens_per_month",
            department=world.department,
            limit=100_000,
        )
    return f"{_quotas(world)}{quota.pk}/"


CASES = [
    Case("quota-list", "get", _quotas, everyone(403, org_admin=200, auditor=200)),
    Case(
        "quota-list",
        "post",
        _quotas,
        everyone(403, org_admin=201),
        body=lambda w: {"kind": "user_messages_per_day", "limit": 50},
        audit_action="quota.set",
    ),
    Case("quota-detail", "delete", _quota, everyone(403, org_admin=204), audit_action="quota.delete"),
    Case(
        "department-quota-usage",
        "get",
        lambda w: f"/api/v1/departments/{w.department.pk}/quota-usage/",
        everyone(403, org_admin=200, auditor=200, dept_admin=200, outsider=404),
    ),
    Case("my-quota-usage", "get", lambda w: "/api/v1/me/quota-usage/", everyone(200)),
]
