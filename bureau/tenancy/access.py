"""What an actor may see and do, computed once per request and reused by every selector.

An actor is a signed-in User or an ApiKeyActor (a department's API key). Organization roles
(org_admin, auditor) reach every department of their organization; department roles reach their
own department only. An API key acts inside its department, as a member (scope `read`/`chat`) or
a builder (scope `write`), and never with admin rights; which routes it may use at all is decided
by its scopes (bureau/tenancy/scopes.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bureau.tenancy.models import DEPARTMENT_ROLE_RANK, ApiKey, ApiScope, Membership, Role, User


@dataclass(frozen=True)
class ApiKeyActor:
    """What DRF puts in `request.user` when a request authenticates with an API key."""

    api_key: ApiKey
    is_authenticated: bool = True
    is_anonymous: bool = False
    is_active: bool = True

    @property
    def pk(self) -> None:  # not a user: audit rows record the key instead
        return None

    def __str__(self) -> str:
        return f"API key {self.api_key.prefix}"


Actor = User | ApiKeyActor


@dataclass(frozen=True)
class Access:
    org_admin_of: frozenset[int] = frozenset()
    auditor_of: frozenset[int] = frozenset()
    # department id -> the highest department role held there
    department_roles: dict[int, Role] = field(default_factory=dict)
    # department id -> its organization id, for every department with a membership
    department_orgs: dict[int, int] = field(default_factory=dict)
    # None for a person; for an API key, what bureau/tenancy/scopes.py checks each route against
    api_key_scopes: frozenset[str] | None = None

    @property
    def organization_ids(self) -> frozenset[int]:
        return self.org_admin_of | self.auditor_of | frozenset(self.department_orgs.values())

    def reads_whole_organization(self, organization_id: int) -> bool:
        return organization_id in self.org_admin_of or organization_id in self.auditor_of

    def is_org_admin(self, organization_id: int) -> bool:
        return organization_id in self.org_admin_of

    def role_in(self, department_id: int) -> Role | None:
        return self.department_roles.get(department_id)

    def has_department_role(self, department_id: int, at_least: Role) -> bool:
        role = self.department_roles.get(department_id)
        return role is not None and DEPARTMENT_ROLE_RANK[role] >= DEPARTMENT_ROLE_RANK[at_least]

    def can_see_department(self, department_id: int, organization_id: int) -> bool:
        return self.reads_whole_organization(organization_id) or department_id in self.department_roles

    def can_manage_department_people(self, department_id: int, organization_id: int) -> bool:
        """Memberships and API keys: org admins anywhere, department admins in their own."""
        return self.is_org_admin(organization_id) or self.has_department_role(department_id, Role.DEPT_ADMIN)

    def can_read_audit(self, department_id: int, organization_id: int) -> bool:
        return self.reads_whole_organization(organization_id) or self.has_department_role(
            department_id, Role.DEPT_ADMIN
        )


_CACHE_ATTRIBUTE = "_bureau_access"


def access_of(actor: Any) -> Access:
    """The actor's rights, cached on the actor object for the rest of the request."""
    cached = getattr(actor, _CACHE_ATTRIBUTE, None)
    if cached is not None:
        return cached
    access = _compute(actor)
    if isinstance(actor, User):
        setattr(actor, _CACHE_ATTRIBUTE, access)
    return access


def forget_access(actor: Any) -> None:
    """Drop the cached rights, after a change to the actor's own memberships."""
    if hasattr(actor, _CACHE_ATTRIBUTE):
        delattr(actor, _CACHE_ATTRIBUTE)


def _compute(actor: Any) -> Access:
    if isinstance(actor, ApiKeyActor):
        key = actor.api_key
        scopes = frozenset(key.scopes)
        role = Role.BUILDER if ApiScope.WRITE in scopes else Role.MEMBER
        return Access(
            department_roles={key.department_id: role},
            department_orgs={key.department_id: key.department.organization_id},
            api_key_scopes=scopes,
        )
    if not isinstance(actor, User) or not actor.is_active:
        return Access()
    org_admin: set[int] = set()
    auditor: set[int] = set()
    roles: dict[int, Role] = {}
    orgs: dict[int, int] = {}
    rows = Membership.objects.filter(user=actor).values_list(
        "department_id", "department__organization_id", "role"
    )
    for department_id, organization_id, role_value in rows:
        role = Role(role_value)
        orgs[department_id] = organization_id
        if role == Role.ORG_ADMIN:
            org_admin.add(organization_id)
        elif role == Role.AUDITOR:
            auditor.add(organization_id)
        else:
            current = roles.get(department_id)
            if current is None or DEPARTMENT_ROLE_RANK[role] > DEPARTMENT_ROLE_RANK[current]:
                roles[department_id] = role
    # An auditor only reads. A department role they hold (a row from before services refused to
    # give one, or one written outside them) must not make them a writer in their organization.
    roles = {d: role for d, role in roles.items() if orgs[d] not in auditor}
    return Access(
        org_admin_of=frozenset(org_admin),
        auditor_of=frozenset(auditor),
        department_roles=roles,
        department_orgs=orgs,
    )
