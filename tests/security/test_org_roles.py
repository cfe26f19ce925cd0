"""Who may give department roles to the holders of organization roles (issue 21, finding 6 of the
review: a department admin made the organization's read-only auditor a dept_admin of their
department, and the auditor could then write there)."""

from __future__ import annotations

from rest_framework.test import APIClient

from bureau.audit.models import AuditEvent
from bureau.tenancy.access import access_of
from bureau.tenancy.models import Membership, Role
from tests.factories import World, api_client, make_member

D = "/api/v1/departments/"


def _add(client: APIClient, department_id: int, email: str, role: str) -> tuple[int, dict]:
    response = client.post(f"{D}{department_id}/members/", {"email": email, "role": role}, format="json")
    return response.status_code, response.json()


def _membership_events() -> int:
    return AuditEvent.objects.filter(action__startswith="membership.").count()


def test_a_department_admin_cannot_add_the_auditor_to_their_department(world: World) -> None:
    auditor = world.user("auditor")
    before = _membership_events()
    for role in ("dept_admin", "builder", "member"):
        status, body = _add(api_client(world, "dept_admin"), world.department.pk, auditor.email, role)
        assert status == 403, body
        assert body["error"]["code"] == "permission_denied"
        assert body["error"]["message"]
    assert not Membership.objects.filter(user=auditor, department=world.department).exists()
    assert _membership_events() == before
    # The auditor still cannot write in that department.
    created = api_client(world, "auditor").post(
        "/api/v1/knowledge-bases/", {"name": "X", "department": world.department.pk}, format="json"
    )
    assert created.status_code == 403


def test_a_department_admin_cannot_add_an_org_admin_either(world: World) -> None:
    org_admin = world.user("org_admin")
    status, body = _add(api_client(world, "dept_admin"), world.department.pk, org_admin.email, "member")
    assert status == 403 and body["error"]["code"] == "permission_denied"
    assert not Membership.objects.filter(user=org_admin, department=world.department).exists()


def test_the_refusal_is_in_vietnamese(world: World) -> None:
    client = api_client(world, "dept_admin")
    response = client.post(
        f"{D}{world.department.pk}/members/",
        {"email": world.user("auditor").email, "role": "dept_admin"},
        format="json",
        HTTP_ACCEPT_LANGUAGE="vi",
    )
    english = client.post(
        f"{D}{world.department.pk}/members/",
        {"email": world.user("auditor").email, "role": "dept_admin"},
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == english.status_code == 403
    assert response.json()["error"]["message"] != english.json()["error"]["message"]


def test_a_department_admin_cannot_promote_an_org_role_holder_met_in_their_department(world: World) -> None:
    """A row from before the rule: the auditor is also a member here. Promoting it is refused."""
    row = Membership.objects.create(user=world.user("auditor"), department=world.department, role=Role.MEMBER)
    before = _membership_events()
    response = api_client(world, "dept_admin").patch(
        f"{D}{world.department.pk}/members/{row.pk}/", {"role": "dept_admin"}, format="json"
    )
    assert response.status_code == 403, response.content
    assert response.json()["error"]["code"] == "permission_denied"
    row.refresh_from_db()
    assert row.role == Role.MEMBER
    assert _membership_events() == before


def test_not_even_an_org_admin_gives_a_department_role_to_an_auditor(world: World) -> None:
    auditor = world.user("auditor")
    status, body = _add(api_client(world, "org_admin"), world.department.pk, auditor.email, "builder")
    assert status == 403 and body["error"]["code"] == "permission_denied"
    row = Membership.objects.create(user=auditor, department=world.department, role=Role.MEMBER)
    response = api_client(world, "org_admin").patch(
        f"{D}{world.department.pk}/members/{row.pk}/", {"role": "dept_admin"}, format="json"
    )
    assert response.status_code == 403


def test_an_org_admin_may_give_an_org_admin_a_department_role(world: World) -> None:
    """Harmless: an org admin already has every right there. The department lists them."""
    org_admin = world.user("org_admin")
    status, body = _add(api_client(world, "org_admin"), world.department.pk, org_admin.email, "member")
    assert status == 201, body


def test_someone_with_department_roles_is_not_made_an_auditor(world: World) -> None:
    """The other way round: an auditor would keep the department role's rights."""
    builder = world.user("builder")
    status, body = _add(api_client(world, "org_admin"), world.office.pk, builder.email, "auditor")
    assert status == 403 and body["error"]["code"] == "permission_denied"
    second = make_member(world.office, Role.MEMBER)
    Membership.objects.create(user=second, department=world.department, role=Role.BUILDER)
    office_row = Membership.objects.get(user=second, department=world.office)
    response = api_client(world, "org_admin").patch(
        f"{D}{world.office.pk}/members/{office_row.pk}/", {"role": "auditor"}, format="json"
    )
    assert response.status_code == 403


def test_an_auditor_whose_only_membership_changes_is_no_longer_an_auditor(world: World) -> None:
    """Changing the auditor's own row to a department role ends the auditor role: allowed to an
    org admin, since the person then holds no organization role."""
    auditor = world.user("auditor")
    row = Membership.objects.get(user=auditor, department=world.office)
    response = api_client(world, "org_admin").patch(
        f"{D}{world.office.pk}/members/{row.pk}/", {"role": "member"}, format="json"
    )
    assert response.status_code == 200, response.content


def test_a_department_role_an_auditor_already_holds_gives_no_write_rights(world: World) -> None:
    """Rows from before the rule stay in the table but grant the auditor nothing beyond reading."""
    auditor = world.user("auditor")
    Membership.objects.create(user=auditor, department=world.department, role=Role.DEPT_ADMIN)
    access = access_of(auditor)
    assert not access.has_department_role(world.department.pk, Role.MEMBER)
    assert not access.can_manage_department_people(world.department.pk, world.organization.pk)
    assert access.can_see_department(world.department.pk, world.organization.pk)
    client = api_client(world, "auditor")
    status, _ = _add(client, world.department.pk, "moi@example.vn", "member")
    assert status == 403
    created = client.post(
        "/api/v1/knowledge-bases/", {"name": "X", "department": world.department.pk}, format="json"
    )
    assert created.status_code == 403, created.content
    assert client.get(f"{D}{world.department.pk}/members/").status_code == 200
