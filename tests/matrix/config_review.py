"""What IT reads about assistants: the configuration review (org admins and auditors the whole
organization, department admins their own department; others 403) and usage by department or
assistant (the usage ledger's rules: a department one cannot see is 404)."""

from __future__ import annotations

from tests.permission_matrix import Case, everyone

AUDIT_READERS = everyone(403, org_admin=200, auditor=200, dept_admin=200)

CASES = [
    Case("configuration-review", "get", lambda w: "/api/v1/configuration-review/", AUDIT_READERS),
    Case(
        "usage-breakdown",
        "get",
        lambda w: f"/api/v1/usage/breakdown/?by=assistant&department={w.department.pk}",
        everyone(403, org_admin=200, auditor=200, dept_admin=200, outsider=404),
    ),
]
