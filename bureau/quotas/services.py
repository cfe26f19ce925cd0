"""Writes of quotas (by org admins, audited) and their enforcement: a chat turn is admitted before it
starts, an API key's request before it runs. Exceeding a limit raises QuotaExceeded (429)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from bureau.audit.services import audit_record
from bureau.exceptions import QuotaExceeded, ValidationFailed
from bureau.quotas import selectors, windows
from bureau.quotas.models import SCOPES_OF_KIND, QuotaKind, QuotaLimit, QuotaScope
from bureau.quotas.windows import local_label, minute_of, seconds_until
from bureau.runtime import shared_redis
from bureau.tenancy.access import ApiKeyActor
from bureau.tenancy.models import ApiKey, Department, Membership, User

# --- changing limits -------------------------------------------------------------------------------


def _state(quota: QuotaLimit) -> dict[str, Any]:
    return {
        "kind": quota.kind,
        "scope": quota.scope,
        "department": quota.department_id,
        "user": quota.user_id,
        "api_key": quota.api_key_id,
        "limit": quota.limit,
    }


def quota_set(
    *,
    actor: Any,
    organization_id: int,
    kind: str,
    limit: int | None,
    department: Department | None = None,
    user: User | None = None,
    api_key: ApiKey | None = None,
) -> tuple[QuotaLimit, bool]:
    """Set one limit at one scope (creating or replacing it). Returns the row and whether it is new."""
    scope = _scope_of(department, user, api_key)
    if kind not in QuotaKind.values:
        raise ValidationFailed(details={"kind": [_("Unknown quota.")]})
    if scope not in SCOPES_OF_KIND[kind]:
        raise ValidationFailed(details={"kind": [_("This quota cannot be set at this level.")]})
    _check_in_organization(organization_id, department, user, api_key)
    with transaction.atomic():
        quota, created = QuotaLimit.objects.select_for_update().get_or_create(
            organization_id=organization_id,
            kind=kind,
            department=department,
            user=user,
            api_key=api_key,
            defaults={"limit": limit},
        )
        before = None if created else _state(quota)
        quota.limit = limit
        quota.updated_by = actor if isinstance(actor, User) else None
        quota.save()
        audit_record(
            actor=actor,
            organization=organization_id,
            department=department.pk if department else (api_key.department_id if api_key else None),
            action="quota.set",
            target=quota,
            before=before,
            after=_state(quota),
        )
    return quota, created


@transaction.atomic
def quota_delete(*, actor: Any, quota: QuotaLimit) -> None:
    """Back to inheriting the limit of the wider scope."""
    audit_record(
        actor=actor,
        organization=quota.organization_id,
        department=quota.department_id,
        action="quota.delete",
        target=quota,
        before=_state(quota),
    )
    quota.delete()


def _scope_of(department: Department | None, user: User | None, api_key: ApiKey | None) -> str:
    scopes = (("department", department), ("user", user), ("api_key", api_key))
    given = [name for name, value in scopes if value is not None]
    if len(given) > 1:
        raise ValidationFailed(
            details={given[1]: [_("Set a quota for one department, user or API key at a time.")]}
        )
    if department is not None:
        return QuotaScope.DEPARTMENT
    if user is not None:
        return QuotaScope.USER
    if api_key is not None:
        return QuotaScope.API_KEY
    return QuotaScope.ORGANIZATION


def _check_in_organization(
    organization_id: int, department: Department | None, user: User | None, api_key: ApiKey | None
) -> None:
    outside = _("Not found in this organization.")
    if department is not None and department.organization_id != organization_id:
        raise ValidationFailed(details={"department": [outside]})
    if api_key is not None and api_key.department.organization_id != organization_id:
        raise ValidationFailed(details={"api_key": [outside]})
    if (
        user is not None
        and not Membership.objects.filter(user=user, department__organization_id=organization_id).exists()
    ):
        raise ValidationFailed(details={"user": [outside]})


# --- enforcing them --------------------------------------------------------------------------------


def _exceeded(
    message: str, *, kind: str, limit: int, used: int, resets_at: datetime, now: datetime
) -> QuotaExceeded:
    retry_after = seconds_until(resets_at, now)
    return QuotaExceeded(
        message,
        retry_after=retry_after,
        details={
            "limit": kind,
            "limit_value": limit,
            "used": used,
            "resets_at": resets_at.isoformat(),
            "retry_after": retry_after,
        },
    )


def chat_turn_admit(
    *, actor: Any, organization_id: int, department_id: int, now: datetime | None = None
) -> None:
    """Before a chat turn starts: the assistant's department must have tokens left this month, and a
    person messages left today. A turn in progress may take a department past its budget; the next
    one is refused."""
    now = now or windows.clock()
    # The limits first: with none (the usual case) the month's usage, a sum over a growing table,
    # is not read at every turn.
    tokens = selectors.department_tokens(
        department_id=department_id, organization_id=organization_id, now=now, only_if_limited=True
    )
    if tokens.limit is not None and tokens.used >= tokens.limit:
        raise _exceeded(
            _("The department has used its %(limit)s tokens for this month. The limit resets at %(reset)s.")
            % {"limit": tokens.limit, "reset": local_label(tokens.resets_at)},
            kind=tokens.kind,
            limit=tokens.limit,
            used=tokens.used,
            resets_at=tokens.resets_at,
            now=now,
        )
    if isinstance(actor, User):
        messages = selectors.user_messages(actor, organization_id, now, only_if_limited=True)
        if messages.limit is not None and messages.used >= messages.limit:
            raise _exceeded(
                _("You have sent your %(limit)s messages for today. The limit resets at %(reset)s.")
                % {"limit": messages.limit, "reset": local_label(messages.resets_at)},
                kind=messages.kind,
                limit=messages.limit,
                used=messages.used,
                resets_at=messages.resets_at,
                now=now,
            )


def api_key_request_admit(*, key: ApiKey, now: datetime | None = None) -> None:
    """Counts one request of an API key in the current minute (a fixed window in the shared cache,
    so that every web process counts together) and refuses it past the key's limit."""
    now = now or windows.clock()
    limit = selectors.effective_limit(
        kind=QuotaKind.API_KEY_REQUESTS_PER_MINUTE,
        organization_id=key.department.organization_id,
        department_ids=[key.department_id],
        api_key_id=key.pk,
    )
    if limit is None:
        return
    window = minute_of(now)
    counter = shared_redis.key(selectors.requests_counter_key(key.pk, window))
    # SET NX is a no-op when the counter exists; INCR is atomic. One round trip for both. The
    # counter outlives its minute a little so that a slow request still finds it.
    with shared_redis.client().pipeline() as pipeline:
        pipeline.set(counter, 0, ex=120, nx=True)
        pipeline.incr(counter)
        used = int(pipeline.execute()[1])
    if used > limit:
        raise _exceeded(
            _("This API key has made its %(limit)s requests for this minute. The limit resets at %(reset)s.")
            % {"limit": limit, "reset": local_label(window.end)},
            kind=QuotaKind.API_KEY_REQUESTS_PER_MINUTE,
            limit=limit,
            used=used - 1,
            resets_at=window.end,
            now=now,
        )


def actor_request_admit(actor: Any, now: datetime | None = None) -> None:
    """Every request: API keys are rate-limited; people are limited per message instead."""
    if isinstance(actor, ApiKeyActor):
        api_key_request_admit(key=actor.api_key, now=now)
