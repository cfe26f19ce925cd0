"""What a chat turn costs before its first token: each query, and each thread hop, adds to the time
to first token of every answer (tests/benchmarks/bench_chat.py), so the turn keeps to the reads
its checks need and the header middleware runs in the event loop."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest
from asgiref.sync import SyncToAsync, async_to_sync
from django.db import connection, transaction
from django.test import AsyncClient
from django.test.utils import CaptureQueriesContext

from assistants.chat.prepare import prepare_turn
from assistants.chat.storing import store_question
from assistants.models import Citation, Conversation, Message
from bureau.quotas.models import QuotaKind
from bureau.quotas.services import quota_set
from bureau.tenancy.services import api_key_create
from knowledge import services as knowledge_services
from knowledge.models import KnowledgeBase
from tests.assistants.chat_helpers import make_assistant, make_provider, sse_events
from tests.factories import PASSWORD, World
from tests.fakes.fake_llm import FakeLLM
from tests.knowledge.pipeline_helpers import DATA, upload_and_index, use_hash_embedder

pytestmark = pytest.mark.django_db


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


# The turn's own transaction, not a savepoint in the test's: its statements are what is counted.
@pytest.mark.django_db(transaction=True)
def test_a_turn_prepares_with_few_queries(world: World, llm: FakeLLM, kb: KnowledgeBase) -> None:
    conversation = _conversation(world, llm, kb)
    question = "Thể thức văn bản gồm những gì?"
    # Once first, so that the question's embedding is in its cache, as for most questions asked.
    prepare_turn(actor=world.user("member"), conversation_id=conversation.pk, question=question)
    # That answer, completed with a citation, is history the next turn must check (clearance.py).
    first_answer = Message.objects.get(conversation=conversation, role="assistant")
    Message.objects.filter(pk=first_answer.pk).update(status="completed", content="Điều 8 [1]")
    Citation.objects.create(message=first_answer, marker=1, knowledge_base_id=kb.pk, snippet="Điều 8")
    sql = _prepared_sql(world, conversation, question)
    # The provider comes with the conversation, not read again.
    assert not [q for q in sql if q.startswith('SELECT "llm_modelprovider"')]
    # The question and the answer are stored, and the conversation touched, by one statement, sent
    # with the setting that its commit does not wait for the disk (storing.store_question): one
    # round trip, where BEGIN, INSERT, UPDATE and COMMIT took four.
    [stored] = [q for q in sql if 'INSERT INTO "assistants_message"' in q]
    assert stored.startswith('SET LOCAL synchronous_commit TO off; WITH "touched" AS (')
    assert 'UPDATE "assistants_conversation"' in stored
    assert not [q for q in sql if q in ("BEGIN", "COMMIT") or q.startswith("SAVEPOINT")]
    # What earlier answers cite comes with the history, not by a query of its own; the knowledge
    # base it cites is the assistant's own, already read.
    history = [q for q in sql if 'FROM "assistants_message"' in q]
    assert len(history) == 1 and '"assistants_citation"' in history[0]
    assert not [q for q in sql if q.startswith('SELECT "assistants_citation"')]
    # With no quota set, no usage is summed.
    assert not [q for q in sql if "audit_usagerecord" in q]
    # The conversation (with its assistant, version and provider), the assistant's visibility, the
    # quotas (2) and the person's departments, the knowledge bases (linked and attached), the
    # history with its citations, the query's embedding, the search, and the question stored.
    assert len(sql) <= 11, "\n".join(sql)
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


INLINE_HOOKS = {
    "SecurityMiddleware.process_request",
    "SecurityMiddleware.process_response",
    "LocaleMiddleware.process_request",
    "LocaleMiddleware.process_response",
    "CommonMiddleware.process_request",
    "CommonMiddleware.process_response",
    "AuthenticationMiddleware.process_request",
    "XFrameOptionsMiddleware.process_response",
    "CsrfViewMiddleware.process_request",
    "CsrfViewMiddleware.process_view",
    "CsrfViewMiddleware.process_response",
    "SessionMiddleware.process_request",
    "SessionMiddleware.process_response",
    "MessageMiddleware.process_request",
    "MessageMiddleware.process_response",
}


def test_under_asgi_the_middleware_runs_without_a_thread_hop(
    world: World, llm: FakeLLM, kb: KnowledgeBase, monkeypatch: pytest.MonkeyPatch
) -> None:
    assistant = make_assistant(
        world.department, provider=make_provider(world.department, llm.base_url), knowledge_bases=[kb]
    )
    with transaction.atomic():
        key = api_key_create(actor=None, department=world.department, name="k", scopes=["chat"]).raw_key
    hopped: list[str] = []
    original = SyncToAsync.__init__

    def recording(self: SyncToAsync[..., Any], func: Any, *args: Any, **kwargs: Any) -> None:
        hopped.append(getattr(func, "__qualname__", ""))
        original(self, func, *args, **kwargs)

    client = AsyncClient()
    headers = {"Authorization": f"Bearer {key}", "Accept-Language": "en"}

    async def ask() -> tuple[Any, bytes]:
        created = await client.post(
            "/api/v1/conversations/",
            {"assistant": assistant.pk},
            content_type="application/json",
            headers=headers,
        )
        assert created.status_code == 201, created.content
        monkeypatch.setattr(SyncToAsync, "__init__", recording)
        response: Any = await client.post(
            f"/api/v1/conversations/{created.json()['id']}/messages/",
            {"content": "Chữ ký số?"},
            content_type="application/json",
            headers={**headers, "Accept": "text/event-stream"},
        )
        body = b"".join([chunk async for chunk in response.streaming_content])
        return response, body

    response, body = async_to_sync(ask)()
    assert response.status_code == 200
    kinds = [kind for kind, _data in sse_events(body)]
    assert kinds[0] == "message.started" and kinds[-1] == "message.completed"
    # The inline hooks still did their work: language, security and framing headers.
    assert response["Content-Language"] == "en"
    assert response["X-Content-Type-Options"] == "nosniff" and response["X-Frame-Options"]
    assert not INLINE_HOOKS & set(hopped), hopped
    # No middleware hook went through a thread: a chat that changes no session and stores no
    # message costs none.
    assert not [name for name in hopped if "Middleware" in name], hopped


def test_under_asgi_a_signed_in_person_chats_and_reads_their_conversations(
    world: World, llm: FakeLLM, kb: KnowledgeBase
) -> None:
    """The session, the lazy user the inline AuthenticationMiddleware sets, and a sync DRF view."""
    assistant = make_assistant(
        world.department, provider=make_provider(world.department, llm.base_url), knowledge_bases=[kb]
    )
    client = AsyncClient()

    async def chat() -> tuple[Any, bytes, Any]:
        await client.aforce_login(world.user("member"))
        created = await client.post(
            "/api/v1/conversations/", {"assistant": assistant.pk}, content_type="application/json"
        )
        assert created.status_code == 201, created.content
        response: Any = await client.post(
            f"/api/v1/conversations/{created.json()['id']}/messages/",
            {"content": "Chữ ký số?"},
            content_type="application/json",
            headers={"Accept": "text/event-stream"},
        )
        body = b"".join([chunk async for chunk in response.streaming_content])
        listed = await client.get("/api/v1/conversations/", headers={"Accept-Language": "en"})
        return response, body, listed

    response, body, listed = async_to_sync(chat)()
    assert response.status_code == 200 and response["Content-Language"] == "vi"
    assert [kind for kind, _data in sse_events(body)][-1] == "message.completed"
    assert listed.status_code == 200 and listed["Content-Language"] == "en"
    assert len(listed.json()["results"]) == 1


def test_under_asgi_signing_in_still_saves_the_session(world: World) -> None:
    """The session middleware saves a changed session (in Django's thread): the sign-in holds for
    the next request, and signing out ends it."""
    client = AsyncClient()

    async def sign_in_and_out() -> tuple[Any, Any, Any, Any]:
        login = await client.post(
            "/_allauth/browser/v1/auth/login",
            {"email": world.user("builder").email, "password": PASSWORD},
            content_type="application/json",
        )
        me = await client.get("/api/v1/me/")
        logout = await client.delete("/_allauth/browser/v1/auth/session")
        after = await client.get("/api/v1/me/")
        return login, me, logout, after

    login, me, logout, after = async_to_sync(sign_in_and_out)()
    assert login.status_code == 200, login.content
    assert me.status_code == 200 and me.json()["email"] == world.user("builder").email
    assert logout.status_code == 401  # allauth's answer once signed out
    assert after.status_code in (401, 403)


# Its own transaction (BEGIN ... COMMIT) is what it checks: not a savepoint in the test's.
@pytest.mark.django_db(transaction=True)
def test_bound_by_the_server_the_question_is_stored_in_a_transaction_of_its_own(
    world: World, llm: FakeLLM, kb: KnowledgeBase
) -> None:
    # With server-side binding (DATABASES OPTIONS), a message carries one statement only.
    conversation = _conversation(world, llm, kb)
    question = Message(conversation=conversation, role="user", content="Chữ ký số?")
    answer = Message(conversation=conversation, role="assistant", status="streaming")
    connection.ensure_connection()
    raw = connection.connection
    client_binding = raw.cursor_factory
    raw.cursor_factory = psycopg.Cursor
    try:
        with CaptureQueriesContext(connection) as captured:
            store_question(conversation, [question, answer], "Chữ ký số?")
    finally:
        raw.cursor_factory = client_binding
    sql = [query["sql"] for query in captured.captured_queries]
    assert sql[:2] == ["BEGIN", "SET LOCAL synchronous_commit TO off"]
    assert sql[2].startswith('WITH "touched" AS (') and 'INSERT INTO "assistants_message"' in sql[2]
    assert sql[3:] == ["COMMIT"]
    assert question.pk < answer.pk
    stored = Message.objects.filter(conversation=conversation).order_by("id")
    assert [(m.pk, m.role, m.status) for m in stored] == [
        (question.pk, "user", "completed"),
        (answer.pk, "assistant", "streaming"),
    ]
    assert Conversation.objects.get(pk=conversation.pk).title == "Chữ ký số?"
