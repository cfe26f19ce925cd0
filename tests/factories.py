"""Builders for test data. Plain functions: the models are few and the shapes obvious."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from django.test import Client
from rest_framework.test import APIClient

from bureau.tenancy.models import Department, Membership, Organization, Role, User

PASSWORD = "Mat-khau-th3-nghiem"
_sequence = itertools.count(1)


def make_organization(name: str = "UBND tỉnh Thử nghiệm") -> Organization:
    n = next(_sequence)
    return Organization.objects.create(name=f"{name} {n}", slug=f"org-{n}")


def make_department(
    organization: Organization, name: str = "Sở", parent: Department | None = None
) -> Department:
    n = next(_sequence)
    return Department.objects.create(
        organization=organization, name=f"{name} {n}", code=f"d{n}", parent=parent
    )


def make_user(email: str | None = None, full_name: str = "Cán bộ") -> User:
    n = next(_sequence)
    return User.objects.create_user(
        email=email or f"user{n}@example.vn", password=PASSWORD, full_name=full_name
    )


def make_member(department: Department, role: Role, email: str | None = None) -> User:
    user = make_user(email)
    Membership.objects.create(user=user, department=department, role=role)
    return user


ROLES = ["org_admin", "auditor", "dept_admin", "builder", "member", "outsider"]


@dataclass
class World:
    organization: Organization
    office: Department  # where the organization-wide roles sit
    department: Department  # the department the tests act on
    other_department: Department  # the outsider's department
    other_organization: Organization
    users: dict[str, User]

    def user(self, role: str) -> User:
        return self.users[role]


def build_world() -> World:
    organization = make_organization()
    office = make_department(organization, "Văn phòng")
    department = make_department(organization, "Sở Tư pháp")
    other = make_department(organization, "Sở Nội vụ")
    other_organization = make_organization("UBND tỉnh Khác")
    users = {
        "org_admin": make_member(office, Role.ORG_ADMIN),
        "auditor": make_member(office, Role.AUDITOR),
        "dept_admin": make_member(department, Role.DEPT_ADMIN),
        "builder": make_member(department, Role.BUILDER),
        "member": make_member(department, Role.MEMBER),
        "outsider": make_member(other, Role.MEMBER),
    }
    return World(organization, office, department, other, other_organization, users)


def signed_in(world: World, role: str = "member", *, language: str | None = None) -> Client:
    """A test client with a session of `world`'s user in `role`, as the web app has after sign-in."""
    client = Client(headers={"Accept-Language": language} if language else None)
    client.force_login(world.user(role))
    return client


def api_client(world: World, role: str, *, language: str | None = None) -> APIClient:
    """An API test client authenticated as `world`'s user in `role`, without a session."""
    client = APIClient(headers={"Accept-Language": language} if language else None)
    client.force_authenticate(world.user(role))
    return client
