"""The events of an answer, as server-sent events or collected into one JSON body.

message.started    {message_id, conversation_id, version}
text.delta         {text}
tool.call          {id, name, arguments}
tool.result        {id, name, status, summary, duration_ms}
citation           {marker, document_id, document_title, heading_path, page_start, page_end, snippet, scores}
message.completed  {message_id, status, usage: {prompt_tokens, completion_tokens}, ttft_ms, latency_ms,
                    redactions: {kind: count} of personal data hidden from the provider}
error              {code, message, message_id}
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

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
        payload = json.dumps(self.data, ensure_ascii=False, separators=(",", ":"))
        return f"event: {self.type}\ndata: {payload}\n\n".encode()


async def as_sse(events: AsyncIterator[Event]) -> AsyncIterator[bytes]:
    async for event in events:
        yield event.sse()
