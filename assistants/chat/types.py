"""A turn in flight: what prepare (prepare.py) hands to the stream (stream.py) and storing reads."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from assistants.conversations.attachments import UnreadyAttachment
from assistants.models import (
    AssistantVersion,
    Conversation,
    Message,
    ToolCall,
)
from bureau.security.pii import Redactor
from knowledge.search.retrieval import RetrievedChunk


@dataclass
class Turn:
    actor: Any
    conversation: Conversation
    version: AssistantVersion
    question: str
    answer: Message
    target: Any  # bureau.llm.client.ChatTarget | None
    prompt: list[dict[str, Any]]
    passages: list[RetrievedChunk]
    tools: list[Any]  # assistants.tools.BoundTool
    refusal: str | None
    started: float
    text: str = ""
    prompt_tokens: int = 0
    completion_tokens: int = 0
    ttft_ms: int | None = None
    notice: str = ""  # opens the answer: knowledge withheld from this provider
    # Files attached to the conversation that the answer could not use (not indexed yet, failed).
    unavailable_attachments: list[UnreadyAttachment] = field(default_factory=list)
    tool_calls: list[ToolCall] = field(default_factory=list)
    # Personal data out of what goes to the provider, back into what the user reads (redaction.py).
    redactor: Redactor = field(default_factory=lambda: Redactor(enabled=False))
    # The request's own limits (the OpenAI-compatible API): fewer tokens than the version allows,
    # another temperature.
    max_tokens: int | None = None
    temperature: float | None = None
    # Why the model's last round ended, as the provider said: `length` when max_tokens cut it.
    provider_finish_reason: str | None = None

    @property
    def finish_reason(self) -> str:
        """OpenAI's `finish_reason` of the whole turn. Tool calls are run here, so a turn the
        client sees ends in `stop`, unless the model was cut (`length`) or filtered."""
        if self.provider_finish_reason in ("length", "content_filter"):
            return self.provider_finish_reason
        return "stop"
