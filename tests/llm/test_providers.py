"""Model providers: the API, the key kept secret, the connection test and the chat target, against
the fake OpenAI-compatible server through the real `openai` client."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import override_settings
from rest_framework.test import APIClient

from bureau.audit.models import AuditEvent
from bureau.llm.client import async_client, chat_target_for, clear_client_cache, sync_client
from bureau.llm.models import ModelProvider
from bureau.llm.services import model_provider_create, model_provider_update
from bureau.security.crypto import decrypt_secret
from tests.factories import World, api_client
from tests.fakes.fake_llm import FakeLLM

KEY = "sk-bi-mat-cua-so-tu-phap"
P = "/api/v1/model-providers/"


# Not the shared fixture: the model expects this module's own secret, which the tests look for in output.
@pytest.fixture
def llm() -> Iterator[FakeLLM]:
    with FakeLLM(api_key=KEY) as fake:
        yield fake


@pytest.fixture(autouse=True)
def _fresh_clients() -> Iterator[None]:
    clear_client_cache()
    yield
    clear_client_cache()


def _client(world: World, role: str = "org_admin") -> APIClient:
    """The organization's admin by default, in English: the tests read the messages' wording."""
    return api_client(world, role, language="en")


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _create(world: World, llm: FakeLLM, **extra: object) -> dict[str, Any]:
    body = {
        "name": "vLLM nội bộ",
        "base_url": llm.base_url,
        "api_key": KEY,
        "chat_models": ["fake-chat"],
        "embedding_models": ["fake-embed"],
        "on_premises": True,
        "allowed_classifications": ["internal", "public"],
        **extra,
    }
    response = _client(world).post(P, body, format="json")
    assert response.status_code == 201, response.content
    return dict(response.json())


def _everything_said_about(provider_id: int) -> str:
    events = AuditEvent.objects.filter(target_type="modelprovider", target_id=str(provider_id))
    return json.dumps([[e.before, e.after] for e in events], ensure_ascii=False)


@pytest.mark.django_db
def test_the_key_is_encrypted_at_rest_and_never_returned_or_audited(world: World, llm: FakeLLM) -> None:
    created = _create(world, llm)
    provider = ModelProvider.objects.get(pk=created["id"])
    assert provider.api_key_encrypted != KEY
    assert KEY not in provider.api_key_encrypted
    assert decrypt_secret(provider.api_key_encrypted) == KEY
    assert created["has_api_key"] is True
    assert "api_key" not in created and "api_key_encrypted" not in created
    assert created["allowed_classifications"] == ["public", "internal"]
    assert created["is_default"] is True  # the organization's first provider

    client = _client(world)
    responses = [
        client.get(P),
        client.get(f"{P}{provider.pk}/"),
        client.patch(f"{P}{provider.pk}/", {"api_key": "sk-moi-hon"}, format="json"),
        client.post(f"{P}{provider.pk}/test"),
    ]
    for response in responses:
        assert response.status_code == 200
        assert KEY not in response.content.decode() and "sk-moi-hon" not in response.content.decode()
    provider.refresh_from_db()
    assert decrypt_secret(provider.api_key_encrypted) == "sk-moi-hon"

    said = _everything_said_about(provider.pk)
    assert KEY not in said and "sk-moi-hon" not in said
    update = AuditEvent.objects.filter(action="model_provider.update").latest("id")
    assert update.after == {"api_key": "changed"}
    assert AuditEvent.objects.filter(action="model_provider.create", target_id=str(provider.pk)).exists()


@pytest.mark.django_db
def test_a_patch_without_the_key_keeps_it(world: World, llm: FakeLLM) -> None:
    created = _create(world, llm)
    response = _client(world).patch(f"{P}{created['id']}/", {"name": "Ollama"}, format="json")
    assert response.json()["has_api_key"] is True
    provider = ModelProvider.objects.get(pk=created["id"])
    assert decrypt_secret(provider.api_key_encrypted) == KEY
    event = AuditEvent.objects.filter(action="model_provider.update").latest("id")
    assert event.before == {"name": "vLLM nội bộ"} and event.after == {"name": "Ollama"}


@pytest.mark.django_db
def test_test_connection_lists_the_models(world: World, llm: FakeLLM) -> None:
    created = _create(world, llm)
    response = _client(world).post(f"{P}{created['id']}/test")
    assert response.status_code == 200
    assert response.json() == {"ok": True, "models": ["fake-chat", "fake-embed"], "error": ""}
    assert llm.requests[-1].path == "/v1/models"
    assert llm.requests[-1].api_key == KEY
    event = AuditEvent.objects.latest("id")
    assert event.action == "model_provider.test"
    assert event.after is not None and event.after["ok"] is True


@pytest.mark.django_db
def test_a_wrong_key_fails_the_test_with_the_reason(world: World, llm: FakeLLM) -> None:
    created = _create(world, llm, api_key="sk-sai")
    response = _client(world).post(f"{P}{created['id']}/test")
    assert response.status_code == 200
    assert response.json() == {"ok": False, "models": [], "error": "The provider rejected the API key."}
    vietnamese = APIClient(HTTP_ACCEPT_LANGUAGE="vi")
    vietnamese.force_authenticate(world.user("org_admin"))
    error = vietnamese.post(f"{P}{created['id']}/test").json()["error"]
    assert error == "Nhà cung cấp từ chối khóa API."


@pytest.mark.django_db
def test_an_unreachable_endpoint_fails_the_test_with_the_reason(world: World, llm: FakeLLM) -> None:
    url = f"http://127.0.0.1:{_closed_port()}/v1"
    created = _create(world, llm, base_url=url)
    body = _client(world).post(f"{P}{created['id']}/test").json()
    assert body == {"ok": False, "models": [], "error": f"Cannot reach {url}."}


@pytest.mark.django_db
def test_a_server_error_fails_the_test_with_the_status(world: World, llm: FakeLLM) -> None:
    created = _create(world, llm)
    llm.fail_next(503, message="đang bảo trì")
    body = _client(world).post(f"{P}{created['id']}/test").json()
    assert body["ok"] is False
    assert body["error"] == "The provider answered HTTP 503: đang bảo trì"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("base_url", "ftp://llm.example.vn/v1"),
        ("base_url", "llm.example.vn"),
        ("base_url", "https://admin:sk-1@llm.example.vn/v1"),
        ("allowed_classifications", ["public", "top-secret"]),
    ],
)
def test_invalid_settings_are_refused(world: World, field: str, value: object) -> None:
    body = {"name": "X", "base_url": "https://llm.example.vn/v1", field: value}
    response = _client(world).post(P, body, format="json")
    assert response.status_code == 400
    assert field in response.json()["error"]["details"]
    assert not ModelProvider.objects.exists()


@pytest.mark.django_db
def test_one_default_per_organization(world: World, llm: FakeLLM) -> None:
    first = _create(world, llm)
    second = _create(world, llm, name="Azure OpenAI", is_default=True)
    third = _create(world, llm, name="LM Studio")
    defaults = ModelProvider.objects.filter(organization=world.organization, is_default=True)
    assert list(defaults.values_list("pk", flat=True)) == [second["id"]]
    assert third["is_default"] is False
    assert ModelProvider.objects.get(pk=first["id"]).is_default is False
    response = _client(world).post(P, {"name": "Azure OpenAI", "base_url": llm.base_url}, format="json")
    assert response.status_code == 409


@pytest.mark.django_db
def test_readers_and_outsiders(world: World, llm: FakeLLM) -> None:
    mine = _create(world, llm)
    theirs = model_provider_create(
        actor=None, organization=world.other_organization, name="Khác", base_url="https://x.vn/v1"
    )
    builder = _client(world, "builder")
    listed = builder.get(P).json()["results"]
    assert [p["id"] for p in listed] == [mine["id"]]
    assert builder.get(f"{P}{theirs.pk}/").status_code == 404
    assert _client(world).patch(f"{P}{theirs.pk}/", {"name": "Y"}, format="json").status_code == 404
    assert (
        _client(world, "auditor").patch(f"{P}{mine['id']}/", {"name": "Y"}, format="json").status_code == 403
    )
    assert _client(world, "auditor").post(f"{P}{mine['id']}/test").status_code == 403
    response = _client(world).post(
        P,
        {"organization": world.other_organization.pk, "name": "Z", "base_url": "https://z.vn"},
        format="json",
    )
    assert response.status_code == 404


@pytest.mark.django_db
def test_the_named_provider_then_the_default(world: World, llm: FakeLLM) -> None:
    default = model_provider_create(
        actor=None, organization=world.organization, name="A", base_url=llm.base_url, chat_models=["m-a"]
    )
    named = model_provider_create(
        actor=None,
        organization=world.organization,
        name="B",
        base_url=llm.base_url,
        default_chat_model="m-b",
    )
    target = chat_target_for(organization_id=world.organization.pk, provider_id=named.pk, model_name="")
    assert target is not None and target.provider == named and target.model == "m-b"
    target = chat_target_for(organization_id=world.organization.pk, provider_id=None, model_name="m-x")
    assert target is not None and target.provider == default and target.model == "m-x"
    # Another organization's provider is never used.
    theirs = model_provider_create(
        actor=None, organization=world.other_organization, name="C", base_url=llm.base_url, chat_models=["c"]
    )
    target = chat_target_for(organization_id=world.organization.pk, provider_id=theirs.pk, model_name="")
    assert target is not None and target.provider == default
    assert KEY not in repr(target)


@pytest.mark.django_db
@override_settings(OPENAI_BASE_URL="", OPENAI_API_KEY="")
def test_no_provider_means_extractive_mode(world: World) -> None:
    assert chat_target_for(organization_id=world.organization.pk, provider_id=None, model_name="") is None
    assert not ModelProvider.objects.exists()


@pytest.mark.django_db
def test_the_default_provider_from_the_settings(world: World, llm: FakeLLM) -> None:
    with override_settings(OPENAI_BASE_URL=llm.base_url, OPENAI_API_KEY=KEY, OPENAI_CHAT_MODEL=""):
        target = chat_target_for(organization_id=world.organization.pk, provider_id=None, model_name="")
        again = chat_target_for(organization_id=world.organization.pk, provider_id=None, model_name="")
    assert target is not None and again is not None
    provider = ModelProvider.objects.get(organization=world.organization)
    assert provider.name == "Mặc định" and provider.is_default
    # Cleared by default for public and internal knowledge, and taken as outside the organization.
    assert provider.allowed_classifications == ["public", "internal"] and not provider.on_premises
    assert target.provider == provider and again.provider == provider
    assert target.model == "fake-chat"  # discovered from GET /models, the embedding model left out
    assert decrypt_secret(provider.api_key_encrypted) == KEY
    event = AuditEvent.objects.get(action="model_provider.create", target_id=str(provider.pk))
    assert event.actor_label == "system" and KEY not in json.dumps(event.after)

    answer = sync_client(target).chat.completions.create(
        model=target.model, messages=[{"role": "user", "content": "Xin chào"}]
    )
    assert answer.choices[0].message.content == "Trả lời: Xin chào"
    assert llm.requests[-1].api_key == KEY


@pytest.mark.django_db
def test_async_clients_are_reused_until_the_provider_changes(world: World, llm: FakeLLM) -> None:
    provider = model_provider_create(
        actor=None,
        organization=world.organization,
        name="A",
        base_url=llm.base_url,
        api_key=KEY,
        chat_models=["fake-chat"],
    )
    target = chat_target_for(organization_id=world.organization.pk, provider_id=provider.pk, model_name="")
    assert target is not None

    async def ask() -> tuple[bool, str]:
        first, second = async_client(target), async_client(target)
        answer = await first.chat.completions.create(
            model=target.model, messages=[{"role": "user", "content": "Chào"}]
        )
        return first is second, str(answer.choices[0].message.content)

    same, text = asyncio.run(ask())
    assert same and text == "Trả lời: Chào"
    model_provider_update(actor=None, provider=provider, api_key="sk-khac")
    changed = chat_target_for(organization_id=world.organization.pk, provider_id=provider.pk, model_name="")
    assert changed is not None and changed.cache_key != target.cache_key
    assert sync_client(changed) is not sync_client(target)
    assert sync_client(changed).api_key == "sk-khac"


@pytest.mark.django_db
def test_a_key_echoed_by_the_provider_is_not_repeated(world: World, llm: FakeLLM) -> None:
    created = _create(world, llm)
    llm.fail_next(400, message=f"key {KEY} is not allowed for this model")
    body = _client(world).post(f"{P}{created['id']}/test").json()
    assert body["ok"] is False and KEY not in body["error"] and "***" in body["error"]
    assert KEY not in _everything_said_about(int(created["id"]))


@pytest.mark.django_db
def test_the_provider_list_shows_the_default_provider_from_the_start(
    world: World, llm: FakeLLM, api: Any
) -> None:
    api.force_authenticate(world.user("org_admin"))
    with override_settings(OPENAI_BASE_URL=llm.base_url, OPENAI_API_KEY=KEY, OPENAI_CHAT_MODEL="fake-chat"):
        first = api.get("/api/v1/model-providers/").json()
        again = api.get("/api/v1/model-providers/").json()
    assert [p["name"] for p in first["results"]] == ["Mặc định"]
    assert again["results"] == first["results"]
    assert ModelProvider.objects.filter(organization=world.organization).count() == 1
