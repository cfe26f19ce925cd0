"""What chat turns remember of the configuration (bureau/runtime/memo.py): a change made through the
platform applies from the very next turn, although the turn before it remembered the old state."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.test import Client

from assistants.catalog import services as assistant_services
from assistants.conversations.services import conversation_rename
from assistants.models import Conversation
from bureau.quotas.models import QuotaKind
from bureau.quotas.services import quota_set
from bureau.runtime import memo
from bureau.tenancy.models import ApiKey
from bureau.tenancy.services import api_key_create, api_key_revoke
from tests.assistants.chat_helpers import make_assistant, make_provider, sse_events, streamed
from tests.factories import World
from tests.fakes.fake_llm import FakeLLM

pytestmark = pytest.mark.django_db


@pytest.fixture
def assistant(world: World, llm: FakeLLM) -> Any:
    return make_assistant(world.department, provider=make_provider(world.department, llm.base_url))


def _member(world: World) -> Client:
    client = Client()
    client.force_login(world.user("member"))
    return client


def _start(client: Client, assistant_id: int, **headers: str) -> int:
    response = client.post(
        "/api/v1/conversations/",
        {"assistant": assistant_id},
        content_type="application/json",
        headers=headers,
    )
    assert response.status_code == 201, response.content
    return int(response.json()["id"])


def _ask(client: Client, conversation_id: int, content: str = "Xin chào", **headers: str) -> Any:
    return client.post(
        f"/api/v1/conversations/{conversation_id}/messages/",
        {"content": content},
        content_type="application/json",
        headers={"Accept": "text/event-stream", **headers},
    )


def _answered(response: Any) -> bool:
    assert response.status_code == 200, response.content
    return [name for name, _ in sse_events(streamed(response))][-1] == "message.completed"


def test_a_revoked_api_key_is_refused_at_the_next_turn(world: World, assistant: Any) -> None:
    with transaction.atomic():
        created = api_key_create(actor=None, department=world.department, name="bot", scopes=["chat"])
    bearer = {"Authorization": f"Bearer {created.raw_key}"}
    client = Client()
    conversation = _start(client, assistant.pk, **bearer)
    assert _answered(_ask(client, conversation, **bearer))
    assert _answered(_ask(client, conversation, **bearer))  # served from what the first turn read
    with transaction.atomic():
        api_key_revoke(actor=world.user("dept_admin"), api_key=ApiKey.objects.get(pk=created.api_key.pk))
    refused = _ask(client, conversation, **bearer)
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "not_authenticated"


def test_an_assistant_made_private_is_gone_at_the_next_turn(world: World, assistant: Any) -> None:
    client = _member(world)
    conversation = _start(client, assistant.pk)
    assert _answered(_ask(client, conversation))
    assert _answered(_ask(client, conversation))
    with transaction.atomic():
        assistant_services.assistant_update(
            actor=world.user("builder"), assistant=assistant, visibility="private"
        )
    assert _ask(client, conversation).status_code == 404


def test_a_new_message_limit_applies_at_the_next_turn(world: World, assistant: Any) -> None:
    client = _member(world)
    conversation = _start(client, assistant.pk)
    assert _answered(_ask(client, conversation))
    assert _answered(_ask(client, conversation))
    with transaction.atomic():
        quota_set(
            actor=world.user("org_admin"),
            organization_id=world.organization.pk,
            kind=QuotaKind.USER_MESSAGES_PER_DAY,
            limit=2,
            department=world.department,
        )
    refused = _ask(client, conversation)
    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "quota_exceeded"


def test_the_first_question_names_the_conversation_and_a_rename_stays(world: World, assistant: Any) -> None:
    client = _member(world)
    conversation_id = _start(client, assistant.pk)
    assert _answered(_ask(client, conversation_id, "Thủ tục cấp lại căn cước"))
    assert _answered(_ask(client, conversation_id, "Lệ phí bao nhiêu?"))
    assert Conversation.objects.get(pk=conversation_id).title == "Thủ tục cấp lại căn cước"
    renamed = Conversation.objects.get(pk=conversation_id)
    conversation_rename(actor=world.user("member"), conversation=renamed, title="Căn cước")
    assert _answered(_ask(client, conversation_id, "Nộp ở đâu?"))
    assert Conversation.objects.get(pk=conversation_id).title == "Căn cước"


def test_without_redis_turns_still_answer_and_nothing_is_remembered(
    world: World, assistant: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = _member(world)
    conversation = _start(client, assistant.pk)

    class Unreachable:
        def __getattr__(self, name: str) -> Any:
            raise ConnectionError("redis is down")

    monkeypatch.setattr(memo.shared_redis, "client", Unreachable)
    memo.forget_all()
    assert _answered(_ask(client, conversation))
    assert memo._entries == {}


def test_remember_serves_an_entry_only_at_its_epoch_and_age(monkeypatch: pytest.MonkeyPatch) -> None:
    computed: list[int] = []

    def compute() -> int:
        computed.append(1)
        return len(computed)

    assert memo.remember(("quota-limit", "k"), compute) == 1  # outside reading(): never remembered
    assert memo.remember(("quota-limit", "k"), compute) == 2
    with memo.reading():
        assert memo.remember(("quota-limit", "k"), compute) == 3
        assert memo.remember(("quota-limit", "k"), compute) == 3
    with memo.reading():
        assert memo.remember(("quota-limit", "k"), compute) == 3  # same epoch, another turn
    memo.bump()
    with memo.reading():
        assert memo.remember(("quota-limit", "k"), compute) == 4
    clock = [memo.time.monotonic()]
    monkeypatch.setattr(memo.time, "monotonic", lambda: clock[0])
    with memo.reading():
        assert memo.remember(("quota-limit", "k"), compute) == 4
        clock[0] += memo.MAX_AGE_SECONDS + 1  # too old, though nothing changed
        assert memo.remember(("quota-limit", "k"), compute) == 5


class _Inline:
    """An executor that runs what it is given at once, so that a test sees the reload's effect."""

    def submit(self, function: Any, *args: Any) -> None:
        function(*args)


