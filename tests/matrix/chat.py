"""Conversations: each belongs to the person who started it; nobody else reads or writes it here."""

from __future__ import annotations

from typing import Any

from tests.factories import World
from tests.permission_matrix import Case, everyone

OWNER_ONLY = everyone(404, member=200)


def _assistant(world: World) -> Any:
    from assistants.models import Assistant
    from tests.assistants.chat_helpers import make_assistant

    found = Assistant.objects.filter(department=world.department, slug="ma-tran").first()
    return found or make_assistant(world.department, slug="ma-tran")


def _conversation(world: World) -> str:
    from assistants.conversations.services import conversation_create

    conversation = conversation_create(actor=world.user("member"), assistant=_assistant(world))
    return f"/api/v1/conversations/{conversation.pk}/"


def _answered(world: World) -> str:
    from assistants.models import Conversation, Message

    url = _conversation(world)
    conversation = Conversation.objects.latest("id")
    Message.objects.create(conversation=conversation, role="user", content="Hỏi")
    answer = Message.objects.create(
        conversation=conversation, role="assistant", content="Đáp", status="streaming"
    )
    return f"{url}messages/{answer.pk}/"


CASES = [
    Case("conversation-list", "get", lambda w: "/api/v1/conversations/", everyone(200)),
    Case(
        "conversation-list",
        "post",
        lambda w: "/api/v1/conversations/",
        everyone(201, outsider=404),
        body=lambda w: {"assistant": _assistant(w).pk},
    ),
    Case("conversation-detail", "get", _conversation, OWNER_ONLY),
    Case("conversation-detail", "patch", _conversation, OWNER_ONLY, body=lambda w: {"title": "Tên mới"}),
    Case(
        "conversation-detail",
        "delete",
        _conversation,
        everyone(404, member=204),
        audit_action="conversation.delete",
    ),
    Case(
        "conversation-message-create",
        "post",
        lambda w: _conversation(w) + "messages/",
        OWNER_ONLY,
        body=lambda w: {"content": "Xin chào"},
    ),
    Case("conversation-message-regenerate", "post", lambda w: _answered(w) + "regenerate/", OWNER_ONLY),
    Case("conversation-message-stop", "post", lambda w: _answered(w) + "stop/", everyone(404, member=202)),
    Case(
        "conversation-message-feedback",
        "post",
        lambda w: _answered(w) + "feedback/",
        everyone(404, member=201),
        body=lambda w: {"rating": "up"},
    ),
]
