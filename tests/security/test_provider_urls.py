"""A model provider's base URL never points at a link-local or cloud metadata address: from there the
chat's answers and the connection test's error messages would read the server's cloud credentials.
Private and loopback addresses stay allowed: providers on premises live there. Refused when saved
(a field error) and again when used (the name resolved then: DNS may have changed since)."""

from __future__ import annotations

import json
import socket
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from rest_framework.test import APIClient

from assistants.models import Message
from bureau.llm.models import ModelProvider
from tests.assistants.chat_helpers import make_assistant, make_provider
from tests.factories import World, build_world
from tests.fakes.fake_llm import FakeLLM

P = "/api/v1/model-providers/"

REFUSED = [
    "http://169.254.169.254/latest/meta-data",
    "http://169.254.169.254:80/v1",
    "http://169.254.170.2/v1",  # AWS ECS task metadata
    "http://169.254.10.20:8000/v1",  # any link-local address
    "http://[fe80::1]:8000/v1",
    "http://[fd00:ec2::254]/v1",  # AWS metadata over IPv6
    "http://[::ffff:169.254.169.254]/v1",  # the same, mapped into IPv6
    "http://100.100.100.200/v1",  # Alibaba Cloud metadata
    "http://metadata.google.internal/computeMetadata/v1",
    "http://METADATA.GOOGLE.INTERNAL./v1",
    "http://metadata/v1",
]
ALLOWED = [
    "http://10.0.0.5:8000/v1",  # vLLM on premises
    "http://192.168.1.20:11434/v1",  # Ollama on the LAN
    "http://127.0.0.1:1234/v1",  # LM Studio on the same machine
    "https://api.openai.com/v1",
]


def fake_dns(monkeypatch: pytest.MonkeyPatch, names: dict[str, Callable[[], list[str]]]) -> None:
    """getaddrinfo answering `names` (each lookup calls its function); IP literals as they are."""
    real = socket.getaddrinfo

    def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else str(host)
        if name in names:
            family = socket.AF_INET
            return [(family, socket.SOCK_STREAM, 6, "", (a, int(port or 0))) for a in names[name]()]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


def _admin(world: World) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(world.user("org_admin"))
    return client


def _create(world: World, base_url: str) -> Any:
    return _admin(world).post(P, {"name": "Nhà cung cấp", "base_url": base_url}, format="json")


@pytest.mark.django_db
@pytest.mark.parametrize("base_url", REFUSED)
def test_link_local_and_metadata_addresses_are_refused_when_saved(world: World, base_url: str) -> None:
    response = _create(world, base_url)
    assert response.status_code == 400, response.content
    assert "base_url" in response.json()["error"]["details"]
    assert not ModelProvider.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("base_url", ALLOWED)
def test_private_and_loopback_addresses_are_allowed(world: World, base_url: str) -> None:
    assert _create(world, base_url).status_code == 201


@pytest.mark.django_db
def test_an_update_to_the_metadata_address_is_refused(world: World) -> None:
    created = _create(world, "http://10.0.0.5:8000/v1").json()
    response = _admin(world).patch(
        f"{P}{created['id']}/", {"base_url": "http://169.254.169.254/v1"}, format="json"
    )
    assert response.status_code == 400 and "base_url" in response.json()["error"]["details"]
    assert ModelProvider.objects.get().base_url == "http://10.0.0.5:8000/v1"


@pytest.mark.django_db
def test_a_name_resolving_to_link_local_is_refused_when_saved(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_dns(monkeypatch, {"llm.so-tu-phap.vn": lambda: ["169.254.169.254"]})
    response = _create(world, "http://llm.so-tu-phap.vn/v1")
    assert response.status_code == 400 and "base_url" in response.json()["error"]["details"]


@pytest.mark.django_db
def test_the_connection_test_refuses_a_name_that_now_resolves_to_link_local(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    answers = iter([["10.0.0.5"]])
    fake_dns(monkeypatch, {"llm.so-tu-phap.vn": lambda: next(answers, ["169.254.169.254"])})
    created = _create(world, "http://llm.so-tu-phap.vn/v1").json()
    body = _admin(world).post(f"{P}{created['id']}/test").json()
    assert body["ok"] is False and "169.254.169.254" in body["error"]


@pytest.fixture
def world_db(transactional_db: None) -> World:
    return build_world()


def llm_key() -> str:
    from bureau.security.crypto import encrypt_secret
    from tests.assistants.chat_helpers import FAKE_KEY

    return encrypt_secret(FAKE_KEY)


def _ask(world: World, assistant_id: int) -> Any:
    client = Client()
    client.force_login(world.user("member"))
    started = client.post(
        "/api/v1/conversations/", {"assistant": assistant_id}, content_type="application/json"
    )
    assert started.status_code == 201, started.content
    return client.post(
        f"/api/v1/conversations/{started.json()['id']}/messages/",
        json.dumps({"content": "Giờ làm việc?"}),
        content_type="application/json",
    )


def test_a_chat_turn_refuses_a_provider_that_now_resolves_to_link_local(
    world_db: World, llm: FakeLLM, monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    world = world_db
    settings.LLM_TIMEOUT_SECONDS = 5  # were it asked, the metadata address would not answer
    port = llm.base_url.split(":")[2].split("/")[0]
    answers = iter([["127.0.0.1"]])  # when saved
    fake_dns(monkeypatch, {"llm.so-tu-phap.vn": lambda: next(answers, ["169.254.169.254"])})
    created = _create(world, f"http://llm.so-tu-phap.vn:{port}/v1")
    assert created.status_code == 201, created.content
    provider = ModelProvider.objects.get(pk=created.json()["id"])
    ModelProvider.objects.filter(pk=provider.pk).update(
        chat_models=["fake-chat"], default_chat_model="fake-chat", api_key_encrypted=llm_key()
    )
    assistant = make_assistant(world.department, provider=ModelProvider.objects.get(pk=provider.pk))
    response = _ask(world, assistant.pk)
    assert response.status_code == 502, response.content
    assert response.json()["error"]["code"] == "provider_refused"
    assert not llm.chat_requests and not Message.objects.exists()


def test_a_stored_provider_at_the_metadata_address_is_refused_when_used(
    world_db: World, llm: FakeLLM, settings: Any
) -> None:
    """A row saved before the check existed, or written around the service."""
    world = world_db
    settings.LLM_TIMEOUT_SECONDS = 5
    provider = make_provider(world.department, llm.base_url)
    ModelProvider.objects.filter(pk=provider.pk).update(base_url="http://169.254.169.254/v1")
    assistant = make_assistant(world.department, provider=ModelProvider.objects.get(pk=provider.pk))
    response = _ask(world, assistant.pk)
    assert response.status_code == 502 and response.json()["error"]["code"] == "provider_refused"
    assert not Message.objects.exists()
