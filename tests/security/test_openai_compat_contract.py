"""What OpenAI's clients expect of `/v1` and got wrong before: unknown paths answered Django's HTML
404, `models.retrieve` had no route, `n` > 1 gave one choice silently, `finish_reason` was always
`stop`, `max_tokens` and `temperature` were accepted and ignored; and the `Bearer` scheme was
matched case-sensitively (RFC 7235 says it is not)."""

from __future__ import annotations

import json
from typing import Any

import openai
import pytest
from django.db import transaction
from django.test import Client

from assistants.models import Message
from bureau.tenancy.services import api_key_create
from tests.assistants.chat_helpers import make_assistant, make_provider
from tests.factories import World
from tests.fakes.fake_llm import FakeLLM
from tests.fakes.replies import Reply

pytestmark = pytest.mark.django_db

QUESTION = [{"role": "user", "content": "Giờ làm việc của Sở Tư pháp là mấy giờ?"}]


@pytest.fixture
def key(world: World, llm: FakeLLM) -> str:
    make_assistant(world.department, slug="tro-ly", provider=make_provider(world.department, llm.base_url))
    with transaction.atomic():
        return api_key_create(actor=None, department=world.department, name="Cổng", scopes=["chat"]).raw_key


def _client(live_server: Any, key: str) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{live_server.url}/v1", api_key=key, max_retries=0, timeout=30)


def _create(client: openai.OpenAI, *, stream: bool, **extra: Any) -> tuple[str, str | None]:
    """The answer's text and its finish reason, streamed or not."""
    create: Any = client.chat.completions.create  # with **extra, no overload of the client's applies
    if not stream:
        completion = create(model="tro-ly", messages=QUESTION, **extra)
        choice = completion.choices[0]
        return choice.message.content or "", choice.finish_reason
    chunks = list(create(model="tro-ly", messages=QUESTION, stream=True, **extra))
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    reasons = [c.choices[0].finish_reason for c in chunks if c.choices and c.choices[0].finish_reason]
    assert len(reasons) == 1, reasons
    return text, reasons[0]


# --- paths -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [("post", "/v1/responses"), ("post", "/v1/embeddings"), ("get", "/v1/files"), ("get", "/v1/")],
)
def test_unknown_v1_paths_answer_openais_json_404(key: str, method: str, path: str) -> None:
    response = getattr(Client(HTTP_AUTHORIZATION=f"Bearer {key}"), method)(path)
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    error = response.json()["error"]
    assert error["type"] == "invalid_request_error" and path in error["message"]


def test_an_unknown_path_is_a_not_found_error_in_the_client(key: str, live_server: Any) -> None:
    with pytest.raises(openai.NotFoundError) as raised:
        _client(live_server, key).embeddings.create(model="tro-ly", input="xin chào")
    assert isinstance(raised.value.body, dict) and raised.value.body["type"] == "invalid_request_error"


def test_models_retrieve_gives_a_model_the_key_may_use(world: World, key: str, live_server: Any) -> None:
    make_assistant(world.other_department, slug="noi-vu")
    client = _client(live_server, key)
    model = client.models.retrieve("tro-ly")
    assert model.id == "tro-ly" and model.object == "model" and model.owned_by == world.department.name
    for unknown in ("noi-vu", "khong-co"):  # another department's, and none
        with pytest.raises(openai.NotFoundError) as raised:
            client.models.retrieve(unknown)
        assert isinstance(raised.value.body, dict) and raised.value.body["code"] == "model_not_found"
    with pytest.raises(openai.AuthenticationError):
        _client(live_server, "bk_sai_khoa").models.retrieve("tro-ly")


# --- n, finish_reason, max_tokens, temperature -------------------------------------------------------


@pytest.mark.parametrize("stream", [False, True], ids=["json", "sse"])
def test_n_above_one_is_refused(key: str, live_server: Any, llm: FakeLLM, stream: bool) -> None:
    client = _client(live_server, key)
    with pytest.raises(openai.BadRequestError) as raised:
        _create(client, stream=stream, n=2)
    assert isinstance(raised.value.body, dict) and raised.value.body["param"] == "n"
    assert not llm.chat_requests and not Message.objects.exists()
    assert _create(client, stream=stream, n=1)[1] == "stop"


