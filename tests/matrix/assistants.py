"""Assistants: every route × role. The assistant belongs to the world's department with visibility
"department": its members see it, the outsider (another department) does not; auditors read its
configuration; only org admins and the department's builders and admins change it."""

from __future__ import annotations

from typing import Any

from tests.factories import World
from tests.permission_matrix import Case, everyone

A = "/api/v1/assistants/"
READERS = everyone(200, outsider=404)  # everyone who sees it
CONFIG_READERS = everyone(200, member=403, outsider=404)  # its configuration: not plain members


def writers(status: int) -> dict[str, int]:
    return everyone(403, outsider=404, org_admin=status, dept_admin=status, builder=status)


def _assistant(world: World, visibility: str = "department") -> Any:
    from assistants.catalog.services import assistant_create
    from assistants.models import Assistant

    name = f"Trợ lý ma trận {visibility}"
    found = Assistant.objects.filter(department=world.department, name=name).first()
    return found or assistant_create(
        actor=None, department=world.department, name=name, visibility=visibility
    )


def _url(world: World) -> str:
    return f"{A}{_assistant(world).pk}/"


def _published(world: World) -> str:
    """An assistant with version 1 published."""
    from assistants.catalog.versions import version_publish

    assistant = _assistant(world)
    if assistant.published_version_id is None:
        version_publish(actor=None, assistant=assistant, changelog="Bản đầu tiên")
    return f"{A}{assistant.pk}/"


def _share(world: World) -> str:
    from assistants.catalog.services import share_add

    share = share_add(actor=None, assistant=_assistant(world), role="viewer", department_id=world.office.pk)
    return f"{_url(world)}shares/{share.pk}/"


def _export(world: World) -> dict[str, Any]:
    """What the export route returns (built by hand: the body must not write anything itself)."""
    return {
        "format": "bureau.assistant/v1",
        "department": world.department.pk,
        "assistant": {"name": "Trợ lý nhập", "description": "", "avatar": "", "visibility": "department"},
        "config": {"instructions": "Trả lời bằng tiếng Việt.", "tools": [], "knowledge_bases": []},
    }


CASES: list[Case] = [
    Case("assistant-list", "get", lambda w: A, everyone(200)),
    Case(
        "assistant-list",
        "post",
        lambda w: A,
        writers(201),
        body=lambda w: {"name": "Hỏi đáp thủ tục", "department": w.department.pk},
        audit_action="assistant.create",
    ),
    Case(
        "assistant-import",
        "post",
        lambda w: f"{A}import/",
        writers(201),
        body=_export,
        audit_action="assistant.import",
    ),
    Case("assistant-detail", "get", _url, READERS),
    Case(
        "assistant-detail",
        "get",
        lambda w: f"{A}{_assistant(w, 'private').pk}/",
        everyone(200, member=404, outsider=404),
    ),
    Case(
        "assistant-detail",
        "patch",
        _url,
        writers(200),
        body=lambda w: {"description": "Trả lời về thủ tục hành chính"},
        audit_action="assistant.update",
    ),
    Case("assistant-detail", "delete", _url, writers(204), audit_action="assistant.delete"),
    Case("assistant-draft", "get", lambda w: _url(w) + "draft/", CONFIG_READERS),
    Case(
        "assistant-draft",
        "patch",
        lambda w: _url(w) + "draft/",
        writers(200),
        body=lambda w: {"instructions": "Trả lời ngắn gọn, dẫn nguồn."},
        audit_action="assistant.draft_update",
    ),
    Case(
        "assistant-publish",
        "post",
        lambda w: _url(w) + "publish/",
        writers(201),
        body=lambda w: {"changelog": "Phát hành"},
        audit_action="assistant.publish",
    ),
    Case("assistant-version-list", "get", lambda w: _published(w) + "versions/", CONFIG_READERS),
    Case("assistant-version-detail", "get", lambda w: _published(w) + "versions/1/", CONFIG_READERS),
    Case("assistant-version-diff", "get", lambda w: _published(w) + "versions/1/diff", CONFIG_READERS),
    Case(
        "assistant-version-rollback",
        "post",
        lambda w: _published(w) + "versions/1/rollback/",
        writers(201),
        audit_action="assistant.rollback",
    ),
    Case(
        "assistant-duplicate",
        "post",
        lambda w: _url(w) + "duplicate/",
        writers(201),
        audit_action="assistant.duplicate",
    ),
    Case("assistant-export", "get", lambda w: _url(w) + "export/", CONFIG_READERS),
    Case("assistant-share-list", "get", lambda w: _url(w) + "shares/", CONFIG_READERS),
    Case(
        "assistant-share-list",
        "post",
        lambda w: _url(w) + "shares/",
        writers(201),
        body=lambda w: {"department": w.office.pk, "role": "viewer"},
        audit_action="assistant.share_add",
    ),
    Case("assistant-share-detail", "delete", _share, writers(204), audit_action="assistant.share_remove"),
]