def _aged(monkeypatch: pytest.MonkeyPatch, executor: Any) -> list[float]:
    """Reloads in the background (as outside tests), through `executor`; the clock it returns moves
    memo's time."""
    monkeypatch.setattr(memo, "_in_background", lambda: True)
    monkeypatch.setattr(memo, "_reloader", executor)
    monkeypatch.setattr(memo, "RELOAD_DELAY_SECONDS", 0)
    clock = [memo.time.monotonic()]
    monkeypatch.setattr(memo.time, "monotonic", lambda: clock[0])
    return clock


def test_an_entry_too_old_is_served_while_it_is_read_again(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = _aged(monkeypatch, _Inline())
    values = iter([1, 2, 3])
    with memo.reading():
        assert memo.remember(("quota-limit", "aged"), lambda: next(values)) == 1
        clock[0] += memo.MAX_AGE_SECONDS + 1
        # Served, and read again meanwhile:
        assert memo.remember(("quota-limit", "aged"), lambda: next(values)) == 1
        assert memo.remember(("quota-limit", "aged"), lambda: next(values)) == 2  # the reloaded entry, fresh
        clock[0] += memo.STALE_SERVE_SECONDS + 1  # so old that the turn reads it itself
        assert memo.remember(("quota-limit", "aged"), lambda: next(values)) == 3


def test_a_reload_that_fails_drops_the_entry(monkeypatch: pytest.MonkeyPatch) -> None:
    """A key deleted behind the platform's back: the turn that found the entry too old still had
    it, the next one reads it itself and gets the error."""
    clock = _aged(monkeypatch, _Inline())
    found = [True]

    def key() -> str:
        if not found[0]:
            raise LookupError("no such key")
        return "the key"

    with memo.reading():
        assert memo.remember(("api-key", "prefix"), key) == "the key"
        found[0] = False
        clock[0] += memo.MAX_AGE_SECONDS + 1
        assert memo.remember(("api-key", "prefix"), key) == "the key"
        assert ("api-key", "prefix") not in memo._entries
        with pytest.raises(LookupError):
            memo.remember(("api-key", "prefix"), key)


def test_a_reload_runs_in_another_thread_once_per_key(monkeypatch: pytest.MonkeyPatch) -> None:
    import threading
    from concurrent.futures import ThreadPoolExecutor

    executor = ThreadPoolExecutor(max_workers=2)
    clock = _aged(monkeypatch, executor)
    release, threads = threading.Event(), []

    def slow() -> str:
        threads.append(threading.current_thread().name)
        release.wait(30)
        return "reloaded"

    try:
        with memo.reading():
            assert memo.remember(("quota-limit", "shared"), lambda: "first") == "first"
            clock[0] += memo.MAX_AGE_SECONDS + 1
            for _ in range(3):  # three turns find it too old while its one reload waits
                assert memo.remember(("quota-limit", "shared"), slow) == "first"
            release.set()
        executor.shutdown(wait=True)
        assert threads != [] and len(threads) == 1 and threads[0] != threading.current_thread().name
        with memo.reading():
            assert memo.remember(("quota-limit", "shared"), lambda: "not read") == "reloaded"
        assert not memo._reloading
    finally:
        release.set()
        executor.shutdown(wait=True)


def test_an_exception_is_not_remembered() -> None:
    def failing() -> int:
        raise LookupError("not found")

    with memo.reading():
        for _ in range(2):
            with pytest.raises(LookupError):
                memo.remember(("quota-limit", "missing"), failing)
    assert ("quota-limit", "missing") not in memo._entries


def test_a_lost_epoch_comes_back_as_a_new_number() -> None:
    before = memo.epoch()
    assert before is not None
    memo.shared_redis.client().delete(memo.shared_redis.key(memo.EPOCH_KEY))
    after = memo.epoch()
    assert after is not None and after != before


def test_an_edit_in_the_django_admin_moves_the_epoch(world: World) -> None:
    before = memo.epoch()
    admin = world.user("org_admin")
    LogEntry.objects.create(
        user=admin,
        content_type=ContentType.objects.get_for_model(ApiKey),
        object_id="1",
        object_repr="key",
        action_flag=CHANGE,
        change_message="changed",
    )
    assert memo.epoch() != before


# The epoch moves on commit (transaction.on_commit), which a test's transaction never reaches.
@pytest.mark.django_db(transaction=True)
def test_an_audited_change_moves_the_epoch(world: World) -> None:
    before = memo.epoch()
    with transaction.atomic():
        api_key_create(actor=None, department=world.department, name="bot", scopes=["chat"])
        inside = memo.epoch()
    assert inside != before  # at once, and again at commit
    assert memo.epoch() not in (before, inside)


def test_a_new_conversation_with_a_version_in_use_is_not_checked_again(
    world: World, assistant: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The visibility check and the version's knowledge bases are remembered by version and asker,
    so a first turn in a new conversation reads only the conversation's row."""
    from assistants.chat import prepare

    checked: list[int] = []
    check = prepare._check_assistant_still_visible

    def counted(actor: Any, conversation: Any) -> None:
        checked.append(conversation.pk)
        check(actor, conversation)

    monkeypatch.setattr(prepare, "_check_assistant_still_visible", counted)
    client = _member(world)
    first, second = _start(client, assistant.pk), _start(client, assistant.pk)
    assert _answered(_ask(client, first))
    assert _answered(_ask(client, second))
    assert checked == [first]
    # Someone else with the same version remembered is still refused another's conversation.
    builder = Client()
    builder.force_login(world.user("builder"))
    assert _answered(_ask(builder, _start(builder, assistant.pk)))
    assert _ask(builder, first).status_code == 404
    assert len(checked) == 2 and checked[1] != first  # the builder's own check, not the member's


def test_a_first_turn_reads_only_the_conversations_row(world: World, assistant: Any) -> None:
    """With the version in use remembered, a new conversation's first turn reads one row: the
    conversation's, with whether its attachments have something to search, or something not indexed
    yet, in the same statement."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from assistants.chat import prepare

    client = _member(world)
    first, second = _start(client, assistant.pk), _start(client, assistant.pk)
    assert _answered(_ask(client, first))
    with memo.reading(), CaptureQueriesContext(connection) as queries:
        conversation, linked = prepare._conversation_of_turn(world.user("member"), second)
        attached = prepare._attachments_of_turn(conversation, fresh=False)
    assert [query["sql"].count('FROM "assistants_conversation"') for query in queries] == [1]
    assert '"knowledge_document"' in queries[0]["sql"]
    assert conversation.pk == second and attached == [] and linked == ([], [])
    assert conversation.attachments_unready is False  # type: ignore[attr-defined]
    assert conversation.assistant.pk == conversation.version.assistant_id == assistant.pk
    assert conversation.version.model_provider is not None  # read with the version, for the turn
