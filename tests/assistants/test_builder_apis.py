"""The builder screen's helper endpoints: tool kinds, an OpenAPI document's operations, and a test
call of one operation through the URL guard (against a server on 127.0.0.1), audited."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from rest_framework.test import APIClient

from assistants.models import AssistantVersion, VersionState
from bureau.audit.models import AuditEvent
from tests.assistants.test_tools import document
from tests.factories import World
from tests.security.test_url_guard import LOOPBACK_FOR_TESTS, LocalServer, serve_locally

A = "/api/v1/assistants/"


@pytest.fixture
def local_server() -> Iterator[LocalServer]:
    with serve_locally() as server:
        yield server


@pytest.fixture
def builder(world: World) -> APIClient:
    client = APIClient()
    client.force_authenticate(world.user("builder"))
    return client


@pytest.fixture
def assistant(builder: APIClient) -> dict[str, Any]:
    response = builder.post(A, {"name": "Trợ lý hồ sơ"}, format="json")
    assert response.status_code == 201
    return response.json()


def _tool(server: str, **extra: Any) -> dict[str, Any]:
    return {
        "name": "ho_so",
        "settings": {"openapi": document(server), "allowed_hosts": ["127.0.0.1"]},
        **extra,
    }


def test_tool_kinds_list_the_registry(builder: APIClient) -> None:
    kinds = {k["kind"]: k for k in builder.get("/api/v1/tool-kinds/").json()}
    assert {"http_action", "calculator", "knowledge_search", "current_datetime"} <= set(kinds)
    assert kinds["http_action"]["label"]


def test_openapi_operations_of_a_document(builder: APIClient, assistant: dict[str, Any]) -> None:
    url = f"{A}{assistant['id']}/tools/openapi-operations/"
    response = builder.post(url, {"document": document("https://api.example.org/v1")}, format="json")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["server"] == "https://api.example.org/v1"
    get_item = next(op for op in body["operations"] if op["function"] == "getItem")
    assert get_item["method"] == "GET" and get_item["path"] == "/items/{id}"
    assert {"name": "id", "location": "path", "required": True} in get_item["parameters"]
    broken = builder.post(url, {"document": "{not json"}, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert broken.status_code == 400
    assert broken.json()["error"]["details"]["document"]


@LOOPBACK_FOR_TESTS
def test_an_operation_is_called_through_the_guard_and_audited(
    builder: APIClient, assistant: dict[str, Any], local_server: LocalServer
) -> None:
    url = f"{A}{assistant['id']}/tools/test/"
    body = {"tool": _tool(local_server.base + "/api"), "operation": "getItem", "arguments": {"id": "42"}}
    response = builder.post(url, body, format="json")
    assert response.status_code == 200, response.json()
    result = response.json()
    assert result["status"] == "succeeded" and result["status_code"] == 200
    assert local_server.received[-1].path == "/api/items/42"
    event = AuditEvent.objects.filter(action="assistant.tool_test").latest("id")
    assert event.after is not None
    assert event.after["operation"] == "getItem" and event.after["arguments"] == ["id"]
    assert event.after["status_code"] == 200


def test_a_loopback_server_is_refused_by_the_guard(
    builder: APIClient, assistant: dict[str, Any], local_server: LocalServer
) -> None:
    url = f"{A}{assistant['id']}/tools/test/"
    body = {"tool": _tool(local_server.base + "/api"), "operation": "getItem", "arguments": {"id": "1"}}
    result = builder.post(url, body, format="json").json()
    assert result["status"] == "refused" and result["status_code"] is None
    assert not local_server.received


@LOOPBACK_FOR_TESTS
def test_the_drafts_saved_secret_is_used_when_none_is_typed(
    builder: APIClient, assistant: dict[str, Any], local_server: LocalServer
) -> None:
    tool = _tool(local_server.base + "/api")
    tool["settings"]["auth"] = {"type": "bearer"}
    saved = builder.patch(
        f"{A}{assistant['id']}/draft/",
        {"tools": [{"kind": "http_action", **tool, "secret": "sk-so-tu-phap"}]},
        format="json",
    )
    assert saved.status_code == 200, saved.json()
    draft = AssistantVersion.objects.get(assistant_id=assistant["id"], state=VersionState.DRAFT)
    assert draft.tools[0]["secret_encrypted"]
    url = f"{A}{assistant['id']}/tools/test/"
    result = builder.post(
        url, {"tool": tool, "operation": "getItem", "arguments": {"id": "7"}}, format="json"
    )
    assert result.json()["status"] == "succeeded"
    assert local_server.received[-1].headers.get("Authorization") == "Bearer sk-so-tu-phap"


def test_a_member_may_not_test_tools(world: World, assistant: dict[str, Any]) -> None:
    member = APIClient()
    member.force_authenticate(world.user("member"))
    body = {"tool": _tool("https://api.example.org/v1"), "operation": "getItem", "arguments": {"id": "1"}}
    assert member.post(f"{A}{assistant['id']}/tools/test/", body, format="json").status_code in (403, 404)


def test_a_preview_stops_when_the_right_to_edit_is_gone(world: World, assistant: dict[str, Any]) -> None:
    """The preview chat is pinned to the draft: only people who may edit the assistant use it, and
    an editor whose share is removed cannot go on asking in an open preview."""
    from assistants.catalog.services import share_add, share_remove
    from assistants.chat.prepare import prepare_turn
    from assistants.models import Assistant
    from bureau.exceptions import PermissionDenied

    member = world.user("member")
    client = APIClient()
    client.force_authenticate(member)
    body = {"assistant": assistant["id"], "preview": True}
    assert client.post("/api/v1/conversations/", body, format="json").status_code in (403, 404)
    share = share_add(
        actor=None, assistant=Assistant.objects.get(pk=assistant["id"]), role="editor", email=member.email
    )
    created = client.post("/api/v1/conversations/", body, format="json")
    assert created.status_code == 201 and created.json()["preview"] is True
    started = AuditEvent.objects.filter(action="conversation.preview_start").latest("id")
    assert started.after == {
        "assistant": assistant["id"],
        "draft": AssistantVersion.objects.get(assistant_id=assistant["id"], state=VersionState.DRAFT).pk,
        "preview": True,
    }
    share_remove(actor=None, share=share)
    with pytest.raises(PermissionDenied):
        prepare_turn(actor=member, conversation_id=created.json()["id"], question="Còn xem được không?")
