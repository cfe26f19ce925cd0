from __future__ import annotations

import pytest

from bureau.audit.models import AuditEvent
from bureau.governance.models import OrganizationPolicy
from bureau.governance.selectors import policy_of
from tests.factories import World

pytestmark = pytest.mark.django_db


def test_defaults_apply_until_an_admin_writes(world: World) -> None:
    policy = policy_of(world.organization)
    assert policy.pk is not None and not OrganizationPolicy.objects.exists()
    assert policy.require_publish_review is False
    assert policy.redact_pii is True
    assert policy.default_retention_days is None


def test_org_admin_changes_the_policy_with_an_audited_diff(world: World, api: object) -> None:
    api.force_authenticate(world.user("org_admin"))  # type: ignore[attr-defined]
    url = f"/api/v1/organizations/{world.organization.pk}/policy/"
    response = api.patch(url, {"redact_pii": False}, format="json")  # type: ignore[attr-defined]
    assert response.status_code == 200, response.content
    assert response.json()["redact_pii"] is False
    assert policy_of(world.organization).redact_pii is False
    event = AuditEvent.objects.get(action="organization.policy.update")
    assert event.before == {**(event.before or {}), "redact_pii": True}
    assert event.after == {**(event.after or {}), "redact_pii": False}


def test_another_organization_is_not_found(world: World, api: object) -> None:
    api.force_authenticate(world.user("org_admin"))  # type: ignore[attr-defined]
    other = world.other_organization
    response = api.get(f"/api/v1/organizations/{other.pk}/policy/")  # type: ignore[attr-defined]
    assert response.status_code == 404
