"""The permission matrix: every API endpoint × every role, including an outsider from another
department. Each issue adds its endpoints' cases to CASES; a test checks that no /api/v1/ route is
left out.

Expected statuses: 2xx for what the role may do, 403 for what it may see but not change, 404 for
what it may not see at all.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bureau.tenancy.models import ApiKey, Membership, Role
from tests.factories import World, make_member

Builder = Callable[[World], Any]


@dataclass(frozen=True)
class Case:
    name: str  # the URL name of the route
    method: str
    url: Builder
    expected: dict[str, int]
    body: Builder | None = None
    audit_action: str | None = None  # the event a successful write must record
    extra: dict[str, Any] = field(default_factory=dict)


def everyone(status: int, **overrides: int) -> dict[str, int]:
    roles = {
        "org_admin": status,
        "auditor": status,
        "dept_admin": status,
        "builder": status,
        "member": status,
        "outsider": status,
    }
    roles.update(overrides)
    return roles


def _member_membership(world: World) -> Membership:
    return Membership.objects.get(user=world.user("member"), department=world.department)


def _api_key(world: World) -> ApiKey:
    from bureau.tenancy.services import api_key_create

    return api_key_create(actor=None, department=world.department, name="k", scopes=["read"]).api_key


def _new_person(world: World) -> dict[str, str]:
    return {"email": "moi@example.vn", "full_name": "Người Mới", "role": "member"}


D = "/api/v1/departments/"

TENANCY_CASES = [
    Case("me", "get", lambda w: "/api/v1/me/", everyone(200)),
    Case("department-list", "get", lambda w: D, everyone(200)),
    Case(
        "department-list",
        "post",
        lambda w: D,
        everyone(403, org_admin=201),
        body=lambda w: {"name": "Sở Y tế", "code": "so-y-te"},
        audit_action="department.create",
    ),
    Case("department-detail", "get", lambda w: f"{D}{w.department.pk}/", everyone(200, outsider=404)),
    Case(
        "department-detail",
        "patch",
        lambda w: f"{D}{w.department.pk}/",
        everyone(403, org_admin=200, outsider=404),
        body=lambda w: {"name": "Sở Tư pháp (mới)"},
        audit_action="department.update",
    ),
    Case(
        "department-detail",
        "delete",
        lambda w: f"{D}{w.department.pk}/",
        everyone(403, org_admin=204, outsider=404),
        audit_action="department.delete",
    ),
    Case("membership-list", "get", lambda w: f"{D}{w.department.pk}/members/", everyone(200, outsider=404)),
    Case(
        "membership-list",
        "post",
        lambda w: f"{D}{w.department.pk}/members/",
        everyone(403, org_admin=201, dept_admin=201, outsider=404),
        body=_new_person,
        audit_action="membership.create",
    ),
    Case(
        "membership-detail",
        "patch",
        lambda w: f"{D}{w.department.pk}/members/{_member_membership(w).pk}/",
        everyone(403, org_admin=200, dept_admin=200, outsider=404),
        body=lambda w: {"role": "builder"},
        audit_action="membership.role_change",
    ),
    Case(
        "membership-detail",
        "delete",
        lambda w: f"{D}{w.department.pk}/members/{_member_membership(w).pk}/",
        everyone(403, org_admin=204, dept_admin=204, outsider=404),
        audit_action="membership.delete",
    ),
    Case(
        "api-key-list",
        "get",
        lambda w: f"{D}{w.department.pk}/api-keys/",
        everyone(403, org_admin=200, auditor=200, dept_admin=200, outsider=404),
    ),
    Case(
        "api-key-list",
        "post",
        lambda w: f"{D}{w.department.pk}/api-keys/",
        everyone(403, org_admin=201, dept_admin=201, outsider=404),
        body=lambda w: {"name": "Cổng dịch vụ công", "scopes": ["chat"]},
        audit_action="api_key.create",
    ),
    Case(
        "api-key-revoke",
        "post",
        lambda w: f"{D}{w.department.pk}/api-keys/{_api_key(w).pk}/revoke/",
        everyone(403, org_admin=200, dept_admin=200, outsider=404),
        audit_action="api_key.revoke",
    ),
]

AUDIT_CASES = [
    Case(
        "audit-event-list",
        "get",
        lambda w: f"/api/v1/audit-events/?department={w.department.pk}",
        everyone(403, org_admin=200, auditor=200, dept_admin=200, outsider=404),
    ),
    Case(
        "audit-event-export",
        "get",
        lambda w: f"/api/v1/audit-events/export/?department={w.department.pk}&format=csv",
        everyone(403, org_admin=200, auditor=200, dept_admin=200, outsider=404),
    ),
    Case(
        "audit-event-detail",
        "get",
        lambda w: f"/api/v1/audit-events/{_department_event(w)}/",
        everyone(404, org_admin=200, auditor=200, dept_admin=200, builder=403, member=403),
    ),
]


def _department_event(world: World) -> int:
    from django.db import transaction

    from bureau.audit.models import AuditEvent
    from bureau.tenancy.services import department_update

    with transaction.atomic():
        department_update(actor=world.user("org_admin"), department=world.department, description="Mô tả")
    return AuditEvent.objects.filter(department_id=world.department.pk).latest("id").pk


CASES: list[Case] = [*TENANCY_CASES, *AUDIT_CASES]

__all__ = ["CASES", "Case", "Role", "everyone", "make_member"]
