"""The classification policy: a model provider receives text of a knowledge base only when it is
cleared for the knowledge base's classification. Publishing refuses what would break the rule, and
every chat turn checks again, through the real `openai` client against the fake server, whose
recorded requests show what left the platform."""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from django.utils import translation

from assistants.models import Message, ToolCall
from assistants.review import clearance
from bureau.governance.selectors import policy_of
from bureau.governance.services import policy_update
from bureau.llm.models import ModelProvider
from bureau.llm.services import model_provider_update
from knowledge import services as knowledge_services
from knowledge.models import Chunk, KnowledgeBase
from tests.assistants.chat_helpers import make_assistant, make_provider
from tests.factories import World, signed_in
from tests.fakes.fake_llm import FakeLLM
from tests.knowledge.pipeline_helpers import DATA, upload_and_index, use_hash_embedder

pytestmark = pytest.mark.django_db

SECRETS_LAW = DATA / "laws_txt" / "Luat-Bao-ve-bi-mat-nha-nuoc-2018-337064.txt"
TEMPLATES = DATA / "nd30_2020" / "Phuluc4.md"
QUESTION = "Bí mật nhà nước được phân loại thành mấy độ mật, độ Tuyệt mật là gì?"
# Words of the law's article 8 (the passage that answers QUESTION), absent from the question.
ARTICLE_8 = "nguy hại đặc biệt nghiêm trọng"


def _kb(world: World, name: str, classification: str, source: Any) -> KnowledgeBase:
    with transaction.atomic():
        kb = knowledge_services.knowledge_base_create(
            actor=None, department=world.department, name=name, classification=classification
        )
    upload_and_index(kb, source.name, source.read_bytes())
    return kb


@pytest.fixture
def confidential(world: World, monkeypatch: pytest.MonkeyPatch) -> KnowledgeBase:
    use_hash_embedder(monkeypatch)
    return _kb(world, "Hồ sơ bảo vệ bí mật", "confidential", SECRETS_LAW)


@pytest.fixture
def internal(world: World, monkeypatch: pytest.MonkeyPatch) -> KnowledgeBase:
    use_hash_embedder(monkeypatch)
    return _kb(world, "Mẫu quản lý văn bản", "internal", TEMPLATES)


def _clear(provider: ModelProvider, *classifications: str) -> None:
    with transaction.atomic():
        model_provider_update(actor=None, provider=provider, allowed_classifications=list(classifications))


def _client(world: World, role: str = "member") -> Client:
    """In English: the tests read the refusals' wording."""
    return signed_in(world, role, language="en")


