"""The knowledge catalog and the template gallery. The catalog is read by everyone of the
organization (the world's outsider sits in another department of it); a department of another
organization is a 404 for everyone. Cloning a template needs a builder of the department or an
org admin."""

from __future__ import annotations

from tests.factories import World, make_department
from tests.permission_matrix import Case, everyone

C = "/api/v1/knowledge-catalog/"
T = "/api/v1/assistant-templates/"


def _foreign_department(world: World) -> int:
    return make_department(world.other_organization, "Sở Khác").pk


CASES: list[Case] = [
    Case("knowledge-catalog", "get", lambda w: C, everyone(200)),
    Case("knowledge-catalog", "get", lambda w: f"{C}?department={w.department.pk}", everyone(200)),
    Case("knowledge-catalog", "get", lambda w: f"{C}?department={_foreign_department(w)}", everyone(404)),
    Case("knowledge-catalog-domains", "get", lambda w: f"{C}domains/", everyone(200)),
    Case("assistant-template-list", "get", lambda w: T, everyone(200)),
    Case(
        "assistant-template-clone",
        "post",
        lambda w: f"{T}tom-tat-van-ban/clone/",
        everyone(403, outsider=404, org_admin=201, dept_admin=201, builder=201),
        body=lambda w: {"department": w.department.pk},
        audit_action="assistant.clone_template",
    ),
    Case(
        "assistant-template-clone",
        "post",
        lambda w: f"{T}tom-tat-van-ban/clone/",
        everyone(404),
        body=lambda w: {"department": _foreign_department(w)},
    ),
]
