"""The audit log proves its history (issue 21, finding 7): events are chained with a keyed HMAC,
signed checkpoints of each chain's head are kept outside the database, and the application's role
cannot change the audit table. The attacker here is whoever holds the database owner's role: they
disable the append-only trigger and delete or rewrite events, recomputing the hashes."""

from __future__ import annotations

import hashlib
import io
import json
import os
import socket
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from bureau.audit.keys import LEGACY_KEY_ID, parse_audit_keys
from bureau.audit.models import AuditChainCheck, AuditEvent
from bureau.audit.services import GENESIS_HASH, _hashed_fields, event_hash
from bureau.audit.tasks import verify_audit_chains
from bureau.tenancy.services import department_update
from tests.db_roles import as_owner, owner_connection
from tests.factories import World, build_world

ROOT = Path(__file__).resolve().parents[2]
KEY_A = "a" * 40
KEY_B = "b" * 40


def _record(world: World, count: int, prefix: str = "v") -> None:
    with transaction.atomic():
        for n in range(count):
            department_update(
                actor=world.user("org_admin"), department=world.department, description=f"{prefix}{n}"
            )


def _verify() -> str:
    out = io.StringIO()
    call_command("audit_verify", stdout=out)
    return out.getvalue()


def _verify_fails() -> str:
    out = io.StringIO()
    with pytest.raises(CommandError) as failure:
        call_command("audit_verify", stdout=out)
    return f"{out.getvalue()}\n{failure.value}"


def _checkpoints(world: World) -> list[dict[str, Any]]:
    path = Path(settings.BUREAU_AUDIT_CHECKPOINT_DIR) / "checkpoints.jsonl"
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    return [line for line in lines if line["organization"] == world.organization.pk]


def _events(world: World) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(organization=world.organization).order_by("id"))


def _as_attacker(*statements: tuple[str, list[Any]]) -> None:
    """The owner's move: switch the append-only trigger off, change the table, switch it back."""
    with owner_connection() as conn, conn.transaction():
        conn.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_event_no_update_delete")
        for sql, params in statements:
            conn.execute(sql, params)
        conn.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER audit_event_no_update_delete")


