"""Reads of quotas: the limit that applies to a department, user or API key, what has been used
against it in its current period, and the access-checked views of both.

Who reads what: org admins and auditors every limit of their organization; department admins (and
org admins, auditors) a department's consumption; everyone their own. Outsiders get 404.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models import F, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from bureau.audit.models import UsageRecord
from bureau.exceptions import NotFound, PermissionDenied, ValidationFailed
from bureau.ids import as_id
from bureau.quotas import windows
from bureau.quotas.models import QuotaKind, QuotaLimit
from bureau.quotas.windows import Window, day_of, minute_of, month_of
from bureau.runtime import memo
from bureau.tenancy.access import ApiKeyActor, access_of
from bureau.tenancy.models import ApiKey, Department, Membership, User
from bureau.tenancy.selectors import department_get_for

_SETTING_OF_KIND = {
    QuotaKind.DEPARTMENT_TOKENS_PER_MONTH: "BUREAU_QUOTA_DEPARTMENT_TOKENS_PER_MONTH",
    QuotaKind.USER_MESSAGES_PER_DAY: "BUREAU_QUOTA_USER_MESSAGES_PER_DAY",
    QuotaKind.API_KEY_REQUESTS_PER_MINUTE: "BUREAU_QUOTA_API_KEY_REQUESTS_PER_MINUTE",
}


def settings_default(kind: str) -> int | None:
    value: int | None = getattr(settings, _SETTING_OF_KIND[QuotaKind(kind)])
    return value


# --- the limit that applies ------------------------------------------------------------------------


def effective_limit(
    *,
    kind: str,
    organization_id: int,
    department_ids: Iterable[int],
    user_id: int | None = None,
    api_key_id: int | None = None,
) -> int | None:
    """The most specific row wins: the user's or key's own, then its department's, then the
    organization's, then the settings. Someone in several departments gets the most generous of
    them (None, no limit, beats any number). None means no limit."""
    departments = list(department_ids)
    return memo.remember(
        ("quota-limit", kind, organization_id, tuple(departments), user_id, api_key_id),
        lambda: _effective_limit(kind, organization_id, departments, user_id, api_key_id),
    )


def _effective_limit(
    kind: str, organization_id: int, departments: list[int], user_id: int | None, api_key_id: int | None
) -> int | None:
    scope = Q(department__isnull=True, user__isnull=True, api_key__isnull=True) | Q(
        department_id__in=departments
    )
    if user_id is not None:
        scope |= Q(user_id=user_id)
    if api_key_id is not None:
        scope |= Q(api_key_id=api_key_id)
    rows = QuotaLimit.objects.filter(organization_id=organization_id, kind=kind).filter(scope)
    by_department: dict[int, int | None] = {}
    organization_row: tuple[int | None] | None = None
    for row in rows.values("department_id", "user_id", "api_key_id", "limit"):
        if row["user_id"] is not None or row["api_key_id"] is not None:
            return row["limit"]
        if row["department_id"] is not None:
            by_department[row["department_id"]] = row["limit"]
        else:
            organization_row = (row["limit"],)
    default = organization_row[0] if organization_row is not None else settings_default(kind)
    values = [by_department.get(d, default) for d in departments] or [default]
    if any(value is None for value in values):
        return None
    return max(value for value in values if value is not None)


def departments_in_organization(user: User, organization_id: int) -> list[int]:
    return list(
        Membership.objects.filter(user=user, department__organization_id=organization_id).values_list(
            "department_id", flat=True
        )
    )


# --- what has been used ----------------------------------------------------------------------------


def department_tokens_used(*, department_id: int, window: Window) -> int:
    total = UsageRecord.objects.filter(
        department_id=department_id, created_at__gte=window.start, created_at__lt=window.end
    ).aggregate(tokens=Coalesce(Sum(F("prompt_tokens") + F("completion_tokens")), 0))["tokens"]
    return int(total)


def user_messages_used(*, user_id: int, organization_id: int, window: Window) -> int:
    return UsageRecord.objects.filter(
        organization_id=organization_id,
        user_id=user_id,
        created_at__gte=window.start,
        created_at__lt=window.end,
    ).count()


def requests_counter_key(api_key_id: int, window: Window) -> str:
    return f"quota:rpm:{api_key_id}:{int(window.start.timestamp())}"


def api_key_requests_used(*, api_key_id: int, window: Window) -> int:
    return int(cache.get(requests_counter_key(api_key_id, window)) or 0)


# --- consumption against each limit ----------------------------------------------------------------


@dataclass(frozen=True)
class Consumption:
    kind: str
    used: int
    limit: int | None
    resets_at: datetime
    department: int | None = None
    user: int | None = None
    api_key: int | None = None


def department_tokens(
    *, department_id: int, organization_id: int, now: datetime, only_if_limited: bool = False
) -> Consumption:
    """`only_if_limited`: with no limit, `used` is left at 0 rather than read (enforcement needs
    it only against a limit)."""
    window = month_of(now)
    limit = effective_limit(
        kind=QuotaKind.DEPARTMENT_TOKENS_PER_MONTH,
        organization_id=organization_id,
        department_ids=[department_id],
    )
    used = 0
    if limit is not None or not only_if_limited:
        used = department_tokens_used(department_id=department_id, window=window)
    return Consumption(
        kind=QuotaKind.DEPARTMENT_TOKENS_PER_MONTH,
        used=used,
        limit=limit,
        resets_at=window.end,
        department=department_id,
    )


def user_messages(
    user: User, organization_id: int, now: datetime, *, only_if_limited: bool = False
) -> Consumption:
    """`only_if_limited` as for department_tokens."""
    window = day_of(now)
    limit = effective_limit(
        kind=QuotaKind.USER_MESSAGES_PER_DAY,
        organization_id=organization_id,
        department_ids=departments_in_organization(user, organization_id),
        user_id=user.pk,
    )
    used = 0
    if limit is not None or not only_if_limited:
        used = user_messages_used(user_id=user.pk, organization_id=organization_id, window=window)
    return Consumption(
        kind=QuotaKind.USER_MESSAGES_PER_DAY,
        used=used,
        limit=limit,
        resets_at=window.end,
        user=user.pk,
    )


def api_key_requests(key: ApiKey, now: datetime) -> Consumption:
    window = minute_of(now)
    return Consumption(
        kind=QuotaKind.API_KEY_REQUESTS_PER_MINUTE,
        used=api_key_requests_used(api_key_id=key.pk, window=window),
        limit=effective_limit(
            kind=QuotaKind.API_KEY_REQUESTS_PER_MINUTE,
            organization_id=key.department.organization_id,
            department_ids=[key.department_id],
            api_key_id=key.pk,
        ),
        resets_at=window.end,
        api_key=key.pk,
        department=key.department_id,
    )


# --- access-checked reads --------------------------------------------------------------------------


def quota_list_for(*, actor: Any, organization_id: int | str) -> QuerySet[QuotaLimit]:
    org_id = _organization_visible(actor, organization_id)
    if not access_of(actor).reads_whole_organization(org_id):
        raise PermissionDenied(_("Only organization admins and auditors can read the quotas."))
    return QuotaLimit.objects.filter(organization_id=org_id)


def quota_get_for(*, actor: Any, organization_id: int | str, quota_id: int | str) -> QuotaLimit:
    """For a change: only org admins may."""
    org_id = _organization_visible(actor, organization_id)
    if not access_of(actor).is_org_admin(org_id):
        raise PermissionDenied(_("Only organization admins can change quotas."))
    quota = QuotaLimit.objects.filter(organization_id=org_id, pk=as_id(quota_id)).first()
    if quota is None:
        raise NotFound(_("Quota not found."))
    return quota


def organization_for_quota_change(*, actor: Any, organization_id: int | str) -> int:
    org_id = _organization_visible(actor, organization_id)
    if not access_of(actor).is_org_admin(org_id):
        raise PermissionDenied(_("Only organization admins can change quotas."))
    return org_id


def quota_scope_in_organization(
    *, organization_id: int, department_id: int | None, user_id: int | None, api_key_id: int | None
) -> dict[str, Any]:
    """The department, user or API key a quota is for, looked up inside the organization only: one
    elsewhere is reported exactly as one that does not exist."""
    outside = _("Not found in this organization.")
    scope: dict[str, Any] = {}
    if department_id is not None:
        scope["department"] = Department.objects.filter(
            organization_id=organization_id, pk=department_id
        ).first()
    if user_id is not None:
        scope["user"] = (
            User.objects.filter(pk=user_id, memberships__department__organization_id=organization_id)
            .distinct()
            .first()
        )
    if api_key_id is not None:
        scope["api_key"] = (
            ApiKey.objects.select_related("department")
            .filter(pk=api_key_id, department__organization_id=organization_id)
            .first()
        )
    missing = [name for name, value in scope.items() if value is None]
    if missing:
        raise ValidationFailed(details={name: [outside] for name in missing})
    return scope


def department_consumption_for(
    *, actor: Any, department_id: int | str, now: datetime | None = None
) -> list[Consumption]:
    """The department's tokens this month, each member's messages today and each active API key's
    requests this minute."""
    department = department_get_for(actor=actor, department_id=department_id)
    if not access_of(actor).can_read_audit(department.pk, department.organization_id):
        raise PermissionDenied(_("Only department admins, organization admins and auditors can read quotas."))
    now = now or windows.clock()
    lines = [
        department_tokens(department_id=department.pk, organization_id=department.organization_id, now=now)
    ]
    members = User.objects.filter(memberships__department=department).distinct().order_by("email")
    lines += [user_messages(user, department.organization_id, now) for user in members]
    keys = ApiKey.objects.filter(department=department, revoked_at__isnull=True).select_related("department")
    lines += [api_key_requests(key, now) for key in keys]
    return lines


def my_consumption(*, actor: Any, now: datetime | None = None) -> list[Consumption]:
    """A person's messages today in each of their organizations; a key's requests this minute."""
    now = now or windows.clock()
    if isinstance(actor, ApiKeyActor):
        return [api_key_requests(actor.api_key, now)]
    if not isinstance(actor, User):
        return []
    organizations = sorted(access_of(actor).organization_ids)
    return [user_messages(actor, organization_id, now) for organization_id in organizations]


def _organization_visible(actor: Any, organization_id: int | str) -> int:
    org_id = as_id(organization_id)
    if org_id not in access_of(actor).organization_ids:
        raise NotFound(_("Organization not found."))
    return org_id
