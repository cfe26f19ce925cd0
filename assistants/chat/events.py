"""The events of an answer, as server-sent events or collected into one JSON body.

attachment.waiting {attachments: [{id, filename, status, chunks_done, chunks_total}]}: files attached
                    to the conversation still being indexed, which the answer waits for (first, then
                    whenever one moves on; none of the answer is stored yet)
message.started    {message_id, conversation_id, version}
attachment.unavailable {attachments: [{id, filename, status, reason}]}: attached files the answer
                    could not use (still being indexed when the wait ran out, failed, cancelled)
text.delta         {text}
tool.call          {id, name, arguments}
tool.result        {id, name, status, summary, duration_ms}
citation           {marker, document_id, document_title, heading_path, page_start, page_end, snippet, scores}
message.completed  {message_id, status, usage: {prompt_tokens, completion_tokens}, ttft_ms, latency_ms,
                    redactions: {kind: count} of personal data hidden from the provider}
error              {code, message, message_id}
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import orjson

ATTACHMENT_WAITING = "attachment.waiting"
ATTACHMENT_UNAVAILABLE = "attachment.unavailable"
MESSAGE_STARTED = "message.started"
TEXT_DELTA = "text.delta"
TOOL_CALL = "tool.call"
TOOL_RESULT = "tool.result"
CITATION = "citation"
MESSAGE_COMPLETED = "message.completed"
ERROR = "error"


@dataclass(frozen=True, slots=True)
class Event:
    type: str
    data: dict[str, Any]

    def sse(self) -> bytes:
        # orjson: compact UTF-8 as the stream sends it, in a tenth of the time the standard
        # library's encoder takes with ensure_ascii off (it is run for every relayed token).
        payload = orjson.dumps(self.data, option=orjson.OPT_NON_STR_KEYS)
        return b"event: " + self.type.encode() + b"\ndata: " + payload + b"\n\n"


async def as_sse(events: AsyncIterator[Event]) -> AsyncIterator[bytes]:
    async for event in events:
        yield event.sse()
