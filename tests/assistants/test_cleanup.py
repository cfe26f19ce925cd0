"""Nothing is left behind: attachment bases go with their assistant, and answers cut off by a web
process that died do not stay "streaming" forever."""

from __future__ import annotations

from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from assistants.catalog.services import assistant_delete
from assistants.conversations.attachments import attachment_add, attachment_knowledge_base
from assistants.conversations.services import conversation_create, messages_sweep_interrupted
from assistants.models import Message, MessageStatus
from knowledge.models import Document, KnowledgeBase
from tests.assistants.chat_helpers import make_assistant
from tests.factories import World


def test_deleting_an_assistant_deletes_the_attachments_of_its_conversations(world: World) -> None:
    assistant = make_assistant(world.department)
    conversation = conversation_create(actor=world.user("member"), assistant=assistant)
    with transaction.atomic():
        attachment_add(
            actor=world.user("member"),
            conversation=conversation,
            files=[SimpleUploadedFile("ghi_chu.txt", "Ghi chú cuộc họp.".encode())],
            dispatch=False,
        )
    scoped = attachment_knowledge_base(conversation.pk)
    assert scoped is not None and Document.objects.filter(knowledge_base=scoped).exists()
    with transaction.atomic():
        assistant_delete(actor=world.user("org_admin"), assistant=assistant)
    assert not KnowledgeBase.objects.filter(pk=scoped.pk).exists()
    assert not Document.objects.filter(knowledge_base_id=scoped.pk).exists()


def test_answers_left_streaming_by_a_dead_process_are_closed_with_a_reason(world: World) -> None:
    assistant = make_assistant(world.department)
    conversation = conversation_create(actor=world.user("member"), assistant=assistant)
    stale = Message.objects.create(
        conversation=conversation, role="assistant", content="Đang viết dở", status=MessageStatus.STREAMING
    )
    fresh = Message.objects.create(
        conversation=conversation, role="assistant", status=MessageStatus.STREAMING
    )
    Message.objects.filter(pk=stale.pk).update(created_at=timezone.now() - timedelta(hours=1))
    assert messages_sweep_interrupted() == 1
    stale.refresh_from_db()
    fresh.refresh_from_db()
    assert stale.status == MessageStatus.FAILED and "server stopped" in stale.error
    assert stale.content == "Đang viết dở"  # what was written is kept
    assert fresh.status == MessageStatus.STREAMING
