"""Waiting for the files attached to a conversation that are still being indexed, when a question
comes before they are ready (someone attaches a file and asks about it at once). The wait is
bounded by ATTACHMENT_WAIT_SECONDS; it looks at the attachments every POLL_SECONDS with one short
query, holding no thread and no database connection in between."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from django.conf import settings

from assistants.chat.db import in_db_thread
from assistants.conversations.attachments import UnreadyAttachment, unready_attachments

POLL_SECONDS = 0.5


async def pause(seconds: float) -> None:
    """Between two looks at the attachments."""
    await asyncio.sleep(seconds)


async def attachments_indexing(
    conversation_id: int, unready: list[UnreadyAttachment]
) -> AsyncIterator[list[UnreadyAttachment]]:
    """The attachments being indexed, when the wait starts and each time one moves on (a stage, its
    progress), until none is being indexed any more or the wait has run out."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + settings.ATTACHMENT_WAIT_SECONDS
    indexing = [attachment for attachment in unready if attachment.in_progress]
    yield indexing
    while indexing:
        left = deadline - loop.time()
        if left <= 0:
            return
        await pause(min(POLL_SECONDS, left))
        now = [a for a in await in_db_thread(unready_attachments)(conversation_id) if a.in_progress]
        if now and now != indexing:
            yield now
        indexing = now
