"""Access-checked reads of governance policies.

The organization's policy: every member of the organization reads it (builders need to know whether
a publish goes to review); only org admins change it. A department's policy (its retention period):
its admins, org admins and auditors read it; only org admins change it. Outsiders get 404."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from bureau.exceptions import NotFound, PermissionDenied
from bureau.governance.models import DepartmentPolicy, OrganizationPolicy
from bureau.tenancy.access import access_of
from bureau.tenancy.models import Department, Organization
from bureau.tenancy.selectors import department_get_for


def policy_of(organization: Organization | int) -> OrganizationPolicy:
    """The organization's policy, or an unsaved one holding the defaults. Not access-checked: for
    services that already hold the organization."""
    organization_id = organization if isinstance(organization, int) else organization.pk
    policy = OrganizationPolicy.objects.filter(organization_id=organization_id).first()
    return policy or OrganizationPolicy(organization_id=organization_id)


def policy_get_for(*, actor: Any, organization_id: int | str, write: bool = False) -> OrganizationPolicy:
    access = access_of(actor)
    try:
        org_id = int(organization_id)
    except (TypeError, ValueError):
        raise NotFound(_("Organization not found.")) from None
    if org_id not in access.organization_ids:
        raise NotFound(_("Organization not found."))
    if write and not access.is_org_admin(org_id):
        raise PermissionDenied(_("Only organization admins can change the organization's policies."))
    return policy_of(org_id)


@dataclass(frozen=True)
class Retention:
    days: int
    source: str  # "department", "organization" or "settings": where the period comes from


def retention_of(department: Department) -> Retention:
    """The department's period, else its organization's default, else BUREAU_RETENTION_DAYS. Not
    access-checked: for the retention task and for selectors that already checked."""
    own = DepartmentPolicy.objects.filter(department_id=department.pk).values_list(
        "retention_days", flat=True
    )
    days = own.first()
    if days is not None:
        return Retention(days, "department")
    organization_days = policy_of(department.organization_id).default_retention_days
    if organization_days is not None:
        return Retention(organization_days, "organization")
    return Retention(settings.BUREAU_RETENTION_DAYS, "settings")


def department_policy_get_for(
    *, actor: Any, department_id: int | str, write: bool = False
) -> DepartmentPolicy:
    """Org admins change it; department admins, org admins and auditors read it; outsiders get 404."""
    department = department_get_for(actor=actor, department_id=department_id)
    access = access_of(actor)
    if write and not access.is_org_admin(department.organization_id):
        raise PermissionDenied(_("Only organization admins can change a department's policies."))
    if not access.can_read_audit(department.pk, department.organization_id):
        raise PermissionDenied(_("Only department admins, organization admins and auditors can read this."))
    policy = DepartmentPolicy.objects.filter(department=department).first()
    return policy or DepartmentPolicy(department=department)
