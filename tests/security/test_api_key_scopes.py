"""An API key's scopes mean what they say: `read` reads knowledge and assistants, `chat` chats
(REST, server-sent events and the OpenAI-compatible /v1), `write` builds; none implies another, and
no scope opens the people, admin or audit routes. Each seam is checked from the side of a key that
should not get through."""

from __future__ import annotations

from typing import Any

import openai
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from rest_framework.test import APIClient

from assistants.models import Assistant, Conversation, Message
from bureau.audit.models import AuditEvent
from bureau.tenancy.access import ApiKeyActor
from bureau.tenancy.services import api_key_create
from knowledge.models import Document, KnowledgeBase
from tests.assistants.chat_helpers import make_assistant, make_provider
from tests.factories import World
from tests.fakes.fake_llm import FakeLLM

KB = "/api/v1/knowledge-bases/"


def _key(world: World, *scopes: str) -> tuple[str, ApiKeyActor]:
    with transaction.atomic():
        created = api_key_create(actor=None, department=world.department, name="Cổng", scopes=list(scopes))
    return created.raw_key, ApiKeyActor(created.api_key)


def _bearer(raw_key: str, language: str = "en") -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw_key}", HTTP_ACCEPT_LANGUAGE=language)
    return client


def _refused_for_scope(response: Any, scope: str) -> None:
    assert response.status_code == 403, response.content[:300]
    error = response.json()["error"]
    assert error["code"] == "permission_denied"
    assert f"“{scope}”" in error["message"]
    assert error["details"] == {"required_scope": scope}


def _assistant(world: World, llm: FakeLLM | None = None) -> Assistant:
    provider = make_provider(world.department, llm.base_url) if llm else None
    return make_assistant(world.department, slug="tro-ly", provider=provider)


def _conversation_of(actor: ApiKeyActor, assistant: Assistant) -> Conversation:
    from assistants.conversations.services import conversation_create

    return conversation_create(actor=actor, assistant=assistant)


def _document(world: World) -> tuple[KnowledgeBase, Document]:
    from knowledge.services import document_upload, knowledge_base_create

    knowledge_base = knowledge_base_create(actor=None, department=world.department, name="Quy chế")
    [result] = document_upload(
        actor=None,
        knowledge_base=knowledge_base,
        files=[SimpleUploadedFile("quy_che.txt", "Quy chế làm việc của Sở.".encode())],
        dispatch=False,
    )
    assert result.document is not None
    return knowledge_base, result.document


def test_a_read_key_cannot_chat_over_rest_or_server_sent_events(world: World, llm: FakeLLM) -> None:
    raw, actor = _key(world, "read")
    conversation = _conversation_of(actor, _assistant(world, llm))
    messages = f"/api/v1/conversations/{conversation.pk}/messages/"
    client = _bearer(raw)
    _refused_for_scope(client.post(messages, {"content": "Giờ làm việc?"}, format="json"), "chat")
    streamed = client.post(
        messages, {"content": "Giờ làm việc?"}, format="json", HTTP_ACCEPT="text/event-stream"
    )
    assert streamed["Content-Type"].startswith("application/json")  # a refusal, not a stream
    _refused_for_scope(streamed, "chat")
    answer = Message.objects.create(conversation=conversation, role="assistant", content="Đáp")
    _refused_for_scope(client.post(f"{messages}{answer.pk}/regenerate/", format="json"), "chat")
    _refused_for_scope(client.post(f"{messages}{answer.pk}/feedback/", {"rating": "up"}), "chat")
    _refused_for_scope(client.get("/api/v1/conversations/"), "chat")
    assert llm.chat_requests == []
    assert list(conversation.messages.values_list("pk", flat=True)) == [answer.pk]


@pytest.mark.django_db(transaction=True)  # live_server's thread reads what the test committed
def test_a_read_key_cannot_use_the_openai_compatible_api(
    world: World, llm: FakeLLM, live_server: Any
) -> None:
    _assistant(world, llm)
    raw, _actor = _key(world, "read")
    client = openai.OpenAI(base_url=f"{live_server.url}/v1", api_key=raw, max_retries=0, timeout=30)
    asks = (
        lambda: client.chat.completions.create(
            model="tro-ly", messages=[{"role": "user", "content": "Chào"}]
        ),
        lambda: client.chat.completions.create(
            model="tro-ly", messages=[{"role": "user", "content": "Chào"}], stream=True
        ),
    )
    for ask in asks:
        with pytest.raises(openai.PermissionDeniedError) as refused:
            ask()
        # OpenAI's error body, which its clients read: message, type, code.
        assert refused.value.code == "permission_denied"
        assert refused.value.type == "permission_error"
        assert isinstance(refused.value.body, dict) and "“chat”" in refused.value.body["message"]
    with pytest.raises(openai.PermissionDeniedError):
        client.models.list()
    assert llm.chat_requests == []
    assert not Conversation.objects.exists()


def test_the_openai_compatible_error_body_for_a_missing_scope(world: World) -> None:
    raw, _actor = _key(world, "read", "write")
    response = _bearer(raw).post(
        "/v1/chat/completions",
        {"model": "tro-ly", "messages": [{"role": "user", "content": "Chào"}]},
        format="json",
    )
    assert response.status_code == 403
    assert response.json() == {
        "error": {
            "message": "This API key lacks the “chat” scope that this needs.",
            "type": "permission_error",
            "param": None,
            "code": "permission_denied",
        }
    }
    assert _bearer(raw).get("/v1/models").status_code == 403


