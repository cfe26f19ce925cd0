"""Writes for organizations, departments, memberships and API keys. Each validates, writes inside a
transaction and records its audit event in that same transaction."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.utils import timezone
from django.utils.translation import gettext as _

from bureau.audit.services import audit_record, diff
from bureau.exceptions import Conflict, PermissionDenied, ValidationFailed
from bureau.tenancy.access import forget_access
from bureau.tenancy.models import (
    DEPARTMENT_ROLE_RANK,
    ORGANIZATION_ROLES,
    ApiKey,
    ApiScope,
    Department,
    Membership,
    Organization,
    Role,
    User,
)

API_KEY_PREFIX = "bk_"


def _department_state(department: Department) -> dict[str, Any]:
    return {
        "name": department.name,
        "code": department.code,
        "description": department.description,
        "parent": department.parent_id,
    }


def _check_parent(
    department: Department | None, organization: Organization, parent: Department | None
) -> None:
    if parent is None:
        return
    if parent.organization_id != organization.pk:
        raise ValidationFailed(
            details={"parent": [_("The parent department belongs to another organization.")]}
        )
    node: Department | None = parent
    while node is not None and department is not None:
        if node.pk == department.pk:
            raise ValidationFailed(details={"parent": [_("A department cannot be inside itself.")]})
        node = node.parent


@transaction.atomic
def department_create(
    *,
    actor: Any,
    organization: Organization,
    name: str,
    code: str,
    description: str = "",
    parent: Department | None = None,
) -> Department:
    _check_parent(None, organization, parent)
    if Department.objects.filter(organization=organization, code=code).exists():
        raise Conflict(_("A department with this code already exists."), details={"code": [code]})
    department = Department.objects.create(
        organization=organization, name=name, code=code, description=description, parent=parent
    )
    audit_record(
        actor=actor,
        organization=organization,
        department=department,
        action="department.create",
        target=department,
        after=_department_state(department),
    )
    return department


@transaction.atomic
def department_update(*, actor: Any, department: Department, **changes: Any) -> Department:
    department = Department.objects.select_for_update().get(pk=department.pk)
    before = _department_state(department)
    if "parent" in changes:
        _check_parent(department, department.organization, changes["parent"])
    for field_name in ("name", "code", "description", "parent"):
        if field_name in changes:
            setattr(department, field_name, changes[field_name])
    try:
        with transaction.atomic():
            department.save()
    except IntegrityError:
        raise Conflict(_("A department with this code already exists.")) from None
    old, new = diff(before, _department_state(department))
    if new:
        audit_record(
            actor=actor,
            organization=department.organization_id,
            department=department,
            action="department.update",
            target=department,
            before=old,
            after=new,
        )
    return department


@transaction.atomic
def department_delete(*, actor: Any, department: Department) -> None:
    if department.children.exists():
        raise Conflict(_("Move or delete the sub-departments first."))
    before = _department_state(department)
    audit_record(
        actor=actor,
        organization=department.organization_id,
        department=department,
        action="department.delete",
        target=department,
        before=before,
    )
    try:
        with transaction.atomic():
            department.delete()
    except ProtectedError:
        # The Conflict rolls the audit event back with the rest of the transaction.
        raise Conflict(
            _("The department still has assistants, knowledge bases or files: move or delete them first.")
        ) from None


def _membership_state(membership: Membership) -> dict[str, Any]:
    return {"user": membership.user.email, "department": membership.department_id, "role": membership.role}


def _check_role_grant(actor_is_org_admin: bool, role: str) -> None:
    if role not in Role.values:
        raise ValidationFailed(details={"role": [_("Unknown role.")]})
    # Organization-wide roles reach every department, so only an org admin may hand them out.
    if role in (Role.ORG_ADMIN, Role.AUDITOR) and not actor_is_org_admin:
        raise ValidationFailed(details={"role": [_("Only organization admins can grant this role.")]})


def _check_person_may_hold(
    user: User, department: Department, role: str, *, actor_is_org_admin: bool, replacing: Membership | None
) -> None:
    """Organization roles and department roles do not mix freely. A department admin would
    otherwise reach beyond their department by promoting an org-level role holder (making the
    read-only auditor a writer), and an auditor who kept a department role would stop being
    read-only there. `replacing` is the membership whose role is being changed: its current role
    is about to go."""
    others = Membership.objects.filter(user=user, department__organization_id=department.organization_id)
    if replacing is not None:
        others = others.exclude(pk=replacing.pk)
    held = set(others.values_list("role", flat=True))
    if role == Role.AUDITOR:
        if held & set(DEPARTMENT_ROLE_RANK):
            raise PermissionDenied(
                _("This person holds a department role: remove it before making them an auditor.")
            )
        return
    if role in ORGANIZATION_ROLES or not held & ORGANIZATION_ROLES:
        return
    if not actor_is_org_admin:
        raise PermissionDenied(
            _(
                "This person holds an organization role: only an organization admin can give them "
                "a department role."
            )
        )
    if Role.AUDITOR in held:
        raise PermissionDenied(_("An auditor cannot hold a department role: auditors only read."))


@transaction.atomic
def membership_add(
    *,
    actor: Any,
    department: Department,
    email: str,
    role: str,
    full_name: str = "",
    actor_is_org_admin: bool,
) -> Membership:
    _check_role_grant(actor_is_org_admin, role)
    email = email.strip().lower()
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        # Staff sign in through single sign-on or set a password by reset; none is set here.
        user = User.objects.create_user(email=email, full_name=full_name)
    if Membership.objects.filter(user=user, department=department).exists():
        raise Conflict(_("This person is already a member of the department."))
    _check_person_may_hold(user, department, role, actor_is_org_admin=actor_is_org_admin, replacing=None)
    membership = Membership.objects.create(user=user, department=department, role=role)
    audit_record(
        actor=actor,
        organization=department.organization_id,
        department=department,
        action="membership.create",
        target=membership,
        after=_membership_state(membership),
        target_label=email,
    )
    forget_access(user)
    return membership


@transaction.atomic
def membership_change_role(
    *, actor: Any, membership: Membership, role: str, actor_is_org_admin: bool
) -> Membership:
    _check_role_grant(actor_is_org_admin, role)
    if membership.role in (Role.ORG_ADMIN, Role.AUDITOR) and not actor_is_org_admin:
        raise ValidationFailed(details={"role": [_("Only organization admins can change this role.")]})
    _check_person_may_hold(
        membership.user,
        membership.department,
        role,
        actor_is_org_admin=actor_is_org_admin,
        replacing=membership,
    )
    _refuse_removing_last_org_admin(membership, new_role=role)
    before = _membership_state(membership)
    membership.role = role
    membership.save(update_fields=["role"])
    audit_record(
        actor=actor,
        organization=membership.department.organization_id,
        department=membership.department,
        action="membership.role_change",
        target=membership,
        before={"role": before["role"]},
        after={"role": role},
        target_label=membership.user.email,
    )
    return membership


@transaction.atomic
def membership_remove(*, actor: Any, membership: Membership, actor_is_org_admin: bool) -> None:
    if membership.role in (Role.ORG_ADMIN, Role.AUDITOR) and not actor_is_org_admin:
        raise ValidationFailed(details={"role": [_("Only organization admins can remove this role.")]})
    _refuse_removing_last_org_admin(membership, new_role=None)
    audit_record(
        actor=actor,
        organization=membership.department.organization_id,
        department=membership.department,
        action="membership.delete",
        target=membership,
        before=_membership_state(membership),
        target_label=membership.user.email,
    )
    membership.delete()


def _refuse_removing_last_org_admin(membership: Membership, *, new_role: str | None) -> None:
    if membership.role != Role.ORG_ADMIN or new_role == Role.ORG_ADMIN:
        return
    others = Membership.objects.filter(
        department__organization_id=membership.department.organization_id, role=Role.ORG_ADMIN
    ).exclude(pk=membership.pk)
    if not others.exists():
        raise Conflict(_("The organization must keep at least one organization admin."))


# --- API keys -------------------------------------------------------------------------------------


def hash_api_key(raw_key: str) -> str:
    # The secret part has 256 bits of entropy, so a fast hash is as safe as a slow one here and
    # keeps authentication cheap on every request.
    return hashlib.sha256(raw_key.encode()).hexdigest()


@dataclass(frozen=True)
class CreatedApiKey:
    api_key: ApiKey
    raw_key: str


def _api_key_state(key: ApiKey) -> dict[str, Any]:
    return {
        "name": key.name,
        "prefix": key.prefix,
        "scopes": key.scopes,
        "expires_at": key.expires_at.isoformat() if key.expires_at else None,
        "revoked_at": key.revoked_at.isoformat() if key.revoked_at else None,
    }


@transaction.atomic
def api_key_create(
    *, actor: Any, department: Department, name: str, scopes: list[str], expires_at: datetime | None = None
) -> CreatedApiKey:
    unknown = sorted(set(scopes) - set(ApiScope.values))
    if unknown or not scopes:
        raise ValidationFailed(
            details={"scopes": [_("Choose scopes among: %s.") % ", ".join(ApiScope.values)]}
        )
    if expires_at is not None and expires_at <= timezone.now():
        raise ValidationFailed(details={"expires_at": [_("The expiry must be in the future.")]})
    prefix = secrets.token_hex(4)
    raw_key = f"{API_KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    key = ApiKey.objects.create(
        department=department,
        name=name,
        prefix=prefix,
        key_hash=hash_api_key(raw_key),
        scopes=sorted(set(scopes)),
        expires_at=expires_at,
        created_by=actor if isinstance(actor, User) else None,
    )
    audit_record(
        actor=actor,
        organization=department.organization_id,
        department=department,
        action="api_key.create",
        target=key,
        after=_api_key_state(key),
    )
    return CreatedApiKey(key, raw_key)


@transaction.atomic
def api_key_revoke(*, actor: Any, api_key: ApiKey) -> ApiKey:
    if api_key.revoked_at is not None:
        return api_key
    before = _api_key_state(api_key)
    api_key.revoked_at = timezone.now()
    api_key.save(update_fields=["revoked_at"])
    audit_record(
        actor=actor,
        organization=api_key.department.organization_id,
        department=api_key.department_id,
        action="api_key.revoke",
        target=api_key,
        before={"revoked_at": before["revoked_at"]},
        after={"revoked_at": api_key.revoked_at.isoformat()},
    )
    return api_key
