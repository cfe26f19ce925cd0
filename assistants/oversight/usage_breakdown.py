"""Usage totals by department or by assistant, for the audit screen's charts. The ledger and who may
read it are bureau/audit/usage.py's; this module only groups the rows and names the groups (the
platform layer does not know assistants)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal, TypedDict

from django.db.models import Avg, Count, FloatField, Sum
from django.db.models.functions import Coalesce

from assistants.models import Assistant
from bureau.audit.usage import usage_list_visible_to
from bureau.tenancy.models import Department

GroupBy = Literal["department", "assistant"]


class UsageGroup(TypedDict):
    id: int | None
    name: str
    messages: int
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int
    avg_latency_ms: float | None
    avg_ttft_ms: float | None


def usage_totals_by(
    *,
    actor: Any,
    by: GroupBy,
    department_id: int | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[UsageGroup]:
    """Largest first by tokens. Rows without a department or assistant (the OpenAI-compatible API
    answering for a deleted assistant, say) form one group with id None."""
    records = usage_list_visible_to(actor=actor, department_id=department_id)
    if since is not None:
        records = records.filter(created_at__gte=since)
    if until is not None:
        records = records.filter(created_at__lt=until)
    key = "department_id" if by == "department" else "assistant_id"
    rows = (
        records.order_by()
        .values(key)
        .annotate(
            messages=Count("id"),
            prompt=Coalesce(Sum("prompt_tokens"), 0),
            completion=Coalesce(Sum("completion_tokens"), 0),
            avg_latency=Avg("latency_ms", output_field=FloatField()),
            avg_ttft=Avg("ttft_ms", output_field=FloatField()),
        )
    )
    ids = [row[key] for row in rows if row[key] is not None]
    model = Department if by == "department" else Assistant
    names = dict(model.objects.filter(pk__in=ids).values_list("pk", "name"))
    groups: list[UsageGroup] = [
        {
            "id": row[key],
            "name": names.get(row[key], "") if row[key] is not None else "",
            "messages": row["messages"],
            "prompt_tokens": row["prompt"],
            "completion_tokens": row["completion"],
            "total_tokens": row["prompt"] + row["completion"],
            "avg_latency_ms": row["avg_latency"],
            "avg_ttft_ms": row["avg_ttft"],
        }
        for row in rows
    ]
    return sorted(groups, key=lambda g: (-g["total_tokens"], -g["messages"], g["name"]))
