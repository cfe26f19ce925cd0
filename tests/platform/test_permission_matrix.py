from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.test import APIClient

from bureau.audit.models import AuditEvent
from tests.factories import ROLES, World
from tests.permission_matrix import CASES, Case


def _case_id(case: Case) -> str:
    return f"{case.method.upper()} {case.name}"


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_permission_matrix(case: Case, role: str, world: World) -> None:
    client = APIClient()
    # A real session rather than DRF's force_authenticate, which the async chat views do not see.
    client.force_login(world.user(role))
    url = case.url(world)
    events_before = AuditEvent.objects.count()
    body = case.body(world) if case.body else None
    response = getattr(client, case.method)(url, body, format=case.format)
    expected = case.expected[role]
    assert response.status_code == expected, (role, url, response.content[:300])
    if expected >= 400:
        assert response.json()["error"]["code"] in {"permission_denied", "not_found"}
        # A refused request changes nothing, not even the log.
        assert AuditEvent.objects.count() == events_before
    elif case.audit_action:
        event = AuditEvent.objects.latest("id")
        assert event.action == case.audit_action
        assert event.actor_id == world.user(role).pk
        assert event.organization_id == world.organization.pk


def _api_route_names() -> set[str]:
    names: set[str] = set()

    def walk(patterns: list[URLPattern | URLResolver], prefix: str) -> None:
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, route)
            elif route.startswith("api/v1/") and pattern.name:
                names.add(pattern.name)

    walk(get_resolver().url_patterns, "")
    return names


def test_every_api_route_is_in_the_matrix() -> None:
    missing = _api_route_names() - {case.name for case in CASES}
    assert not missing, f"routes with no permission-matrix case: {sorted(missing)}"


def test_anonymous_requests_get_401_everywhere(world: World) -> None:
    client = APIClient()
    for case in CASES:
        response = getattr(client, case.method)(case.url(world), format=case.format)
        assert response.status_code == 401, case.name
        assert response.json()["error"]["code"] == "not_authenticated"
