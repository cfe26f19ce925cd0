"""A file attached and asked about at once: the turn waits (bounded) for it to be indexed and
answers from it; a file that could not be read, or is still being read when the wait runs out, is
named in the answer with the reason, never silently left out."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings

from assistants.chat.db import in_db_thread
from assistants.models import Assistant, Message
from knowledge.ingestion import pipeline
from knowledge.models import Document, DocumentStatus
from tests.assistants.chat_helpers import make_assistant, make_provider, sse_events, streamed
from tests.factories import World, build_world, signed_in
from tests.fakes.fake_llm import FakeLLM
from tests.knowledge.pipeline_helpers import use_hash_embedder

NOTE = "Biên bản họp: hạn nộp báo cáo tổng kết công tác bồi thường là ngày 15 tháng 11."
QUESTION = "Hạn nộp báo cáo tổng kết công tác bồi thường là ngày nào?"


@pytest.fixture
def world(monkeypatch: pytest.MonkeyPatch) -> World:
    use_hash_embedder(monkeypatch)
    return build_world()


def _start(client: Client, assistant: Assistant) -> int:
    response = client.post(
        "/api/v1/conversations/", {"assistant": assistant.pk}, content_type="application/json"
    )
    assert response.status_code == 201, response.content
    return int(response.json()["id"])


def _attach(client: Client, conversation: int, name: str, content: bytes) -> Document:
    response = client.post(
        f"/api/v1/conversations/{conversation}/attachments/", {"files": [SimpleUploadedFile(name, content)]}
    )
    assert response.status_code == 201, response.content
    return Document.objects.get(pk=response.json()[0]["document"]["id"])


def _ask(client: Client, conversation: int, *, stream: bool) -> Any:
    response = client.post(
        f"/api/v1/conversations/{conversation}/messages/",
        {"content": QUESTION},
        content_type="application/json",
        headers={"Accept": "text/event-stream"} if stream else None,
    )
    assert response.status_code == 200, response.content if not stream else response
    return sse_events(streamed(response)) if stream else response.json()


def _system_prompt(llm: FakeLLM) -> str:
    return str(llm.chat_requests[-1].body["messages"][0]["content"])


pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("stream", [True, False], ids=["stream", "json"])
def test_a_file_asked_about_right_after_attaching_it_is_waited_for_and_used(
    world: World, llm: FakeLLM, monkeypatch: pytest.MonkeyPatch, stream: bool
) -> None:
    assistant = make_assistant(world.department, provider=make_provider(world.department, llm.base_url))
    client = signed_in(world)
    conversation = _start(client, assistant)
    document = _attach(client, conversation, "bien_ban.txt", NOTE.encode())
    assert document.status == DocumentStatus.QUEUED  # nothing indexed yet when the question comes

    pauses: list[float] = []

    def index() -> None:
        pipeline.index_document_inline(Document.objects.get(pk=document.pk))

    async def worker_meanwhile(seconds: float) -> None:
        # The concurrent step: while the turn waits, the worker indexes the file.
        pauses.append(seconds)
        await in_db_thread(index)()

    monkeypatch.setattr("assistants.chat.waiting.pause", worker_meanwhile)
    answer = _ask(client, conversation, stream=stream)

    assert pauses, "the turn did not wait for the file being indexed"
    assert "15 tháng 11" in _system_prompt(llm)
    if stream:
        types = [event for event, _data in answer]
        assert types.index("attachment.waiting") < types.index("message.started")
        waiting = next(data for event, data in answer if event == "attachment.waiting")
        assert [a["filename"] for a in waiting["attachments"]] == ["bien_ban.txt"]
        assert "attachment.unavailable" not in types
    else:
        assert answer["status"] == "completed"
        assert answer["attachments_unavailable"] == []


def test_a_file_that_could_not_be_read_is_named_with_the_reason(world: World, llm: FakeLLM) -> None:
    assistant = make_assistant(world.department, provider=make_provider(world.department, llm.base_url))
    client = signed_in(world)
    conversation = _start(client, assistant)
    failed = _attach(client, conversation, "cong_van.rtf", b"{\\rtf1\\ansi Cong van so 12}")
    assert failed.status == DocumentStatus.FAILED and failed.failure_reason

    answer = _ask(client, conversation, stream=False)

    [unavailable] = answer["attachments_unavailable"]
    assert unavailable == {
        "id": failed.pk,
        "filename": "cong_van.rtf",
        "status": "failed",
        "reason": failed.failure_reason,
    }
    assert "cong_van.rtf" in answer["content"] and failed.failure_reason in answer["content"]
    stored = Message.objects.get(pk=answer["message_id"])
    assert failed.failure_reason in stored.content  # read again when the conversation is reopened

    events = _ask(client, conversation, stream=True)
    [(_, data)] = [(event, data) for event, data in events if event == "attachment.unavailable"]
    assert data["attachments"] == [unavailable]
    assert "attachment.waiting" not in [event for event, _data in events]  # nothing to wait for


@override_settings(ATTACHMENT_WAIT_SECONDS=0)
def test_the_wait_is_bounded_and_the_answer_says_the_file_is_not_read_yet(
    world: World, llm: FakeLLM, monkeypatch: pytest.MonkeyPatch
) -> None:
    assistant = make_assistant(world.department, provider=make_provider(world.department, llm.base_url))
    client = signed_in(world)
    conversation = _start(client, assistant)
    document = _attach(client, conversation, "bien_ban.txt", NOTE.encode())  # no worker ever takes it
    paused: list[float] = []

    async def pause(seconds: float) -> None:
        paused.append(seconds)

    monkeypatch.setattr("assistants.chat.waiting.pause", pause)

    events = _ask(client, conversation, stream=True)

    types = [event for event, _data in events]
    assert types[0] == "attachment.waiting"
    assert types[-1] == "message.completed"
    assert not paused  # the wait of 0 seconds ran out at once
    [unavailable] = next(data for event, data in events if event == "attachment.unavailable")["attachments"]
    assert (unavailable["id"], unavailable["status"]) == (document.pk, "queued")
    assert "vẫn đang được đọc" in unavailable["reason"]  # Vietnamese first: it is still being read
    text = next(data for event, data in events if event == "message.completed")["content"]
    assert "bien_ban.txt" in text and unavailable["reason"] in text
    assert "15 tháng 11" not in _system_prompt(llm)


@pytest.mark.slow
@pytest.mark.timeout(600)
@pytest.mark.django_db(transaction=True)  # a Celery worker process indexes the file
def test_a_real_worker_on_the_attachments_queue_alone_makes_the_file_usable_for_the_question(
    llm: FakeLLM,
) -> None:
    """End to end: the upload is dispatched to the attachments' own queue (the worker consumes no
    other), and the question asked at once is answered from the file. The bundled embedding model
    embeds both sides."""
    from tests.reliability.worker import start_worker, stop_worker

    world = build_world()
    assistant = make_assistant(world.department, provider=make_provider(world.department, llm.base_url))
    client = signed_in(world)
    conversation = _start(client, assistant)
    worker = start_worker(queues="attachments")
    try:
        # Generous: the worker starts and loads the model while the turn waits; nothing here
        # measures time.
        with override_settings(ATTACHMENT_WAIT_SECONDS=300):
            _attach(client, conversation, "bien_ban.txt", NOTE.encode())
            answer = _ask(client, conversation, stream=False)
    finally:
        stop_worker(worker)
    assert answer["attachments_unavailable"] == []
    assert "15 tháng 11" in _system_prompt(llm)
