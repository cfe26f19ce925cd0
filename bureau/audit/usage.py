"""The usage ledger: the chat runtime writes one row per answered message; auditors, org admins and
department admins read totals by day.

Who reads what: org admins and auditors their whole organization; department admins their own
department(s); builders and members nobody's (403). Filtering on a department one cannot see is a
404, on one seen but not administered a 403 (as for the audit log, bureau/audit/selectors.py).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, TypedDict

from django.db.models import Aggregate, Avg, Count, F, FloatField, Q, QuerySet, Sum
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from bureau.audit.models import UsageRecord
from bureau.exceptions import PermissionDenied, ValidationFailed
from bureau.tenancy.access import access_of
from bureau.tenancy.models import Role
from bureau.tenancy.selectors import department_get_for


def usage_record(
    *,
    organization_id: int,
    department_id: int | None,
    assistant_id: int | None,
    conversation_id: int | None,
    message_id: int | None,
    user_id: int | None,
    api_key_id: int | None,
    model: str,
    prompt_tokens: int,
    completion_tokens: int,
    latency_ms: int,
    ttft_ms: int | None,
) -> UsageRecord:
    """One answered message. A single INSERT: it joins the caller's transaction when there is one."""
    counts = {
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
        "latency_ms": latency_ms,
    }
    if ttft_ms is not None:
        counts["ttft_ms"] = ttft_ms
    negative = [name for name, value in counts.items() if value < 0]
    if negative:
        raise ValidationFailed(details={name: [_("Cannot be negative.")] for name in negative})
    return UsageRecord.objects.create(
        organization_id=organization_id,
        department_id=department_id,
        assistant_id=assistant_id,
        conversation_id=conversation_id,
        message_id=message_id,
        user_id=user_id,
        api_key_id=api_key_id,
        model=model[:200],
        prompt_tokens=prompt_tokens,
        completion_tokens=completion_tokens,
        latency_ms=latency_ms,
        ttft_ms=ttft_ms,
        created_at=timezone.now(),
    )


class PercentileCont(Aggregate):
    """PostgreSQL's `percentile_cont(p) WITHIN GROUP (ORDER BY x)`: an interpolated percentile,
    computed in the database rather than by loading every latency."""

    function = "PERCENTILE_CONT"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()

    def __init__(self, expression: Any, fraction: float, **extra: Any) -> None:
        fraction = float(fraction)  # a number we chose, never input: safe to write into the SQL
        if not 0.0 <= fraction <= 1.0:
            raise ValueError("a percentile is a fraction between 0 and 1")
        super().__init__(expression, fraction=repr(fraction), **extra)


class UsageDay(TypedDict):
    day: date
    messages: int
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int
    avg_latency_ms: float | None
    p95_latency_ms: float | None
    avg_ttft_ms: float | None


def usage_list_visible_to(
    *, actor: Any, department_id: int | None = None, assistant_id: int | None = None
) -> QuerySet[UsageRecord]:
    access = access_of(actor)
    whole_orgs = access.org_admin_of | access.auditor_of
    admin_departments = [d for d, role in access.department_roles.items() if role == Role.DEPT_ADMIN]
    if department_id is not None:
        department = department_get_for(actor=actor, department_id=department_id)
        if not access.can_read_audit(department.pk, department.organization_id):
            raise PermissionDenied(_("You may not read this department's usage."))
    elif not whole_orgs and not admin_departments:
        raise PermissionDenied(_("Only auditors and admins can read usage."))
    records = UsageRecord.objects.filter(
        Q(organization_id__in=whole_orgs) | Q(department_id__in=admin_departments)
    )
    if department_id is not None:
        records = records.filter(department_id=department_id)
    if assistant_id is not None:
        records = records.filter(assistant_id=assistant_id)
    return records


def usage_totals_by_day(
    *,
    actor: Any,
    department_id: int | None = None,
    assistant_id: int | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[UsageDay]:
    """Days in the server's time zone (TIME_ZONE), oldest first; days without messages are left out."""
    records = usage_list_visible_to(actor=actor, department_id=department_id, assistant_id=assistant_id)
    if since is not None:
        records = records.filter(created_at__gte=since)
    if until is not None:
        records = records.filter(created_at__lt=until)
    rows = (
        records.order_by()
        .annotate(day=TruncDate("created_at", tzinfo=timezone.get_current_timezone()))
        .values("day")
        .annotate(
            messages=Count("id"),
            prompt=Coalesce(Sum("prompt_tokens"), 0),
            completion=Coalesce(Sum("completion_tokens"), 0),
            avg_latency=Avg("latency_ms", output_field=FloatField()),
            p95_latency=PercentileCont(F("latency_ms"), 0.95),
            avg_ttft=Avg("ttft_ms", output_field=FloatField()),
        )
        .order_by("day")
    )
    return [
        UsageDay(
            day=row["day"],
            messages=row["messages"],
            prompt_tokens=row["prompt"],
            completion_tokens=row["completion"],
            total_tokens=row["prompt"] + row["completion"],
            avg_latency_ms=_round(row["avg_latency"]),
            p95_latency_ms=_round(row["p95_latency"]),
            avg_ttft_ms=_round(row["avg_ttft"]),
        )
        for row in rows
    ]


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)
