"""The organization's departments, which the Knowledge screen offers when sharing a knowledge base:
every member of the organization reads the list (the world's outsider sits in another department
of it)."""

from __future__ import annotations

from tests.permission_matrix import Case, everyone

CASES: list[Case] = [
    Case(
        "knowledge-catalog-departments",
        "get",
        lambda w: "/api/v1/knowledge-catalog/departments/",
        everyone(200),
    ),
]
