"""Which Celery queue each stage of indexing goes to: a file attached to a conversation has a queue
of its own (someone is waiting to ask about it), which the long documents of knowledge bases never
reach, from upload to embedding and when the watchdog sends it again. The queues are the ones the
router picks, as a worker would receive them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from assistants.conversations.attachments import attachment_add
from assistants.models import Conversation
from knowledge import services, tasks
from knowledge.ingestion.watchdog import run_watchdog
from knowledge.models import Document, DocumentStatus, IndexingRun
from tests.assistants.chat_helpers import make_assistant
from tests.factories import World
from tests.knowledge.pipeline_helpers import use_hash_embedder

pytestmark = pytest.mark.django_db

TEXT = "Điều 1. Phạm vi điều chỉnh\nQuy định này áp dụng cho các cơ quan nhà nước.".encode()


@dataclass
class Sent:
    task: str
    queue: str
    args: list[Any]
    kwargs: dict[str, Any]

    def run(self) -> None:
        """Runs the task as the worker that receives the message would, here."""
        tasks.ingest_document.app.tasks[self.task].apply(args=self.args, kwargs=self.kwargs)


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> list[Sent]:
    """The messages sent to the broker, after routing, instead of sending them."""
    from bureau.celery import app

    messages: list[Sent] = []

    def send_task_message(producer: Any, name: str, message: Any, **options: Any) -> None:
        args, kwargs, _embed = message.body
        messages.append(Sent(name, options["queue"].name, list(args), dict(kwargs)))

    monkeypatch.setattr(app.amqp, "send_task_message", send_task_message)
    return messages


def _document_upload(world: World) -> Document:
    with transaction.atomic():
        kb = services.knowledge_base_create(actor=None, department=world.department, name="Quy định")
        [result] = services.document_upload(
            actor=None, knowledge_base=kb, files=[SimpleUploadedFile("quy_dinh.txt", TEXT)]
        )
    assert result.document is not None
    return result.document


def _attachment_upload(world: World) -> Document:
    assistant = make_assistant(world.department)
    member = world.user("member")
    assert assistant.published_version is not None
    conversation = Conversation.objects.create(
        assistant=assistant, version=assistant.published_version, user=member
    )
    [result] = attachment_add(
        actor=member, conversation=conversation, files=[SimpleUploadedFile("bien_ban.txt", TEXT)]
    )
    assert result.document is not None
    return result.document


@pytest.mark.parametrize(
    ("upload", "queues"),
    [(_attachment_upload, ["attachments", "attachments"]), (_document_upload, ["ingest", "embed"])],
    ids=["attachment", "knowledge-base-document"],
)
def test_each_stage_goes_to_the_queue_of_its_kind_of_document(
    world: World,
    sent: list[Sent],
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
    upload: Any,
    queues: list[str],
) -> None:
    use_hash_embedder(monkeypatch)
    with django_capture_on_commit_callbacks(execute=True):
        document = upload(world)
    [ingest] = sent
    assert (ingest.task, ingest.queue) == ("knowledge.tasks.ingest_document", queues[0])

    ingest.run()  # parses and chunks, then sends the embedding stage

    assert [(s.task, s.queue) for s in sent[1:]] == [("knowledge.tasks.embed_document", queues[1])]
    sent[1].run()
    assert Document.objects.get(pk=document.pk).status == DocumentStatus.READY


@pytest.mark.parametrize(
    ("upload", "queue"),
    [(_attachment_upload, "attachments"), (_document_upload, "ingest")],
    ids=["attachment", "knowledge-base-document"],
)
def test_the_watchdog_sends_a_document_again_to_the_queue_of_its_kind(
    world: World,
    sent: list[Sent],
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
    upload: Any,
    queue: str,
) -> None:
    use_hash_embedder(monkeypatch)
    with django_capture_on_commit_callbacks(execute=True):
        lost = upload(world)  # its message lost with the broker
    long_ago = timezone.now() - timedelta(hours=1)
    IndexingRun.objects.filter(document=lost).update(heartbeat_at=long_ago)
    assert run_watchdog()["resent"] == 1
    assert [(s.task, s.queue) for s in sent] == [("knowledge.tasks.ingest_document", queue)] * 2

    sent[-1].run()  # now EMBEDDING; the worker dies before sending the next stage
    del sent[2:]
    IndexingRun.objects.filter(document=lost).update(heartbeat_at=long_ago)
    with django_capture_on_commit_callbacks(execute=True):
        assert run_watchdog()["requeued"] == 1
    assert [(s.task, s.queue) for s in sent[2:]] == [("knowledge.tasks.ingest_document", queue)]
