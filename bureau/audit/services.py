"""Writing and verifying the audit log."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.utils import timezone

from bureau import memo, request_context
from bureau.audit.models import AuditChainCheck, AuditEvent
from bureau.tenancy.access import ApiKeyActor
from bureau.tenancy.models import Department, Organization, User

GENESIS_HASH = "0" * 64


def _canonical(value: Any) -> Any:
    """JSON as PostgreSQL's jsonb will hand it back (key order aside), so hashes recompute."""
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def event_hash(*, prev_hash: str, fields: dict[str, Any]) -> str:
    payload = json.dumps(
        {"prev": prev_hash, **fields}, sort_keys=True, ensure_ascii=False, separators=(",", ":")
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def _hashed_fields(event: AuditEvent) -> dict[str, Any]:
    created: datetime = event.created_at
    return {
        "organization": event.organization_id,
        "department": event.department_id,
        "actor": event.actor_id,
        "actor_api_key": event.actor_api_key_id,
        "actor_label": event.actor_label,
        "action": event.action,
        "target_type": event.target_type,
        "target_id": event.target_id,
        "target_label": event.target_label,
        "before": event.before,
        "after": event.after,
        "ip": event.ip,
        "user_agent": event.user_agent,
        "request_id": event.request_id,
        "created_at": created.astimezone(UTC).isoformat(timespec="microseconds"),
    }


def audit_record(
    *,
    actor: Any,
    organization: Organization | int,
    action: str,
    target: Any,
    department: Department | int | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    target_label: str = "",
) -> AuditEvent:
    """Record one change. Must run inside the transaction that makes the change, so that the change
    and its record commit or roll back together."""
    if not connection.in_atomic_block:
        raise RuntimeError("audit_record must be called inside the transaction of the change it records")
    organization_id = organization if isinstance(organization, int) else organization.pk
    department_id = department if isinstance(department, int) or department is None else department.pk
    meta = request_context.current()
    event = AuditEvent(
        organization_id=organization_id,
        department_id=department_id,
        actor_label=_actor_label(actor),
        action=action,
        target_type=type(target).__name__.lower() if not isinstance(target, tuple) else target[0],
        target_id=str(target.pk if not isinstance(target, tuple) else target[1]),
        target_label=(target_label or str(target if not isinstance(target, tuple) else ""))[:255],
        before=_canonical(before) if before is not None else None,
        after=_canonical(after) if after is not None else None,
        ip=meta.ip,
        user_agent=meta.user_agent,
        request_id=meta.request_id,
        created_at=timezone.now(),
    )
    if isinstance(actor, User):
        event.actor_id = actor.pk
    elif isinstance(actor, ApiKeyActor):
        event.actor_api_key_id = actor.api_key.pk
    # One writer at a time per organization: the lock lasts until this transaction ends, so two
    # concurrent changes cannot both link to the same predecessor.
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [7_201, organization_id])
    last = (
        AuditEvent.objects.filter(organization_id=organization_id)
        .order_by("-id")
        .values_list("hash", flat=True)
    )
    event.prev_hash = last.first() or GENESIS_HASH
    event.hash = event_hash(prev_hash=event.prev_hash, fields=_hashed_fields(event))
    event.save(force_insert=True)
    memo.changed()  # what chat turns remember of the configuration is stale (bureau/memo.py)
    return event


def _actor_label(actor: Any) -> str:
    if isinstance(actor, User):
        return actor.email
    if isinstance(actor, ApiKeyActor):
        return f"api_key:{actor.api_key.prefix}"
    return "system"


def diff(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Only the fields that changed, as (before, after)."""
    keys = [key for key in after if before.get(key) != after.get(key)]
    return {key: before.get(key) for key in keys}, {key: after[key] for key in keys}


@dataclass(frozen=True)
class ChainResult:
    organization_id: int
    events_checked: int
    first_broken_id: int | None = None
    reason: str = ""

    @property
    def intact(self) -> bool:
        return self.first_broken_id is None


def audit_chain_verify(*, organization_id: int) -> ChainResult:
    """Walk an organization's events in order, recomputing every hash and link."""
    expected_prev = GENESIS_HASH
    checked = 0
    events: Iterable[AuditEvent] = (
        AuditEvent.objects.filter(organization_id=organization_id).order_by("id").iterator(chunk_size=2000)
    )
    for event in events:
        checked += 1
        if event.prev_hash != expected_prev:
            return ChainResult(organization_id, checked, event.pk, "its link to the previous event is broken")
        if event_hash(prev_hash=event.prev_hash, fields=_hashed_fields(event)) != event.hash:
            return ChainResult(organization_id, checked, event.pk, "its content does not match its hash")
        expected_prev = event.hash
    return ChainResult(organization_id, checked)


def audit_chains_verify_and_store() -> list[ChainResult]:
    results = []
    for organization_id in Organization.objects.values_list("pk", flat=True):
        result = audit_chain_verify(organization_id=organization_id)
        with transaction.atomic():
            AuditChainCheck.objects.create(
                organization_id=organization_id,
                events_checked=result.events_checked,
                intact=result.intact,
                first_broken_event_id=result.first_broken_id,
                reason=result.reason,
            )
        results.append(result)
    return results
