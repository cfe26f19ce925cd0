from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from bureau.tenancy.models import Department
from tests.factories import World, make_department

pytestmark = pytest.mark.django_db
URL = "/api/v1/knowledge-catalog/departments/"


def test_a_member_lists_every_department_of_the_organization_and_no_other(world: World) -> None:
    make_department(world.other_organization, "Sở Ngoài Tỉnh")
    client = APIClient()
    client.force_login(world.user("member"))
    response = client.get(URL)
    assert response.status_code == 200, response.content
    names = [row["name"] for row in response.json()]
    expected = list(
        Department.objects.filter(organization=world.department.organization)
        .order_by("name", "pk")
        .values_list("name", flat=True)
    )
    assert names == expected
    assert world.office.name in names  # a department the member does not belong to
    assert "Sở Ngoài Tỉnh" not in names


def test_nobody_signed_in_sees_nothing() -> None:
    assert APIClient().get(URL).status_code in (401, 403)
