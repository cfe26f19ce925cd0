"""What a chat turn costs the database before its first token: each query there adds to the time
to first token of every answer (tests/benchmarks/bench_chat.py), so the turn keeps to the reads
its checks need."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from assistants.chat.runtime import prepare_turn
from assistants.models import Conversation, Message
from bureau.quotas.models import QuotaKind
from bureau.quotas.services import quota_set
from knowledge import services as knowledge_services
from knowledge.models import KnowledgeBase
from tests.assistants.chat_helpers import FAKE_KEY, make_assistant, make_provider
from tests.factories import World, build_world
from tests.fakes.fake_llm import FakeLLM
from tests.knowledge.pipeline_helpers import DATA, upload_and_index, use_hash_embedder

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def world() -> World:
    return build_world()


@pytest.fixture
def llm() -> Iterator[FakeLLM]:
    with FakeLLM(api_key=FAKE_KEY) as fake:
        yield fake


@pytest.fixture
def kb(world: World, monkeypatch: pytest.MonkeyPatch) -> KnowledgeBase:
    use_hash_embedder(monkeypatch)
    with transaction.atomic():
        knowledge_base = knowledge_services.knowledge_base_create(
            actor=None, department=world.department, name="Nghị định 30"
        )
    source = DATA / "nd30_2020" / "30_2020_ND_CP.md"
    upload_and_index(knowledge_base, source.name, source.read_bytes())
    return knowledge_base


def _conversation(world: World, llm: FakeLLM, kb: KnowledgeBase) -> Conversation:
    assistant = make_assistant(
        world.department, provider=make_provider(world.department, llm.base_url), knowledge_bases=[kb]
    )
    assert assistant.published_version is not None
    return Conversation.objects.create(
        assistant=assistant, version=assistant.published_version, user=world.user("member")
    )


def _prepared_sql(world: World, conversation: Conversation, question: str) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        prepare_turn(actor=world.user("member"), conversation_id=conversation.pk, question=question)
    return [query["sql"] for query in captured.captured_queries]


def test_a_turn_prepares_with_few_queries(world: World, llm: FakeLLM, kb: KnowledgeBase) -> None:
    conversation = _conversation(world, llm, kb)
    question = "Thể thức văn bản gồm những gì?"
    # Once first, so that the question's embedding is in its cache, as for most questions asked.
    prepare_turn(actor=world.user("member"), conversation_id=conversation.pk, question=question)
    sql = _prepared_sql(world, conversation, question)
    # The provider comes with the conversation, not read again.
    assert not [q for q in sql if q.startswith('SELECT "llm_modelprovider"')]
    # The question and the answer are stored by one INSERT.
    assert len([q for q in sql if q.startswith('INSERT INTO "assistants_message"')]) == 1
    # With no quota set, no usage is summed.
    assert not [q for q in sql if "audit_usagerecord" in q]
    # The conversation (with its assistant, version and provider), the assistant's visibility, the
    # quotas (2) and the person's departments, the history, the knowledge bases (linked and
    # attached), the query's embedding, the search, and BEGIN, INSERT, UPDATE, COMMIT.
    assert len(sql) <= 14, "\n".join(sql)
    asked, answer = Message.objects.filter(conversation=conversation).order_by("-id")[:2][::-1]
    assert (asked.role, asked.content) == ("user", question)
    assert (answer.role, answer.status) == ("assistant", "streaming")


def test_with_a_quota_the_usage_is_read(world: World, llm: FakeLLM, kb: KnowledgeBase) -> None:
    conversation = _conversation(world, llm, kb)
    with transaction.atomic():
        quota_set(
            actor=None,
            organization_id=world.organization.pk,
            kind=QuotaKind.DEPARTMENT_TOKENS_PER_MONTH,
            limit=1_000_000,
            department=world.department,
        )
    sql = _prepared_sql(world, conversation, "Chữ ký số?")
    assert [q for q in sql if "audit_usagerecord" in q]
