"""Bad input is a 400, never a 500: JSON nested past the limit (Python's parser recurses, and 100,000
brackets end in RecursionError), and the NUL character, which PostgreSQL refuses in text, in a JSON
body, a form body or a query string. Over the real endpoints: DRF, the chat turn (JSON and
streamed), `/v1/chat/completions` (streamed and not) and the sign-in API."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from rest_framework.test import APIClient

from assistants.models import Message
from bureau.http.request_input import MAX_JSON_DEPTH
from bureau.tenancy.services import api_key_create
from knowledge.models import KnowledgeBase
from tests.assistants.chat_helpers import make_assistant, make_provider
from tests.factories import World
from tests.fakes.fake_llm import FakeLLM

pytestmark = pytest.mark.django_db

DEEP = 100_000
NUL = "\u0000"


def _nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def _deep_object(field: str, depth: int = DEEP) -> bytes:
    return ('{"' + field + '": ' + _nested(depth) + "}").encode()


def _builder(world: World) -> APIClient:
    client = APIClient()
    client.force_authenticate(world.user("builder"))
    return client


def _assert_api_error(response: Any, status: int = 400, code: str = "invalid") -> dict[str, Any]:
    assert response.status_code == status, response.content
    body = response.json()
    assert body["error"]["code"] == code, body
    assert body["request_id"]
    return dict(body["error"])


def _drf_targets(world: World) -> dict[str, tuple[str, str]]:
    """(method, URL) of a knowledge base create, an assistant update and a search."""
    builder = _builder(world)
    kb = builder.post("/api/v1/knowledge-bases/", {"name": "Quy chế"}, format="json").json()
    assistant = builder.post("/api/v1/assistants/", {"name": "Hỏi đáp"}, format="json").json()
    return {
        "knowledge-base-create": ("post", "/api/v1/knowledge-bases/"),
        "assistant-update": ("patch", f"/api/v1/assistants/{assistant['id']}/"),
        "draft-update": ("patch", f"/api/v1/assistants/{assistant['id']}/draft/"),
        "search": ("post", f"/api/v1/knowledge-bases/{kb['id']}/search"),
    }


@pytest.mark.parametrize("target", ["knowledge-base-create", "assistant-update", "search"])
def test_deeply_nested_json_is_a_400_on_drf_endpoints(world: World, target: str) -> None:
    method, url = _drf_targets(world)[target]
    response = getattr(_builder(world), method)(url, _deep_object("name"), content_type="application/json")
    error = _assert_api_error(response)
    assert str(MAX_JSON_DEPTH) in error["message"]


def test_nesting_up_to_the_limit_is_parsed_as_before(world: World) -> None:
    """The limit counts brackets, not the brackets inside strings."""
    _method, url = _drf_targets(world)["knowledge-base-create"]
    deepest = json.loads(_nested(MAX_JSON_DEPTH - 1))  # in the body's object: the limit, exactly
    body = json.dumps({"name": "[" * 150 + "{" * 50, "extra": deepest})
    response = _builder(world).post(url, body, content_type="application/json")
    assert response.status_code == 201, response.content
    too_deep = json.dumps({"name": "ok", "extra": json.loads(_nested(MAX_JSON_DEPTH))})
    _assert_api_error(_builder(world).post(url, too_deep, content_type="application/json"))


@pytest.mark.parametrize(
    ("target", "body", "field"),
    [
        ("knowledge-base-create", {"name": f"Quy{NUL}chế"}, "name"),
        ("assistant-update", {"description": f"Mô{NUL}tả"}, "description"),
        (
            "draft-update",
            {"tools": [{"kind": "calculator", "name": "may_tinh", "settings": {"note": f"a{NUL}b"}}]},
            "tools.0.settings.note",
        ),
        ("search", {"query": f"kết{NUL}hôn"}, "query"),
    ],
)
def test_nul_in_json_is_a_400_naming_the_field(
    world: World, target: str, body: dict[str, Any], field: str
) -> None:
    method, url = _drf_targets(world)[target]
    response = getattr(_builder(world), method)(url, json.dumps(body), content_type="application/json")
    error = _assert_api_error(response)
    assert field in error["details"], error


def test_an_escaped_backslash_before_u0000_is_text_not_nul(world: World) -> None:
    _method, url = _drf_targets(world)["knowledge-base-create"]
    response = _builder(world).post(url, json.dumps({"name": "C:\\u0000"}), content_type="application/json")
    assert response.status_code == 201, response.content
    assert KnowledgeBase.objects.get(pk=response.json()["id"]).name == "C:\\u0000"


def test_nul_in_a_form_body_is_a_400_naming_the_field(world: World) -> None:
    response = _builder(world).post("/api/v1/knowledge-bases/", {"name": f"Quy{NUL}chế"})  # urlencoded
    assert _assert_api_error(response)["details"].keys() == {"name"}


def test_nul_in_a_multipart_field_is_a_400_naming_the_field(world: World) -> None:
    builder = _builder(world)
    kb = builder.post("/api/v1/knowledge-bases/", {"name": "Tệp"}, format="json").json()
    response = builder.post(
        f"/api/v1/knowledge-bases/{kb['id']}/documents/",
        {"files": [SimpleUploadedFile("a.txt", b"abc")], "note": f"x{NUL}y"},
        format="multipart",
    )
    assert _assert_api_error(response)["details"].keys() == {"note"}


def test_nul_in_a_query_parameter_is_a_400_naming_it(world: World) -> None:
    builder = _builder(world)
    kb = builder.post("/api/v1/knowledge-bases/", {"name": "Tệp"}, format="json").json()
    response = builder.get(f"/api/v1/knowledge-bases/{kb['id']}/documents/?status=ready%00")
    assert _assert_api_error(response)["details"].keys() == {"status"}
    assert builder.get(f"/api/v1/knowledge-bases/{kb['id']}/documents/?status=ready").status_code == 200


def test_deep_json_on_the_sign_in_api_is_a_400(world: World) -> None:
    response = Client().post(
        "/_allauth/browser/v1/auth/login", _deep_object("email"), content_type="application/json"
    )
    assert response.status_code == 400


# --- the chat turn and the OpenAI-compatible API -----------------------------------------------------


@pytest.fixture
def conversation(world: World, llm: FakeLLM) -> tuple[Client, int]:
    assistant = make_assistant(world.department, provider=make_provider(world.department, llm.base_url))
    client = Client()
    client.force_login(world.user("member"))
    started = client.post(
        "/api/v1/conversations/", {"assistant": assistant.pk}, content_type="application/json"
    )
    assert started.status_code == 201, started.content
    return client, int(started.json()["id"])


@pytest.mark.parametrize("stream", [False, True], ids=["json", "sse"])
def test_chat_turn_refuses_deep_json(conversation: tuple[Client, int], stream: bool) -> None:
    client, conversation_id = conversation
    headers = {"Accept": "text/event-stream"} if stream else {}
    response = client.post(
        f"/api/v1/conversations/{conversation_id}/messages/",
        _deep_object("content"),
        content_type="application/json",
        headers=headers,
    )
    _assert_api_error(response)
    assert not Message.objects.exists()


@pytest.mark.parametrize("stream", [False, True], ids=["json", "sse"])
def test_chat_turn_refuses_nul_in_the_question(
    conversation: tuple[Client, int], llm: FakeLLM, stream: bool
) -> None:
    client, conversation_id = conversation
    headers = {"Accept": "text/event-stream"} if stream else {}
    response = client.post(
        f"/api/v1/conversations/{conversation_id}/messages/",
        json.dumps({"content": f"Giờ làm việc{NUL}?"}),
        content_type="application/json",
        headers=headers,
    )
    assert _assert_api_error(response)["details"].keys() == {"content"}
    assert not Message.objects.exists() and not llm.chat_requests


def _v1(world: World, llm: FakeLLM) -> Client:
    make_assistant(world.department, slug="tro-ly", provider=make_provider(world.department, llm.base_url))
    with transaction.atomic():
        key = api_key_create(actor=None, department=world.department, name="Cổng", scopes=["chat"]).raw_key
    return Client(HTTP_AUTHORIZATION=f"Bearer {key}")


def _assert_openai_error(response: Any, param: str | None = None) -> dict[str, Any]:
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["type"] == "invalid_request_error" and error["message"], error
    if param is not None:
        assert error["param"] == param, error
    return dict(error)


@pytest.mark.parametrize("stream", [False, True], ids=["json", "sse"])
def test_v1_refuses_deep_json_in_openais_shape(world: World, llm: FakeLLM, stream: bool) -> None:
    body = b'{"model": "tro-ly", "stream": ' + (b"true" if stream else b"false") + b', "messages": '
    body += _nested(DEEP).encode() + b"}"
    response = _v1(world, llm).post("/v1/chat/completions", body, content_type="application/json")
    assert str(MAX_JSON_DEPTH) in _assert_openai_error(response)["message"]


@pytest.mark.parametrize("stream", [False, True], ids=["json", "sse"])
def test_v1_refuses_nul_naming_the_message(world: World, llm: FakeLLM, stream: bool) -> None:
    body = {"model": "tro-ly", "stream": stream, "messages": [{"role": "user", "content": f"Xin{NUL}chào"}]}
    response = _v1(world, llm).post("/v1/chat/completions", json.dumps(body), content_type="application/json")
    _assert_openai_error(response, param="messages.0.content")
    assert not Message.objects.exists() and not llm.chat_requests


def test_v1_reads_the_body_as_its_checks_did(world: World, llm: FakeLLM) -> None:
    """`json.loads` guesses UTF-16 from the bytes, where the checks read UTF-8: no NUL may pass so."""
    body = {"model": "tro-ly", "messages": [{"role": "user", "content": f"Xin{NUL}chào"}]}
    response = _v1(world, llm).post(
        "/v1/chat/completions", json.dumps(body).encode("utf-16"), content_type="application/json"
    )
    _assert_openai_error(response)
    assert not Message.objects.exists() and not llm.chat_requests


def test_nul_in_the_user_agent_does_not_break_an_audited_write(world: World) -> None:
    from bureau.audit.models import AuditEvent

    client = _builder(world)
    response = client.post(
        "/api/v1/knowledge-bases/", {"name": "Quy chế"}, format="json", HTTP_USER_AGENT=f"curl{NUL}/8"
    )
    assert response.status_code == 201, response.content
    assert AuditEvent.objects.latest("id").user_agent == "curl/8"


@pytest.mark.parametrize(
    ("text", "deeper"),
    [
        ('{"a": "' + "[" * 100 + '"}', False),  # brackets in a string
        ('{"a": "\\"' + "[" * 100 + '"}', False),  # after an escaped quote, still in the string
        ('{"a": "\\\\", "b": ' + _nested(MAX_JSON_DEPTH) + "}", True),  # an escaped backslash ends it
        ('["' + "]" * 100 + '", ' + _nested(MAX_JSON_DEPTH) + "]", True),  # closing ones too
        ("[" * (MAX_JSON_DEPTH + 1), True),
        ("[]" * 1000, False),
    ],
)
def test_the_depth_scan_skips_strings(text: str, deeper: bool) -> None:
    from bureau.http.request_input import json_too_deep

    assert json_too_deep(text) is deeper


# --- JSON inside a field: an HTTP action's OpenAPI document, pasted as text ---------------------------


def _openapi_text(path: str, depth: int = 1) -> str:
    operation = {"get": {"operationId": "tra_cuu", "responses": {"200": {"description": "ok"}}}}
    document = {
        "openapi": "3.0.0",
        "servers": [{"url": "https://api.example.vn"}],
        "paths": {path: operation},
    }
    text = json.dumps(document)
    return text[:-1] + ', "x-deep": ' + _nested(depth) + "}" if depth > 1 else text


@pytest.mark.parametrize(
    ("document", "fragment"),
    [(_openapi_text("/ho-so", depth=DEEP), str(MAX_JSON_DEPTH)), (_openapi_text(f"/ho{NUL}so"), "NUL")],
    ids=["deep", "nul"],
)
def test_an_openapi_document_given_as_text_is_checked_as_a_body_is(
    world: World, document: str, fragment: str
) -> None:
    builder = _builder(world)
    assistant = builder.post("/api/v1/assistants/", {"name": "Hỏi đáp"}, format="json").json()
    preview = builder.post(
        f"/api/v1/assistants/{assistant['id']}/tools/openapi-operations/",
        {"document": document},
        format="json",
    )
    assert fragment in _assert_api_error(preview)["details"]["document"][0]
    tools = [{"kind": "http_action", "name": "ho_so", "settings": {"openapi": document}}]
    draft = builder.patch(f"/api/v1/assistants/{assistant['id']}/draft/", {"tools": tools}, format="json")
    assert draft.status_code == 400, draft.content
