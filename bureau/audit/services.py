"""Writing and verifying the audit log."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.utils import timezone

from bureau.audit import checkpoints, keys
from bureau.audit.checkpoints import Checkpoint
from bureau.audit.models import AuditChainCheck, AuditEvent
from bureau.http import request_context
from bureau.runtime import memo
from bureau.tenancy.access import ApiKeyActor
from bureau.tenancy.models import Department, Organization, User

GENESIS_HASH = "0" * 64


def _canonical(value: Any) -> Any:
    """JSON as PostgreSQL's jsonb will hand it back (key order aside), so hashes recompute."""
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def _payload(prev_hash: str, fields: dict[str, Any]) -> bytes:
    return json.dumps(
        {"prev": prev_hash, **fields}, sort_keys=True, ensure_ascii=False, separators=(",", ":")
    ).encode()


def event_hash(*, prev_hash: str, fields: dict[str, Any], key_id: str) -> str:
    """The HMAC of an event under the audit key `key_id` (which it covers too), or for the events
    from before keys, their plain SHA-256. Raises UnknownAuditKey for a key id not configured."""
    if key_id == keys.LEGACY_KEY_ID:
        return hashlib.sha256(_payload(prev_hash, fields)).hexdigest()
    return keys.sign(
        key_id=key_id, purpose="event", payload=_payload(prev_hash, {**fields, "key_id": key_id})
    )


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
    event.key_id = keys.current_key_id()
    event.hash = event_hash(prev_hash=event.prev_hash, fields=_hashed_fields(event), key_id=event.key_id)
    event.save(force_insert=True)
    memo.changed()  # what chat turns remember of the configuration is stale (bureau/runtime/memo.py)
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
    # Where the walk ended (the chain's head, when it is intact): what a new checkpoint records.
    last_id: int | None = None
    last_hash: str = GENESIS_HASH
    checkpoint: Checkpoint | None = None  # what the chain was compared with

    @property
    def intact(self) -> bool:
        return not self.reason


def audit_chain_verify(*, organization_id: int, checkpoint: Checkpoint | None = None) -> ChainResult:
    """Walk an organization's events in order, recomputing every link and HMAC, then compare the
    chain with the organization's last checkpoint: a shorter chain, or one whose event at the
    checkpoint's head has another hash, was cut or recomputed."""
    expected_prev = GENESIS_HASH
    checked = 0
    last_id: int | None = None
    keyed_seen = False
    at_checkpoint: tuple[int, str] | None = None  # (events up to it, its hash)
    events: Iterable[AuditEvent] = (
        AuditEvent.objects.filter(organization_id=organization_id).order_by("id").iterator(chunk_size=2000)
    )

    def broken(event: AuditEvent, reason: str) -> ChainResult:
        return ChainResult(organization_id, checked, event.pk, reason, checkpoint=checkpoint)

    for event in events:
        checked += 1
        if event.prev_hash != expected_prev:
            return broken(event, "its link to the previous event is broken")
        # Plain SHA-256 needs no key: accepted only for the events from before keys, or anyone
        # could recompute the chain from any point on by calling their events legacy.
        if event.key_id == keys.LEGACY_KEY_ID:
            if keyed_seen:
                return broken(event, "hashed without a key after keyed events")
        else:
            keyed_seen = True
        try:
            expected = event_hash(
                prev_hash=event.prev_hash, fields=_hashed_fields(event), key_id=event.key_id
            )
        except keys.UnknownAuditKey:
            return broken(event, f"hashed with key id {event.key_id!r}, which is not configured")
        if not hmac.compare_digest(expected, event.hash):
            return broken(event, "its content does not match its hash")
        if checkpoint is not None and event.pk == checkpoint.last_id:
            at_checkpoint = (checked, event.hash)
        expected_prev = event.hash
        last_id = event.pk
    result = ChainResult(
        organization_id, checked, last_id=last_id, last_hash=expected_prev, checkpoint=checkpoint
    )
    if checkpoint is None or checkpoint.last_id is None:
        return result
    return _compared(result, checkpoint, at_checkpoint)


def _compared(
    result: ChainResult, checkpoint: Checkpoint, at_checkpoint: tuple[int, str] | None
) -> ChainResult:
    seen = (
        f"the checkpoint of {checkpoint.at} saw {checkpoint.events} events up to event {checkpoint.last_id}"
    )
    if at_checkpoint is None:
        if result.last_id is None:
            reason = f"the chain is empty but {seen}: events deleted"
        elif checkpoint.last_id is not None and result.last_id < checkpoint.last_id:
            ends = f"the chain ends at event {result.last_id} after {result.events_checked} events"
            reason = f"{ends} but {seen}: events deleted"
        else:
            reason = (
                f"event {checkpoint.last_id} is missing, but {seen}: events deleted and the chain recomputed"
            )
        return replace(result, reason=reason)
    events, event_hash_now = at_checkpoint
    if event_hash_now != checkpoint.last_hash:
        reason = (
            f"event {checkpoint.last_id} no longer has the hash the checkpoint of {checkpoint.at} saw: "
            "chain rewritten"
        )
        return replace(result, first_broken_id=checkpoint.last_id, reason=reason)
    if events != checkpoint.events:
        reason = f"the chain has {events} events up to event {checkpoint.last_id} but {seen}: chain rewritten"
        return replace(result, first_broken_id=checkpoint.last_id, reason=reason)
    return result


def audit_chains_verify_and_store(*, organization_ids: Iterable[int] | None = None) -> list[ChainResult]:
    """Verify each organization's chain against its last checkpoint, store the result, and write a
    new checkpoint of each chain found intact (only those: a chain cut after the last checkpoint
    must keep failing, not become the new reference). Raises CheckpointWriteError when a checkpoint
    could not be written, after the results are stored."""
    log = checkpoints.checkpoints_read()
    if organization_ids is None:
        organization_ids = Organization.objects.order_by("pk").values_list("pk", flat=True)
    results = []
    for organization_id in organization_ids:
        result = audit_chain_verify(
            organization_id=organization_id, checkpoint=log.latest.get(organization_id)
        )
        problems = log.problems_of(organization_id)
        if problems:
            result = replace(result, reason="; ".join([r for r in [result.reason, *problems] if r]))
        with transaction.atomic():
            AuditChainCheck.objects.create(
                organization_id=organization_id,
                events_checked=result.events_checked,
                intact=result.intact,
                first_broken_event_id=result.first_broken_id,
                reason=result.reason,
                checkpoint_at=result.checkpoint.created_at if result.checkpoint else None,
            )
        results.append(result)
    checkpoints.checkpoints_write(
        [
            checkpoints.checkpoint_make(
                organization_id=r.organization_id,
                events=r.events_checked,
                last_id=r.last_id,
                last_hash=r.last_hash,
            )
            for r in results
            if r.intact
        ]
    )
    return results