def _ask(client: Client, assistant_id: int, content: str = QUESTION) -> dict[str, Any]:
    started = client.post(
        "/api/v1/conversations/", {"assistant": assistant_id}, content_type="application/json"
    )
    assert started.status_code == 201, started.content
    response = client.post(
        f"/api/v1/conversations/{started.json()['id']}/messages/",
        {"content": content},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    return dict(response.json())


def _sent(llm: FakeLLM) -> str:
    """Everything the platform sent to the model, as one text."""
    return json.dumps([r.body for r in llm.chat_requests], ensure_ascii=False)


def _texts_of(kb: KnowledgeBase) -> list[str]:
    """A distinctive piece of every chunk of the knowledge base."""
    return [text[10:90] for text in Chunk.objects.filter(knowledge_base=kb).values_list("text", flat=True)]


# --- publishing -----------------------------------------------------------------------------------


def _builder_api(world: World) -> Client:
    return _client(world, "builder")


def _draft_with(client: Client, world: World, provider: ModelProvider, kb: KnowledgeBase) -> int:
    created = client.post("/api/v1/assistants/", {"name": "Trợ lý mật"}, content_type="application/json")
    assert created.status_code == 201, created.content
    assistant_id = int(created.json()["id"])
    response = client.patch(
        f"/api/v1/assistants/{assistant_id}/draft/",
        {"model_provider": provider.pk, "knowledge_base_ids": [kb.pk]},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    return assistant_id


def test_publishing_to_a_provider_not_cleared_for_a_knowledge_base_is_refused(
    world: World, llm: FakeLLM, confidential: KnowledgeBase
) -> None:
    provider = make_provider(world.department, llm.base_url)
    _clear(provider, "public", "internal")
    client = _builder_api(world)
    assistant_id = _draft_with(client, world, provider, confidential)

    draft = client.get(f"/api/v1/assistants/{assistant_id}/draft/").json()
    assert len(draft["warnings"]) == 1 and "Hồ sơ bảo vệ bí mật" in draft["warnings"][0]

    response = client.post(f"/api/v1/assistants/{assistant_id}/publish/", {}, content_type="application/json")
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert "Hồ sơ bảo vệ bí mật" in error["message"] and "Confidential" in error["message"]
    assert error["details"]["knowledge_base_ids"] == draft["warnings"]
    assert client.get(f"/api/v1/assistants/{assistant_id}/versions/").json()["count"] == 0
    # Under the review policy, the same draft cannot even be submitted.
    with transaction.atomic():
        policy_update(actor=None, policy=policy_of(world.organization), require_publish_review=True)
    submitted = client.post(
        f"/api/v1/assistants/{assistant_id}/reviews/", {}, content_type="application/json"
    )
    assert submitted.status_code == 400
    assert submitted.json()["error"]["details"]["knowledge_base_ids"] == draft["warnings"]
    with transaction.atomic():
        policy_update(actor=None, policy=policy_of(world.organization), require_publish_review=False)

    # Cleared for it, the same draft publishes, and the warning is gone.
    _clear(provider, "public", "internal", "confidential")
    assert client.get(f"/api/v1/assistants/{assistant_id}/draft/").json()["warnings"] == []
    response = client.post(f"/api/v1/assistants/{assistant_id}/publish/", {}, content_type="application/json")
    assert response.status_code == 201, response.content


def test_the_refusal_reads_in_vietnamese_by_default(
    world: World, llm: FakeLLM, confidential: KnowledgeBase
) -> None:
    provider = make_provider(world.department, llm.base_url)
    _clear(provider, "public")
    client = Client()
    client.force_login(world.user("builder"))
    assistant_id = _draft_with(client, world, provider, confidential)
    response = client.post(f"/api/v1/assistants/{assistant_id}/publish/", {}, content_type="application/json")
    assert response.status_code == 400
    message = response.json()["error"]["message"]
    assert "Hồ sơ bảo vệ bí mật" in message and "Mật" in message and "may not" not in message


def test_approving_a_review_is_refused_once_the_provider_lost_its_clearance(
    world: World, llm: FakeLLM, confidential: KnowledgeBase
) -> None:
    provider = make_provider(world.department, llm.base_url)
    with transaction.atomic():
        policy_update(actor=None, policy=policy_of(world.organization), require_publish_review=True)
    builder = _builder_api(world)
    assistant_id = _draft_with(builder, world, provider, confidential)
    submitted = builder.post(
        f"/api/v1/assistants/{assistant_id}/reviews/", {"changelog": "v1"}, content_type="application/json"
    )
    assert submitted.status_code == 201, submitted.content
    review = submitted.json()
    assert review["warnings"] == []

    _clear(provider, "public", "internal")
    auditor = _client(world, "auditor")
    detail = auditor.get(f"/api/v1/reviews/{review['id']}/").json()
    assert "Hồ sơ bảo vệ bí mật" in detail["warnings"][0]
    response = auditor.post(f"/api/v1/reviews/{review['id']}/approve/", {}, content_type="application/json")
    assert response.status_code == 400 and "Hồ sơ bảo vệ bí mật" in response.json()["error"]["message"]
    assert auditor.get(f"/api/v1/reviews/{review['id']}/").json()["state"] == "pending"
    assert auditor.get(f"/api/v1/assistants/{assistant_id}/versions/").json()["count"] == 0


# --- chat -----------------------------------------------------------------------------------------


def test_a_turn_sends_no_text_of_a_knowledge_base_the_provider_lost_clearance_for(
    world: World, llm: FakeLLM, confidential: KnowledgeBase, internal: KnowledgeBase
) -> None:
    provider = make_provider(world.department, llm.base_url)  # cleared for everything
    assistant = make_assistant(world.department, provider=provider, knowledge_bases=[confidential, internal])
    client = _client(world)

    # While cleared, the passage that answers goes to the model: the check below can fail.
    _ask(client, assistant.pk)
    assert ARTICLE_8 in _sent(llm)

    _clear(provider, "public", "internal")
    llm.reset()
    body = _ask(client, assistant.pk)
    sent = _sent(llm)
    assert llm.chat_requests, "the turn still talks to the model, without that knowledge"
    assert ARTICLE_8 not in sent
    assert not [piece for piece in _texts_of(confidential) if piece in sent]
    # The cleared knowledge base is still searched and given to the model.
    assert "untrusted_content" in llm.chat_requests[-1].body["messages"][0]["content"]
    assert all(c["knowledge_base_id"] != confidential.pk for c in body["citations"])
    # The user is told which knowledge was left out, and the stored answer says it too.
    assert body["status"] == "completed"
    assert body["content"].startswith("Note:") and "Hồ sơ bảo vệ bí mật" in body["content"]
    assert "Mẫu quản lý văn bản" not in body["content"].split("\n\n")[0]
    assert Message.objects.get(pk=body["message_id"]).content.startswith("Note:")


def test_the_knowledge_search_tool_finds_nothing_the_provider_may_not_receive(
    world: World, llm: FakeLLM, confidential: KnowledgeBase
) -> None:
    provider = make_provider(world.department, llm.base_url)
    tools = [{"kind": "knowledge_search", "name": "tra_cuu", "settings": {}}]
    assistant = make_assistant(
        world.department, provider=provider, knowledge_bases=[confidential], tools=tools
    )
    from assistants.tools import bind_tools

    function = next(iter(bind_tools(tools, None))).function_name  # type: ignore[arg-type]
    client = _client(world)

    llm.script_tool_call(function, {"query": "phân loại bí mật nhà nước độ Tuyệt mật"})
    llm.script_text("Đã tra cứu.")
    _ask(client, assistant.pk, "Tra giúp tôi quy định")
    assert ARTICLE_8 in json.dumps(llm.chat_requests[-1].body, ensure_ascii=False)

    _clear(provider, "public")
    llm.reset()
    llm.script_tool_call(function, {"query": "phân loại bí mật nhà nước độ Tuyệt mật"})
    llm.script_text("Đã tra cứu.")
    body = _ask(client, assistant.pk, "Tra giúp tôi quy định")
    sent = _sent(llm)
    assert len(llm.chat_requests) == 2 and ARTICLE_8 not in sent
    assert not [piece for piece in _texts_of(confidential) if piece in sent]
    call = ToolCall.objects.filter(message_id=body["message_id"]).get()
    assert call.status == "failed" and not body["citations"]


def test_the_extractive_mode_sends_nothing_and_keeps_every_knowledge_base(
    world: World, confidential: KnowledgeBase, settings: Any
) -> None:
    settings.OPENAI_BASE_URL = ""
    assistant = make_assistant(world.department, knowledge_bases=[confidential])
    body = _ask(_client(world), assistant.pk)
    assert body["extractive"] is True and not body["content"].startswith("Note:")
    assert body["citations"] and body["citations"][0]["knowledge_base_id"] == confidential.pk


def test_earlier_answers_quoting_withheld_knowledge_do_not_go_back_as_history(
    world: World, llm: FakeLLM, confidential: KnowledgeBase, settings: Any
) -> None:
    settings.OPENAI_BASE_URL = ""
    assistant = make_assistant(world.department, knowledge_bases=[confidential])  # the org's default provider
    client = _client(world)
    started = client.post(
        "/api/v1/conversations/", {"assistant": assistant.pk}, content_type="application/json"
    )
    url = f"/api/v1/conversations/{started.json()['id']}/messages/"
    first = client.post(url, {"content": QUESTION}, content_type="application/json").json()
    assert first["extractive"] is True and ARTICLE_8 in first["content"]  # quoted word for word

    # The organization gets a default provider, cleared for public knowledge only.
    provider = make_provider(world.department, llm.base_url)
    ModelProvider.objects.filter(pk=provider.pk).update(is_default=True)
    _clear(provider, "public")
    second = client.post(url, {"content": "Còn độ Mật thì sao?"}, content_type="application/json").json()
    assert second["extractive"] is False and llm.chat_requests
    sent = _sent(llm)
    assert ARTICLE_8 not in sent and not [piece for piece in _texts_of(confidential) if piece in sent]
    history = [m["content"] for m in llm.chat_requests[-1].body["messages"][1:-1]]
    assert history == [
        QUESTION,
        "(An earlier answer is left out: it cites documents this model provider may not receive.)",
    ]


def test_the_history_check_reads_only_the_knowledge_bases_it_was_not_given(
    world: World, django_assert_num_queries: Any
) -> None:
    def kb(name: str, classification: str) -> KnowledgeBase:
        with transaction.atomic():
            return knowledge_services.knowledge_base_create(
                actor=None, department=world.department, name=name, classification=classification
            )

    secret, internal_kb = kb("Mật", "confidential"), kb("Nội bộ", "internal")
    provider = make_provider(world.department, "http://127.0.0.1:9/v1")
    _clear(provider, "internal")
    target = SimpleNamespace(provider=ModelProvider.objects.get(pk=provider.pk))  # as cleared

    def answer(message_id: int, *cited: int) -> SimpleNamespace:
        return SimpleNamespace(
            id=message_id, role="assistant", content=f"answer {message_id}", cited_knowledge_bases=list(cited)
        )

    deleted = internal_kb.pk + 1000  # a knowledge base deleted since: its classification is unknown
    rows = [
        SimpleNamespace(id=1, role="user", content="question", cited_knowledge_bases=[]),
        answer(2, internal_kb.pk),
        answer(3, secret.pk),
        answer(4, deleted),
        answer(5),
    ]
    with django_assert_num_queries(1), translation.override("en"):  # the two not given, in one read
        history = clearance.history_for(target, rows, known_bases=[internal_kb])
    placeholder = "(An earlier answer is left out: it cites documents this model provider may not receive.)"
    assert history == [
        ("user", "question"),
        ("assistant", "answer 2"),
        ("assistant", placeholder),
        ("assistant", placeholder),
        ("assistant", "answer 5"),
    ]
    with django_assert_num_queries(0), translation.override("en"):  # each one cited given: no read
        again = clearance.history_for(target, rows[:3], known_bases=[internal_kb, secret])
    assert again == history[:3]