def _plain_sha256(prev_hash: str, fields: dict[str, Any]) -> str:
    """What the attacker computes without the key: the chain's old, unkeyed hash."""
    payload = json.dumps(
        {"prev": prev_hash, **fields}, sort_keys=True, ensure_ascii=False, separators=(",", ":")
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def _rewrite_from(event: AuditEvent, world: World, rehash: Any) -> None:
    """Change one event's `after` and recompute its hash and every later one with `rehash`."""
    statements: list[tuple[str, list[Any]]] = []
    prev_hash = event.prev_hash
    for current in [e for e in _events(world) if e.pk >= event.pk]:
        if current.pk == event.pk:
            current.after = {"description": "giả mạo"}
        current.prev_hash = prev_hash
        current.hash = rehash(current)
        statements.append(
            (
                "UPDATE audit_auditevent SET after = %s::jsonb, prev_hash = %s, hash = %s WHERE id = %s",
                [json.dumps(current.after), current.prev_hash, current.hash, current.pk],
            )
        )
        prev_hash = current.hash
    _as_attacker(*statements)


def test_an_intact_chain_passes_and_writes_a_signed_checkpoint(world: World) -> None:
    _record(world, 3)
    events = _events(world)
    output = _verify()
    assert f"{world.organization.slug}: intact, 3 events" in output
    assert "no earlier checkpoint" in output
    mine = _checkpoints(world)
    assert len(mine) == 1
    assert (mine[0]["events"], mine[0]["last_id"], mine[0]["last_hash"]) == (
        3,
        events[-1].pk,
        events[-1].hash,
    )
    assert mine[0]["key_id"] == settings.BUREAU_AUDIT_KEY_ID and len(mine[0]["signature"]) == 64

    _record(world, 1, prefix="w")
    output = _verify()
    assert f"{world.organization.slug}: intact, 4 events" in output
    assert f"checkpoint of {mine[0]['at']} (3 events up to event {events[-1].pk})" in output
    assert len(_checkpoints(world)) == 2
    check = AuditChainCheck.objects.filter(organization=world.organization).latest("id")
    assert check.intact and check.events_checked == 4


@pytest.mark.django_db(transaction=True)  # the attacker's (owner's) connection sees committed rows only
@pytest.mark.parametrize("deleted", [1, 5])
def test_deleting_the_newest_events_after_a_checkpoint_fails_naming_the_gap(deleted: int) -> None:
    world = build_world()
    _record(world, 8)
    _verify()
    events = _events(world)
    _as_attacker(
        ("DELETE FROM audit_auditevent WHERE id = ANY(%s)", [[e.pk for e in events[-deleted:]]]),
    )
    # The remaining chain is intact in itself: only the checkpoint knows it was longer.
    message = _verify_fails()
    remaining = events[-deleted - 1]
    gap = (
        f"the chain ends at event {remaining.pk} after {8 - deleted} events but the checkpoint of "
        f"{_checkpoints(world)[-1]['at']} saw 8 events up to event {events[-1].pk}: events deleted"
    )
    assert gap in message
    check = AuditChainCheck.objects.filter(organization=world.organization).latest("id")
    assert not check.intact and gap in check.reason
    # Still broken on the next run: a failed verification writes no checkpoint of the shortened chain.
    assert gap in _verify_fails()


@pytest.mark.django_db(transaction=True)  # the attacker's (owner's) connection sees committed rows only
def test_a_chain_rewritten_and_recomputed_with_plain_sha256_fails_on_the_hmac() -> None:
    world = build_world()
    _record(world, 5)
    target = _events(world)[2]
    _rewrite_from(target, world, lambda e: _plain_sha256(e.prev_hash, _hashed_fields(e)))
    message = _verify_fails()
    assert f"BROKEN at event {target.pk}: its content does not match its hash" in message
    check = AuditChainCheck.objects.filter(organization=world.organization).latest("id")
    assert not check.intact and check.first_broken_event_id == target.pk


@pytest.mark.django_db(transaction=True)  # the attacker's (owner's) connection sees committed rows only
def test_a_chain_recomputed_with_the_key_diverges_from_the_checkpoint() -> None:
    world = build_world()
    _record(world, 5)
    _verify()
    last = _events(world)[-1]
    target = _events(world)[1]
    # The attacker holds the HMAC key too, but cannot sign a checkpoint they cannot write.
    _rewrite_from(
        target, world, lambda e: event_hash(prev_hash=e.prev_hash, fields=_hashed_fields(e), key_id=e.key_id)
    )
    message = _verify_fails()
    assert f"event {last.pk} no longer has the hash the checkpoint of" in message
    assert "chain rewritten" in message
    check = AuditChainCheck.objects.filter(organization=world.organization).latest("id")
    assert not check.intact and "chain rewritten" in check.reason


def test_a_checkpoint_whose_signature_does_not_verify_is_reported(world: World) -> None:
    _record(world, 2)
    _verify()
    path = Path(settings.BUREAU_AUDIT_CHECKPOINT_DIR) / "checkpoints.jsonl"
    lines = path.read_text().splitlines()
    forged = json.loads(lines[0])
    forged["events"] += 10
    path.write_text("\n".join([*lines, json.dumps(forged)]) + "\n")
    message = _verify_fails()
    assert f"checkpoint on line {len(lines) + 1} of {path}: its signature does not verify" in message


def test_the_app_role_cannot_change_or_unprotect_the_audit_log(world: World) -> None:
    _record(world, 1)
    event = _events(world)[0]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_user, rolsuper, rolcreaterole FROM pg_roles WHERE rolname = current_user"
        )
        assert cursor.fetchone() == (settings.BUREAU_DB_APP_USER, False, False)
    refused = [
        (
            "UPDATE audit_auditevent SET action = 'x' WHERE id = %s",
            "permission denied for table audit_auditevent",
        ),
        ("DELETE FROM audit_auditevent WHERE id = %s", "permission denied for table audit_auditevent"),
        ("TRUNCATE audit_auditevent", "permission denied for table audit_auditevent"),
        ("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_event_no_update_delete", "must be owner"),
        ("ALTER TABLE audit_auditevent DISABLE TRIGGER ALL", "must be owner"),
        (
            "UPDATE audit_auditchaincheck SET intact = true",
            "permission denied for table audit_auditchaincheck",
        ),
        ("DELETE FROM audit_auditchaincheck", "permission denied for table audit_auditchaincheck"),
    ]
    for sql, reason in refused:
        with pytest.raises(DatabaseError, match=reason), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [event.pk] if "%s" in sql else None)
    assert AuditEvent.objects.filter(pk=event.pk, action="department.update").exists()


