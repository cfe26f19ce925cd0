"""Access-checked reads. Each `*_get_for` raises NotFound when the row is missing *or* invisible to
the actor, and PermissionDenied only when the actor may see it but not do what was asked."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from bureau.exceptions import NotFound, PermissionDenied
from bureau.ids import as_id
from bureau.tenancy.access import access_of
from bureau.tenancy.models import ApiKey, Department, Membership, Organization


def organization_list_visible_to(*, actor: Any) -> QuerySet[Organization]:
    return Organization.objects.filter(pk__in=access_of(actor).organization_ids)


def department_list_visible_to(*, actor: Any) -> QuerySet[Department]:
    access = access_of(actor)
    whole_orgs = access.org_admin_of | access.auditor_of
    return Department.objects.filter(
        Q(organization_id__in=whole_orgs) | Q(pk__in=list(access.department_roles))
    ).select_related("organization", "parent")


def department_get_for(*, actor: Any, department_id: int | str, write: bool = False) -> Department:
    """`write` means changing the department itself (name, parent), which only org admins may do."""
    department = department_list_visible_to(actor=actor).filter(pk=as_id(department_id)).first()
    if department is None:
        raise NotFound(_("Department not found."))
    if write and not access_of(actor).is_org_admin(department.organization_id):
        raise PermissionDenied(_("Only organization admins can change departments."))
    return department


def department_for_people_management(*, actor: Any, department_id: int | str, write: bool) -> Department:
    """For memberships and API keys: reading them needs a department admin, org admin or auditor;
    changing them needs a department admin of that department or an org admin."""
    department = department_get_for(actor=actor, department_id=department_id)
    access = access_of(actor)
    if write:
        allowed = access.can_manage_department_people(department.pk, department.organization_id)
    else:
        allowed = access.can_manage_department_people(
            department.pk, department.organization_id
        ) or access.reads_whole_organization(department.organization_id)
    if not allowed:
        raise PermissionDenied(_("Only department admins can manage members and API keys."))
    return department


def membership_list_for_department(*, actor: Any, department: Department) -> QuerySet[Membership]:
    """Everyone who can see a department can see who belongs to it."""
    department_get_for(actor=actor, department_id=department.pk)
    return Membership.objects.filter(department=department).select_related("user")


def membership_get_for(*, actor: Any, department_id: int | str, membership_id: int | str) -> Membership:
    department = department_for_people_management(actor=actor, department_id=department_id, write=True)
    membership = (
        Membership.objects.filter(department=department, pk=as_id(membership_id))
        .select_related("user")
        .first()
    )
    if membership is None:
        raise NotFound(_("Membership not found."))
    return membership


def api_key_list_for_department(*, actor: Any, department_id: int | str) -> QuerySet[ApiKey]:
    department = department_for_people_management(actor=actor, department_id=department_id, write=False)
    return ApiKey.objects.filter(department=department).select_related("created_by")


def api_key_get_for(*, actor: Any, department_id: int | str, key_id: int | str) -> ApiKey:
    department = department_for_people_management(actor=actor, department_id=department_id, write=True)
    key = ApiKey.objects.filter(department=department, pk=as_id(key_id)).first()
    if key is None:
        raise NotFound(_("API key not found."))
    return key