@pytest.mark.parametrize("stream", [False, True], ids=["json", "sse"])
def test_max_tokens_caps_the_answer_and_its_finish_reason_says_length(
    key: str, live_server: Any, llm: FakeLLM, stream: bool
) -> None:
    client = _client(live_server, key)
    text, reason = _create(client, stream=stream, max_tokens=3)
    assert reason == "length" and len(text.split()) == 3
    assert llm.chat_requests[-1].body["max_tokens"] == 3
    # A request may lower the assistant's limit (1024 here), never raise it.
    _text, reason = _create(client, stream=stream, max_tokens=100_000)
    assert reason == "stop" and llm.chat_requests[-1].body["max_tokens"] == 1024
    _create(client, stream=stream, max_completion_tokens=5)  # the newer name of the same limit
    assert llm.chat_requests[-1].body["max_tokens"] == 5


@pytest.mark.parametrize("stream", [False, True], ids=["json", "sse"])
def test_the_providers_content_filter_reason_is_passed_through(
    key: str, live_server: Any, llm: FakeLLM, stream: bool
) -> None:
    llm.script(Reply(text="Nội dung bị", finish_reason="content_filter"))
    assert _create(_client(live_server, key), stream=stream)[1] == "content_filter"


@pytest.mark.parametrize("stream", [False, True], ids=["json", "sse"])
def test_temperature_overrides_the_assistants(key: str, live_server: Any, llm: FakeLLM, stream: bool) -> None:
    client = _client(live_server, key)
    _create(client, stream=stream, temperature=1.5)
    assert llm.chat_requests[-1].body["temperature"] == 1.5
    _create(client, stream=stream)
    assert llm.chat_requests[-1].body["temperature"] == 0.2  # the version's own


@pytest.mark.parametrize(
    ("extra", "param"),
    [
        ({"temperature": 2.5}, "temperature"),
        ({"temperature": -0.1}, "temperature"),
        ({"temperature": "nóng"}, "temperature"),
        ({"max_tokens": 0}, "max_tokens"),
        ({"max_tokens": 1.5}, "max_tokens"),
        ({"max_completion_tokens": -3}, "max_completion_tokens"),
        ({"n": 0}, "n"),
    ],
)
def test_out_of_range_parameters_are_a_400_naming_them(
    key: str, llm: FakeLLM, extra: dict[str, Any], param: str
) -> None:
    body = {"model": "tro-ly", "messages": QUESTION, **extra}
    response = Client(HTTP_AUTHORIZATION=f"Bearer {key}").post(
        "/v1/chat/completions", json.dumps(body), content_type="application/json"
    )
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["type"] == "invalid_request_error" and error["param"] == param
    assert not llm.chat_requests and not Message.objects.exists()


# --- the Bearer scheme ------------------------------------------------------------------------------


@pytest.mark.parametrize("scheme", ["bearer", "BEARER", "bEaReR"])
def test_the_bearer_scheme_is_case_insensitive(world: World, llm: FakeLLM, scheme: str) -> None:
    make_assistant(world.department, slug="tro-ly", provider=make_provider(world.department, llm.base_url))
    with transaction.atomic():
        key = api_key_create(
            actor=None, department=world.department, name="Mọi quyền", scopes=["read", "write", "chat"]
        ).raw_key
    client = Client(HTTP_AUTHORIZATION=f"{scheme} {key}")
    assert client.get("/v1/models").status_code == 200
    assert client.get("/api/v1/assistants/").status_code == 200  # DRF
    conversation = client.post(
        "/api/v1/conversations/",
        {"assistant": make_assistant(world.department, slug="khac").pk},
        content_type="application/json",
    )
    assert conversation.status_code == 201, conversation.content
    turn = client.post(
        f"/api/v1/conversations/{conversation.json()['id']}/messages/",
        {"content": "Xin chào"},
        content_type="application/json",
    )
    assert turn.status_code == 200, turn.content  # the async chat view
