"""The organization's governance policy: every member of the organization reads it (the world's
outsider sits in another department of the same organization); only org admins change it."""

from __future__ import annotations

from tests.permission_matrix import Case, everyone


def _policy_url(world: object) -> str:
    return f"/api/v1/organizations/{world.organization.pk}/policy/"  # type: ignore[attr-defined]


CASES = [
    Case("organization-policy", "get", _policy_url, everyone(200)),
    Case(
        "organization-policy",
        "patch",
        _policy_url,
        everyone(403, org_admin=200),
        body=lambda w: {"require_publish_review": True, "default_retention_days": 180},
        audit_action="organization.policy.update",
    ),
]