def test_a_read_key_cannot_attach_a_file_to_a_conversation(world: World) -> None:
    raw, actor = _key(world, "read")
    conversation = _conversation_of(actor, _assistant(world))
    events_before = AuditEvent.objects.count()
    response = _bearer(raw).post(
        f"/api/v1/conversations/{conversation.pk}/attachments/",
        {"files": [SimpleUploadedFile("ghi_chu.txt", "Ghi chú.".encode())]},
        format="multipart",
    )
    _refused_for_scope(response, "chat")
    assert not Document.objects.exists()
    assert AuditEvent.objects.count() == events_before


def test_a_chat_key_chats_but_cannot_read_knowledge_or_download_an_original(world: World) -> None:
    knowledge_base, document = _document(world)
    assistant = _assistant(world)
    raw, _actor = _key(world, "chat")
    client = _bearer(raw)
    _refused_for_scope(client.get(KB), "read")
    _refused_for_scope(client.get(f"{KB}{knowledge_base.pk}/"), "read")
    _refused_for_scope(client.post(f"{KB}{knowledge_base.pk}/search", {"query": "quy chế"}), "read")
    _refused_for_scope(client.get(f"{KB}{knowledge_base.pk}/documents/{document.pk}/file/"), "read")
    _refused_for_scope(client.get(f"{KB}{knowledge_base.pk}/documents/{document.pk}/chunks/"), "read")
    _refused_for_scope(client.get("/api/v1/knowledge-catalog/"), "read")
    _refused_for_scope(client.get("/api/v1/assistants/"), "read")
    started = client.post("/api/v1/conversations/", {"assistant": assistant.pk}, format="json")
    assert started.status_code == 201, started.content
    answered = client.post(
        f"/api/v1/conversations/{started.json()['id']}/messages/", {"content": "Giờ làm việc?"}, format="json"
    )
    assert answered.status_code == 200, answered.content
    assert answered.json()["status"] == "completed"


@pytest.mark.django_db(transaction=True)  # live_server's thread reads what the test committed
def test_a_chat_key_uses_the_openai_compatible_api(world: World, llm: FakeLLM, live_server: Any) -> None:
    _assistant(world, llm)
    raw, _actor = _key(world, "chat")
    client = openai.OpenAI(base_url=f"{live_server.url}/v1", api_key=raw, max_retries=0, timeout=30)
    assert [model.id for model in client.models.list()] == ["tro-ly"]
    completion = client.chat.completions.create(
        model="tro-ly", messages=[{"role": "user", "content": "Giờ làm việc?"}]
    )
    assert completion.choices[0].message.content


def test_a_write_only_key_cannot_read_and_a_builder_integration_takes_read_and_write(world: World) -> None:
    knowledge_base, _unused = _document(world)
    raw, _actor = _key(world, "write")
    client = _bearer(raw)
    _refused_for_scope(client.get(KB), "read")
    _refused_for_scope(client.get(f"{KB}{knowledge_base.pk}/documents/"), "read")
    _refused_for_scope(client.get("/api/v1/assistants/"), "read")
    created = client.post(KB, {"name": "Hỏi đáp", "department": world.department.pk}, format="json")
    assert created.status_code == 201, created.content  # it builds, as a builder of its department
    _refused_for_scope(client.get(f"{KB}{created.json()['id']}/"), "read")
    raw_both, _actor = _key(world, "read", "write")
    both = _bearer(raw_both)
    assert both.get(f"{KB}{created.json()['id']}/").status_code == 200
    assert (
        both.patch(f"{KB}{created.json()['id']}/", {"description": "Mới"}, format="json").status_code == 200
    )


def test_a_read_key_cannot_build(world: World) -> None:
    raw, _actor = _key(world, "read", "chat")
    response = _bearer(raw).post(KB, {"name": "Hỏi đáp", "department": world.department.pk}, format="json")
    _refused_for_scope(response, "write")
    assert not KnowledgeBase.objects.filter(name="Hỏi đáp").exists()


def test_the_refusal_is_in_vietnamese_by_default(world: World) -> None:
    raw, _actor = _key(world, "chat")
    error = _bearer(raw, language="vi").get(KB).json()["error"]
    assert error["message"] == "Khóa API này thiếu phạm vi “read” cần cho thao tác này."
    error = (
        _bearer(raw, language="vi").get(f"/api/v1/departments/{world.department.pk}/members/").json()["error"]
    )
    assert (
        error["message"] == "Không dùng khóa API được cho thao tác này: hãy đăng nhập bằng tài khoản cá nhân."
    )


def test_no_scope_opens_the_people_admin_or_audit_routes(world: World) -> None:
    raw, _actor = _key(world, "read", "chat", "write")
    client = _bearer(raw)
    department = f"/api/v1/departments/{world.department.pk}/"
    for url in (
        "/api/v1/me/",
        f"{department}members/",
        f"{department}api-keys/",
        f"{department}policy/",
        f"/api/v1/organizations/{world.organization.pk}/policy/",
        f"/api/v1/audit-events/?department={world.department.pk}",
        "/api/v1/configuration-review/",
    ):
        response = client.get(url)
        assert response.status_code == 403, url
        assert response.json()["error"]["code"] == "permission_denied"
        assert "API keys cannot be used" in response.json()["error"]["message"]