def test_events_hashed_before_the_key_still_verify_and_a_downgrade_does_not(world: World) -> None:
    def legacy_event(prev_hash: str) -> AuditEvent:
        event = AuditEvent(
            organization=world.organization,
            action="legacy.change",
            target_type="thing",
            target_id="1",
            created_at=timezone.now(),
            prev_hash=prev_hash,
            key_id=LEGACY_KEY_ID,
        )
        event.hash = _plain_sha256(prev_hash, _hashed_fields(event))
        event.save(force_insert=True)
        return event

    first = legacy_event(GENESIS_HASH)
    legacy_event(first.hash)
    _record(world, 2)
    current = settings.BUREAU_AUDIT_KEY_ID
    assert [e.key_id for e in _events(world)] == [LEGACY_KEY_ID, LEGACY_KEY_ID, current, current]
    assert f"{world.organization.slug}: intact, 4 events" in _verify()

    # An event hashed the old way after a keyed one is a forgery that skipped the key.
    downgraded = legacy_event(_events(world)[-1].hash)
    message = _verify_fails()
    assert f"BROKEN at event {downgraded.pk}: hashed without a key after keyed events" in message


def test_each_event_verifies_with_the_key_it_was_hashed_with(world: World, settings: Any) -> None:
    settings.BUREAU_AUDIT_KEYS = {"2025": KEY_A}
    settings.BUREAU_AUDIT_KEY_ID = "2025"
    _record(world, 2)
    settings.BUREAU_AUDIT_KEYS = {"2026": KEY_B, "2025": KEY_A}
    settings.BUREAU_AUDIT_KEY_ID = "2026"
    _record(world, 2, prefix="w")
    assert [e.key_id for e in _events(world)] == ["2025", "2025", "2026", "2026"]
    assert f"{world.organization.slug}: intact, 4 events" in _verify()

    settings.BUREAU_AUDIT_KEYS = {"2026": KEY_B}  # the old key dropped too early
    message = _verify_fails()
    assert (
        f"BROKEN at event {_events(world)[0].pk}: hashed with key id '2025', which is not configured"
        in message
    )


def test_checkpoints_are_also_sent_to_syslog(world: World, settings: Any) -> None:
    _record(world, 1)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as receiver:
        receiver.bind(("127.0.0.1", 0))
        receiver.settimeout(10)
        settings.BUREAU_AUDIT_CHECKPOINT_SYSLOG = f"udp://127.0.0.1:{receiver.getsockname()[1]}"
        _verify()
        messages: list[str] = []
        while len(messages) < 2:  # one per organization: the world has two
            messages.append(receiver.recv(65536).decode())
    from bureau.audit.checkpoints import checkpoint_parse

    parsed = [checkpoint_parse(message[message.index("{") :]) for message in messages]
    mine = next(c for c in parsed if c.organization_id == world.organization.pk)
    assert mine.events == 1 and mine.last_id == _events(world)[0].pk
    assert all(message.startswith("<") and "bureau-audit-checkpoint" in message for message in messages)


def test_beat_verifies_and_checkpoints_every_hour(world: World) -> None:
    entries = [
        e
        for e in settings.CELERY_BEAT_SCHEDULE.values()
        if e["task"] == "bureau.audit.tasks.verify_audit_chains"
    ]
    assert len(entries) == 1 and float(entries[0]["schedule"]) <= 3600  # type: ignore[arg-type]
    _record(world, 2)
    verify_audit_chains()
    assert [c["events"] for c in _checkpoints(world)] == [2]


def test_audit_keys_are_parsed_strictly() -> None:
    assert parse_audit_keys(keys="", key=KEY_A) == ({"1": KEY_A}, "1")
    assert parse_audit_keys(keys=f"new:{KEY_B}, old:{KEY_A}", key="") == ({"new": KEY_B, "old": KEY_A}, "new")
    assert parse_audit_keys(keys="", key="") is None
    for keys, key, problem in [
        (f"new:{KEY_B}", KEY_A, "not both"),
        ("new:short", "", "at least 32 characters"),
        (KEY_A, "", "id:key"),
        (f"x:{KEY_A},x:{KEY_B}", "", "twice"),
        (f"sha256-legacy:{KEY_A}", "", "reserved"),
        (f"a b:{KEY_A}", "", "letters, digits"),
    ]:
        with pytest.raises(ImproperlyConfigured, match=problem):
            parse_audit_keys(keys=keys, key=key)


