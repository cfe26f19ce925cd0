"""Writes of the governance policy, each with its audit event in the same transaction."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from bureau.audit.services import audit_record
from bureau.governance.models import DepartmentPolicy, OrganizationPolicy

EDITABLE_FIELDS = ("require_publish_review", "redact_pii", "default_retention_days")


def _state(policy: OrganizationPolicy) -> dict[str, Any]:
    return {name: getattr(policy, name) for name in EDITABLE_FIELDS}


def policy_update(*, actor: Any, policy: OrganizationPolicy, **changes: Any) -> OrganizationPolicy:
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"not editable: {sorted(unknown)}")
    with transaction.atomic():
        locked = OrganizationPolicy.objects.select_for_update().filter(pk=policy.organization_id).first()
        current = locked or policy
        before = _state(current)
        for name, value in changes.items():
            setattr(current, name, value)
        current.save()
        audit_record(
            actor=actor,
            organization=current.organization_id,
            action="organization.policy.update",
            target=current,
            target_label=str(current.organization),
            before=before,
            after=_state(current),
        )
    return current


def department_policy_update(
    *, actor: Any, policy: DepartmentPolicy, retention_days: int | None
) -> DepartmentPolicy:
    with transaction.atomic():
        current = (
            DepartmentPolicy.objects.select_for_update().filter(pk=policy.department_id).first() or policy
        )
        before = {"retention_days": current.retention_days}
        current.retention_days = retention_days
        current.save()
        department = current.department
        audit_record(
            actor=actor,
            organization=department.organization_id,
            department=department.pk,
            action="department.policy.update",
            target=current,
            target_label=str(department),
            before=before,
            after={"retention_days": current.retention_days},
        )
    return current
