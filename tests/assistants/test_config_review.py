"""The configuration review's flags, who reads it, and usage grouped by department or assistant."""

from __future__ import annotations

from typing import Any

import pytest

from assistants.catalog.services import assistant_create
from assistants.catalog.versions import draft_update, version_publish
from assistants.models import AssistantShare
from assistants.oversight.usage_breakdown import usage_totals_by
from assistants.review.configuration import configuration_review_for
from bureau.audit.usage import usage_record
from bureau.exceptions import PermissionDenied
from tests.factories import World, make_department

pytestmark = pytest.mark.django_db

OPENAPI = {
    "openapi": "3.0.0",
    "info": {"title": "Hộ tịch", "version": "1"},
    "servers": [{"url": "https://hotich.example.vn"}],
    "paths": {
        "/tra-cuu": {
            "get": {"operationId": "tra_cuu", "responses": {"200": {"description": "ok"}}},
        }
    },
}


def _by_name(rows: list[Any], name: str) -> dict[str, Any]:
    return next(row for row in rows if row["name"] == name)


def test_flags_name_what_makes_an_assistant_risky(world: World) -> None:
    admin = world.user("org_admin")
    quiet = assistant_create(actor=admin, department=world.department, name="Trợ lý nội bộ")
    draft = quiet.versions.get(state="draft")
    draft_update(actor=admin, draft=draft, changes={"instructions": "Trả lời ngắn."})
    version_publish(actor=admin, assistant=quiet, changelog="v1")

    loud = assistant_create(
        actor=admin, department=world.department, name="Trợ lý mở", visibility="organization"
    )
    draft = loud.versions.get(state="draft")
    tool = {
        "kind": "http_action",
        "name": "ho_tich",
        "settings": {"openapi": OPENAPI, "allowed_hosts": ["hotich.example.vn"]},
    }
    draft_update(actor=admin, draft=draft, changes={"tools": [tool]})
    version_publish(actor=admin, assistant=loud, changelog="v1")
    draft_update(actor=admin, draft=draft, changes={"instructions": "Đã sửa nhưng chưa xuất bản."})
    AssistantShare.objects.create(assistant=loud, department=make_department(world.organization, "Sở Y tế"))

    rows = configuration_review_for(actor=world.user("auditor"))
    quiet_row, loud_row = _by_name(rows, "Trợ lý nội bộ"), _by_name(rows, "Trợ lý mở")
    assert quiet_row["flags"] == ["no_knowledge"]
    assert quiet_row["published_version"] == 1
    assert set(loud_row["flags"]) == {
        "external_http",
        "organization_wide",
        "no_knowledge",
        "unpublished_changes",
        "shared_outside",
    }
    assert loud_row["tools"] == [{"kind": "http_action", "name": "ho_tich", "hosts": ["hotich.example.vn"]}]


def test_an_assistant_never_published_is_flagged(world: World) -> None:
    assistant_create(actor=world.user("builder"), department=world.department, name="Bản nháp")
    row = _by_name(configuration_review_for(actor=world.user("org_admin")), "Bản nháp")
    assert "never_published" in row["flags"] and row["published_version"] is None


def test_department_admins_see_their_department_only_and_members_none(world: World) -> None:
    assistant_create(actor=None, department=world.department, name="Của Sở Tư pháp")
    assistant_create(actor=None, department=world.other_department, name="Của Sở Nội vụ")
    names = {row["name"] for row in configuration_review_for(actor=world.user("dept_admin"))}
    assert "Của Sở Tư pháp" in names and "Của Sở Nội vụ" not in names
    with pytest.raises(PermissionDenied):
        configuration_review_for(actor=world.user("member"))


def test_usage_groups_by_assistant_and_by_department(world: World) -> None:
    first = assistant_create(actor=None, department=world.department, name="Trợ lý A")
    second = assistant_create(actor=None, department=world.other_department, name="Trợ lý B")
    for assistant, tokens in ((first, 100), (first, 50), (second, 10)):
        usage_record(
            organization_id=world.organization.pk,
            department_id=assistant.department_id,
            assistant_id=assistant.pk,
            conversation_id=None,
            message_id=None,
            user_id=None,
            api_key_id=None,
            model="fake-chat",
            prompt_tokens=tokens,
            completion_tokens=tokens,
            latency_ms=200,
            ttft_ms=40,
        )
    by_assistant = usage_totals_by(actor=world.user("auditor"), by="assistant")
    assert [(g["name"], g["messages"], g["total_tokens"]) for g in by_assistant] == [
        ("Trợ lý A", 2, 300),
        ("Trợ lý B", 1, 20),
    ]
    by_department = usage_totals_by(actor=world.user("auditor"), by="department")
    assert {g["id"]: g["total_tokens"] for g in by_department} == {
        world.department.pk: 300,
        world.other_department.pk: 20,
    }
    # A department admin reads only their own department's usage.
    mine = usage_totals_by(actor=world.user("dept_admin"), by="assistant")
    assert [g["name"] for g in mine] == ["Trợ lý A"]
