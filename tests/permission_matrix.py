"""The permission matrix: every API endpoint × every role, including an outsider from another
department. Each issue adds its endpoints' cases to CASES; a test checks that no /api/v1/ route is
left out.

Expected statuses: 2xx for what the role may do, 403 for what it may see but not change, 404 for
what it may not see at all.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
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
    format: str = "json"  # or "multipart" for uploads


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


def _kb(world: World) -> Any:
    from knowledge.models import KnowledgeBase

    found = KnowledgeBase.objects.filter(department=world.department, name="Ma trận").first()
    if found:
        return found
    from knowledge.services import knowledge_base_create

    return knowledge_base_create(actor=None, department=world.department, name="Ma trận")


def _document(world: World, content: bytes) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from knowledge.services import document_upload

    [result] = document_upload(
        actor=None, knowledge_base=_kb(world), files=[SimpleUploadedFile("t.txt", content)], dispatch=False
    )
    return result.document


def _failed_doc(world: World) -> str:
    document = _document(world, b"\x89\x00\x01\x02 not a known format")  # stored as FAILED with the reason
    return f"{KB}{_kb(world).pk}/documents/{document.pk}/"


def _queued_doc(world: World) -> str:
    document = _document(world, "Văn bản đang chờ lập chỉ mục.".encode())
    return f"{KB}{_kb(world).pk}/documents/{document.pk}/"


def _grant(world: World) -> str:
    from knowledge.services import knowledge_base_grant

    grant = knowledge_base_grant(
        actor=None, knowledge_base=_kb(world), department=world.office, permission="use"
    )
    return f"{KB}{_kb(world).pk}/grants/{grant.pk}/"


def _upload_body(world: World) -> dict[str, Any]:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return {"files": [SimpleUploadedFile("quy_che.txt", "Quy chế làm việc.".encode())]}


KB = "/api/v1/knowledge-bases/"
WRITERS = {"org_admin": 200, "dept_admin": 200, "builder": 200}


def writers(status: int) -> dict[str, int]:
    return everyone(403, outsider=404, **dict.fromkeys(WRITERS, status))


READERS = everyone(200, outsider=404)

KNOWLEDGE_CASES = [
    Case("knowledge-base-list", "get", lambda w: KB, everyone(200)),
    Case(
        "knowledge-base-list",
        "post",
        lambda w: KB,
        writers(201),
        body=lambda w: {"name": "Hỏi đáp", "department": w.department.pk},
        audit_action="knowledge_base.create",
    ),
    Case("knowledge-base-detail", "get", lambda w: f"{KB}{_kb(w).pk}/", READERS),
    Case(
        "knowledge-base-detail",
        "patch",
        lambda w: f"{KB}{_kb(w).pk}/",
        writers(200),
        body=lambda w: {"description": "Mới"},
        audit_action="knowledge_base.update",
    ),
    Case(
        "knowledge-base-detail",
        "delete",
        lambda w: f"{KB}{_kb(w).pk}/",
        writers(204),
        audit_action="knowledge_base.delete",
    ),
    Case("knowledge-base-grant-list", "get", lambda w: f"{KB}{_kb(w).pk}/grants/", READERS),
    Case(
        "knowledge-base-grant-list",
        "post",
        lambda w: f"{KB}{_kb(w).pk}/grants/",
        writers(201),
        body=lambda w: {"department": w.office.pk, "permission": "use"},
        audit_action="knowledge_base.grant",
    ),
    Case(
        "knowledge-base-grant-detail",
        "delete",
        _grant,
        writers(204),
        audit_action="knowledge_base.revoke_grant",
    ),
    Case(
        "knowledge-base-search",
        "post",
        lambda w: f"{KB}{_kb(w).pk}/search",
        READERS,
        body=lambda w: {"query": "quy chế làm việc"},
    ),
    Case("document-list", "get", lambda w: f"{KB}{_kb(w).pk}/documents/", READERS),
    Case(
        "document-list",
        "post",
        lambda w: f"{KB}{_kb(w).pk}/documents/",
        writers(201),
        body=_upload_body,
        audit_action="document.upload",
        format="multipart",
    ),
    Case("document-detail", "get", _failed_doc, READERS),
    Case(
        "document-detail",
        "patch",
        _failed_doc,
        writers(200),
        body=lambda w: {"enabled": False},
        audit_action="document.disable",
    ),
    Case("document-detail", "delete", _failed_doc, writers(204), audit_action="document.delete"),
    Case(
        "document-retry",
        "post",
        lambda w: _failed_doc(w) + "retry/",
        writers(200),
        audit_action="document.retry",
    ),
    Case(
        "document-reindex",
        "post",
        lambda w: _failed_doc(w) + "reindex/",
        writers(200),
        audit_action="document.reindex",
    ),
    Case(
        "document-cancel",
        "post",
        lambda w: _queued_doc(w) + "cancel/",
        writers(200),
        audit_action="document.cancel",
    ),
    Case("document-file", "get", lambda w: _queued_doc(w) + "file/", READERS),
    Case("document-chunks", "get", lambda w: _queued_doc(w) + "chunks/", READERS),
    Case("document-runs", "get", lambda w: _queued_doc(w) + "runs/", READERS),
]


def _area_cases() -> list[Case]:
    """Cases that other areas keep in tests/matrix/<area>.py."""
    import importlib
    import pkgutil

    import tests.matrix

    found: list[Case] = []
    for module in sorted(pkgutil.iter_modules(tests.matrix.__path__), key=lambda m: m.name):
        found.extend(importlib.import_module(f"tests.matrix.{module.name}").CASES)
    return found


CASES: list[Case] = [*TENANCY_CASES, *AUDIT_CASES, *KNOWLEDGE_CASES, *_area_cases()]

__all__ = ["CASES", "Case", "Role", "everyone", "make_member"]
