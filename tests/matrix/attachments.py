"""Conversation attachments: only the conversation's owner lists, attaches or removes them."""

from __future__ import annotations

from typing import Any

from tests.factories import World
from tests.matrix.chat import _conversation
from tests.permission_matrix import Case, everyone


def _attachments(world: World) -> str:
    return _conversation(world) + "attachments/"


def _attached(world: World) -> str:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from assistants.conversations.attachments import attachment_add
    from assistants.models import Conversation

    url = _attachments(world)
    conversation = Conversation.objects.latest("id")
    [result] = attachment_add(
        actor=world.user("member"),
        conversation=conversation,
        files=[SimpleUploadedFile("ghi_chu.txt", "Ghi chú cuộc họp.".encode())],
        dispatch=False,
    )
    assert result.document is not None
    return f"{url}{result.document.pk}/"


def _files(world: World) -> dict[str, Any]:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return {"files": [SimpleUploadedFile("bang.csv", "Đơn vị,Số hồ sơ\nXã A,1\n".encode())]}


CASES = [
    Case("conversation-attachment-list", "get", _attachments, everyone(404, member=200)),
    Case(
        "conversation-attachment-list",
        "post",
        _attachments,
        everyone(404, member=201),
        body=_files,
        audit_action="conversation.attach",
        format="multipart",
    ),
    Case(
        "conversation-attachment-detail",
        "delete",
        _attached,
        everyone(404, member=204),
        audit_action="conversation.detach",
    ),
]
