from __future__ import annotations

import csv
import io
import itertools
import json
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from rest_framework.test import APIClient

from bureau.audit.models import AuditChainCheck, AuditEvent
from bureau.audit.services import audit_chain_verify, audit_record
from bureau.audit.tasks import verify_audit_chains
from bureau.tenancy.services import department_update
from tests.db_roles import as_owner, owner_connection
from tests.factories import World


def _client(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_a_change_records_who_what_before_and_after(world: World) -> None:
    client = _client(world.user("org_admin"))
    response = client.patch(
        f"/api/v1/departments/{world.department.pk}/",
        {"name": "Sở Tư pháp tỉnh"},
        format="json",
        HTTP_USER_AGENT="trinh-duyet/1.0",
        HTTP_X_REQUEST_ID="req-12345678",
    )
    assert response.status_code == 200
    event = AuditEvent.objects.latest("id")
    assert event.action == "department.update"
    assert event.actor_label == world.user("org_admin").email
    assert event.before == {"name": world.department.name}
    assert event.after == {"name": "Sở Tư pháp tỉnh"}
    assert event.user_agent == "trinh-duyet/1.0"
    assert event.request_id == "req-12345678"
    assert event.ip == "127.0.0.1"
    assert response["X-Request-ID"] == "req-12345678"


def test_a_failed_change_records_nothing(world: World) -> None:
    client = _client(world.user("org_admin"))
    before = AuditEvent.objects.count()
    response = client.post(
        "/api/v1/departments/", {"name": "Trùng", "code": world.department.code}, format="json"
    )
    assert response.status_code == 409
    assert AuditEvent.objects.count() == before


@pytest.mark.django_db(transaction=True)  # no transaction around: what is checked is that there is none
def test_audit_record_refuses_to_run_outside_a_transaction() -> None:
    from tests.factories import build_world

    world = build_world()
    with pytest.raises(RuntimeError, match="inside the transaction"):
        audit_record(actor=None, organization=world.organization, action="x.y", target=("thing", 1))
    assert not AuditEvent.objects.filter(action="x.y").exists()


@pytest.mark.django_db(transaction=True)  # as_owner() reconnects: a test's transaction would not survive
def test_update_and_delete_are_refused_by_the_database_even_to_its_owner() -> None:
    # The application's role has no UPDATE or DELETE on the table at all (tests/security/
    # test_audit_chain.py); the trigger refuses them to the owner too, unless switched off.
    from tests.factories import build_world

    world = build_world()
    with transaction.atomic():
        department_update(actor=world.user("org_admin"), department=world.department, name="Đổi tên")
    event = AuditEvent.objects.latest("id")
    with as_owner():
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            AuditEvent.objects.filter(pk=event.pk).update(action="tampered")
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            AuditEvent.objects.filter(pk=event.pk).delete()
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute("UPDATE audit_auditevent SET after = '{}' WHERE id = %s", [event.pk])
    assert AuditEvent.objects.get(pk=event.pk).action == "department.update"


def test_chain_links_every_event_to_the_previous_one(world: World) -> None:
    with transaction.atomic():
        for n in range(3):
            department_update(actor=world.user("org_admin"), department=world.department, description=f"v{n}")
    events = list(AuditEvent.objects.filter(organization=world.organization).order_by("id"))
    assert len(events) >= 3
    for previous, event in itertools.pairwise(events):
        assert event.prev_hash == previous.hash
    result = audit_chain_verify(organization_id=world.organization.pk)
    assert result.intact and result.events_checked == len(events)


def _as_owner_without_trigger(sql: str, params: list[Any]) -> None:
    """Only the table's owner can switch the trigger off; its connection sees committed rows only."""
    with owner_connection() as conn, conn.transaction():
        conn.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_event_no_update_delete")
        conn.execute(sql, params)
        conn.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER audit_event_no_update_delete")


@pytest.mark.django_db(transaction=True)  # the owner's own connection sees committed rows only
def test_audit_verify_passes_then_names_the_altered_event(capsys: pytest.CaptureFixture[str]) -> None:
    from tests.factories import build_world

    world = build_world()
    with transaction.atomic():
        department_update(actor=world.user("org_admin"), department=world.department, name="Một")
        department_update(actor=world.user("org_admin"), department=world.department, name="Hai")
    call_command("audit_verify")
    total = AuditEvent.objects.count()
    assert f"{total} events checked" in capsys.readouterr().out

    target = AuditEvent.objects.filter(action="department.update").order_by("id").first()
    assert target is not None
    _as_owner_without_trigger(
        'UPDATE audit_auditevent SET after = \'{"name": "Giả mạo"}\' WHERE id = %s', [target.pk]
    )
    with pytest.raises(CommandError, match=f"event {target.pk}"):
        call_command("audit_verify")


@pytest.mark.django_db(transaction=True)  # the owner's own connection sees committed rows only
def test_audit_verify_detects_a_deleted_event() -> None:
    from tests.factories import build_world

    world = build_world()
    with transaction.atomic():
        for name in ("A", "B", "C"):
            department_update(actor=world.user("org_admin"), department=world.department, name=name)
    middle = AuditEvent.objects.filter(action="department.update").order_by("id")[1]
    _as_owner_without_trigger("DELETE FROM audit_auditevent WHERE id = %s", [middle.pk])
    result = audit_chain_verify(organization_id=world.organization.pk)
    assert not result.intact
    assert result.first_broken_id is not None and result.first_broken_id > middle.pk


def test_periodic_verification_stores_its_result(world: World) -> None:
    checked = verify_audit_chains()
    assert checked == AuditEvent.objects.count()
    stored = AuditChainCheck.objects.get(organization=world.organization)
    assert (
        stored.intact
        and stored.events_checked == AuditEvent.objects.filter(organization=world.organization).count()
    )


def test_department_admin_reads_only_their_department(world: World) -> None:
    with transaction.atomic():
        department_update(actor=world.user("org_admin"), department=world.other_department, name="Khác")
        department_update(actor=world.user("org_admin"), department=world.department, name="Của tôi")
    response = _client(world.user("dept_admin")).get("/api/v1/audit-events/")
    assert response.status_code == 200
    departments = {row["department"] for row in response.json()["results"]}
    assert departments == {world.department.pk}
    everything = _client(world.user("auditor")).get("/api/v1/audit-events/").json()
    assert {world.department.pk, world.other_department.pk} <= {
        row["department"] for row in everything["results"]
    }


def test_filters_by_action_actor_and_dates(world: World) -> None:
    with transaction.atomic():
        department_update(actor=world.user("org_admin"), department=world.department, name="Lọc")
    client = _client(world.user("auditor"))
    rows = client.get("/api/v1/audit-events/", {"action": "department"}).json()["results"]
    assert rows and all(row["action"].startswith("department.") for row in rows)
    rows = client.get("/api/v1/audit-events/", {"action": "membership.create"}).json()["results"]
    assert all(row["action"] == "membership.create" for row in rows)
    rows = client.get("/api/v1/audit-events/", {"actor": str(world.user("org_admin").pk)}).json()["results"]
    assert [row["action"] for row in rows] == ["department.update"]
    assert client.get("/api/v1/audit-events/", {"since": "2999-01-01T00:00:00Z"}).json()["results"] == []
    bad = client.get("/api/v1/audit-events/", {"since": "hôm qua"})
    assert bad.status_code == 400 and "since" in bad.json()["error"]["details"]


def test_export_as_csv_and_json_lines(world: World) -> None:
    with transaction.atomic():
        department_update(actor=world.user("org_admin"), department=world.department, name="Xuất dữ liệu")
    client = _client(world.user("auditor"))
    response = client.get(
        "/api/v1/audit-events/export/", {"format": "csv", "department": str(world.department.pk)}
    )
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")  # type: ignore[attr-defined]
    rows = list(csv.DictReader(io.StringIO(text)))
    update = next(row for row in rows if row["action"] == "department.update")
    assert json.loads(update["after"]) == {"name": "Xuất dữ liệu"}

    response = client.get("/api/v1/audit-events/export/", {"format": "jsonl"})
    lines = b"".join(response.streaming_content).decode().splitlines()  # type: ignore[attr-defined]
    events = [json.loads(line) for line in lines]
    assert len(events) == AuditEvent.objects.filter(organization=world.organization).count()
    assert [e["id"] for e in events] == sorted(e["id"] for e in events)
    assert all(e["organization"] == world.organization.pk for e in events)


def test_client_ip_honours_only_trusted_proxies(world: World, settings: object) -> None:
    import ipaddress

    client = _client(world.user("org_admin"))
    url = f"/api/v1/departments/{world.department.pk}/"
    client.patch(url, {"name": "X1"}, format="json", HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert AuditEvent.objects.latest("id").ip == "127.0.0.1"  # untrusted peer: the header is ignored

    settings.TRUSTED_PROXIES = [ipaddress.ip_network("127.0.0.0/8")]  # type: ignore[attr-defined]
    client.patch(url, {"name": "X2"}, format="json", HTTP_X_FORWARDED_FOR="198.51.100.7, 203.0.113.9")
    assert AuditEvent.objects.latest("id").ip == "203.0.113.9"  # the rightmost hop not ours
