"""Access-checked reads of an organization's governance policy.

Every member of the organization reads it (builders need to know whether a publish goes to review);
only org admins change it; outsiders get 404."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from bureau.exceptions import NotFound, PermissionDenied
from bureau.governance.models import OrganizationPolicy
from bureau.tenancy.access import access_of
from bureau.tenancy.models import Organization


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