def _settings_in_a_process(
    env: dict[str, str], show: str = "s.BUREAU_AUDIT_KEY_ID"
) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("BUREAU_", "DATABASE_", "PYTEST"))}
    return subprocess.run(
        [sys.executable, "-c", f"import bureau.settings as s; print({show})"],
        cwd=ROOT,
        env=clean | env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_embedded_default_keeps_a_generated_audit_key_under_var(tmp_path: Path) -> None:
    first = _settings_in_a_process({"BUREAU_VAR_DIR": str(tmp_path)})
    assert first.returncode == 0, first.stderr
    key_file = tmp_path / "audit_key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    key = key_file.read_text()
    assert len(key.strip()) >= 32 and key != (tmp_path / "secret_key").read_text()
    assert _settings_in_a_process({"BUREAU_VAR_DIR": str(tmp_path)}).returncode == 0
    assert key_file.read_text() == key  # kept, not regenerated


def test_production_refuses_to_start_without_an_audit_key(tmp_path: Path) -> None:
    env = {
        "BUREAU_VAR_DIR": str(tmp_path),
        "DATABASE_URL": "postgres://app@db/bureau",
        "SECRET_KEY": "x" * 50,
    }
    done = _settings_in_a_process(env)
    assert done.returncode != 0 and "BUREAU_AUDIT_KEY" in done.stderr
    assert _settings_in_a_process(env | {"BUREAU_AUDIT_KEY": KEY_A}).returncode == 0


def test_production_connects_as_the_app_and_migrates_as_the_owner(tmp_path: Path) -> None:
    env = {
        "BUREAU_VAR_DIR": str(tmp_path),
        "SECRET_KEY": "x" * 50,
        "BUREAU_AUDIT_KEY": KEY_A,
        "DATABASE_URL": "postgres://bureau_app:pw1@db:5432/bureau",
        "DATABASE_OWNER_URL": "postgres://bureau:pw2@db:5432/bureau",
    }
    show = "s.DATABASES['default']['USER'], s.DATABASES['default']['PASSWORD'], s.BUREAU_DB_APP_USER"
    assert _settings_in_a_process(env, show).stdout.strip() == "bureau_app pw1 bureau_app"
    as_owner = _settings_in_a_process(env | {"BUREAU_DB_ROLE": "owner"}, show)
    assert as_owner.stdout.strip() == "bureau pw2 bureau_app"
    elsewhere = _settings_in_a_process(env | {"DATABASE_OWNER_URL": "postgres://bureau:pw2@db:5432/other"})
    assert elsewhere.returncode != 0 and "DATABASE_OWNER_URL must name the database" in elsewhere.stderr
    wrong_role = _settings_in_a_process(env | {"BUREAU_DB_ROLE": "admin"})
    assert wrong_role.returncode != 0 and "BUREAU_DB_ROLE must be app or owner" in wrong_role.stderr


@pytest.mark.django_db(transaction=True)  # as_owner() reconnects; the owner's own connection reads the role
def test_the_owner_creates_the_missing_app_role_with_its_password(settings: Any) -> None:
    role = f"bureau_app_test_{os.getpid()}"
    settings.BUREAU_DB_APP_USER = role
    settings.DATABASE_ROLES = settings.DATABASE_ROLES | {"app": {"USER": role, "PASSWORD": "mat-khau-1"}}
    out = io.StringIO()
    try:
        with as_owner():
            call_command("db_app_role", stdout=out)
            call_command("db_app_role", stdout=out)
        with owner_connection() as conn:
            row = conn.execute(
                "SELECT rolcanlogin, rolsuper, rolcreaterole, rolcreatedb, rolpassword IS NOT NULL"
                " FROM pg_authid WHERE rolname = %s",
                [role],
            ).fetchone()
        assert row == (True, False, False, False, True)
        assert out.getvalue().splitlines() == [
            f"Created the application's role {role}.",
            f"The application's role {role} exists.",
        ]
    finally:
        with owner_connection() as conn:
            conn.execute(f'DROP ROLE IF EXISTS "{role}"')
