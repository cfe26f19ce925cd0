"""One turn of a conversation, answered: the model's answer streamed, its tool calls run in a bounded
loop and stored, the answer stored at the end (storing.py), whether it completed, failed or was
cut off.

With no model provider, the answer is extractive: the most relevant passages, cited, and labelled
as such. A provider failure becomes an `error` event and a stored failed message.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import AsyncIterator
from typing import Any

import openai

from assistants.chat import events as ev
from assistants.chat.answers import chunk_batches, extractive_answer, provider_error
from assistants.chat.db import in_db_thread
from assistants.chat.prompt import passages_as_data
from assistants.chat.redaction import tool_arguments
from assistants.chat.stops import stop_flag
from assistants.chat.storing import (
    citation_data,
    finish_turn,
    store_failure,
    store_interrupted,
    store_tool_call,
)
from assistants.chat.types import Turn
from assistants.models import (
    MessageStatus,
    ToolCall,
    ToolCallStatus,
)

logger = logging.getLogger(__name__)

MAX_TOOL_ROUNDS = 4


async def stream_turn(turn: Turn) -> AsyncIterator[ev.Event]:
    finished = False
    try:
        async for event in _stream(turn):
            yield event
        finished = True
    finally:
        if not finished:
            # The client went away (or the server is stopping) mid-answer: keep what was written.
            await asyncio.shield(in_db_thread(store_interrupted)(turn))


async def _stream(turn: Turn) -> AsyncIterator[ev.Event]:
    yield ev.Event(
        ev.MESSAGE_STARTED,
        {
            "message_id": turn.answer.pk,
            "conversation_id": turn.conversation.pk,
            "version": turn.version.number,
            "extractive": turn.answer.extractive,
        },
    )
    if turn.unavailable_attachments:
        attachments = [attachment.unavailable_data() for attachment in turn.unavailable_attachments]
        yield ev.Event(ev.ATTACHMENT_UNAVAILABLE, {"attachments": attachments})
    try:
        if turn.notice:
            async for event in _emit_text(turn, turn.notice + "\n\n"):
                yield event
        if turn.refusal is not None:
            async for event in _emit_text(turn, turn.refusal):
                yield event
        elif turn.target is None:
            async for event in _emit_text(turn, extractive_answer(turn.passages)):
                yield event
        else:
            with stop_flag(turn.answer.pk) as stopped:
                async for event in _model_rounds(turn, stopped):
                    yield event
    except _Stopped:
        status = MessageStatus.STOPPED
    except openai.OpenAIError as error:
        code, message = provider_error(error)
        # The user reads the reason; the provider's own words are for whoever looks after it.
        logger.warning("message %s: the provider failed: %s", turn.answer.pk, error)
        await in_db_thread(store_failure)(turn, message)
        yield ev.Event(ev.ERROR, {"code": code, "message": message, "message_id": turn.answer.pk})
        return
    else:
        status = MessageStatus.COMPLETED
    citations = await in_db_thread(finish_turn)(turn, status)
    for citation in citations:
        yield ev.Event(ev.CITATION, citation_data(citation))
    yield ev.Event(
        ev.MESSAGE_COMPLETED,
        {
            "message_id": turn.answer.pk,
            "status": status,
            "ttft_ms": turn.ttft_ms,
            "latency_ms": turn.answer.latency_ms,
            "content": turn.text,
            "usage": {"prompt_tokens": turn.prompt_tokens, "completion_tokens": turn.completion_tokens},
            "redactions": turn.redactor.counts,
        },
    )


class _Stopped(Exception):
    pass


def _first_token(turn: Turn) -> None:
    if turn.ttft_ms is None:
        turn.ttft_ms = int((time.monotonic() - turn.started) * 1000)


async def _emit_text(turn: Turn, text: str) -> AsyncIterator[ev.Event]:
    _first_token(turn)
    turn.text += text
    yield ev.Event(ev.TEXT_DELTA, {"text": text})


async def _model_rounds(turn: Turn, stopped: asyncio.Event) -> AsyncIterator[ev.Event]:
    from bureau.llm.client import async_client

    client = async_client(turn.target)
    messages = list(turn.prompt)
    schemas = [tool.schema for tool in turn.tools]
    by_name = {tool.function_name: tool for tool in turn.tools}
    for round_number in range(MAX_TOOL_ROUNDS + 1):
        # The messages and tools go as `extra_body`, which the client sends as they are: passed as
        # arguments, they are first walked against the client's typed parameters, which costs more
        # CPU than the rest of the turn's preparation (docs/performance.md) and changes nothing in
        # plain dicts like these. The request body is the same.
        body: dict[str, Any] = {"messages": messages}
        if schemas and round_number < MAX_TOOL_ROUNDS:
            body["tools"] = schemas
        arguments: dict[str, Any] = {
            "model": turn.target.model,
            "messages": [],
            "stream": True,
            "temperature": turn.version.temperature if turn.temperature is None else turn.temperature,
            "max_tokens": turn.version.max_tokens if turn.max_tokens is None else turn.max_tokens,
            "stream_options": {"include_usage": True},
            "extra_body": body,
        }
        calls: dict[int, dict[str, str]] = {}
        # Made per round: a tool result of the previous round may have added placeholders.
        restorer = turn.redactor.stream()
        # The chunks are read as JSON, not as the client's typed models: building a pydantic object
        # per token costs more than everything else the platform does with it.
        async with client.chat.completions.with_streaming_response.create(**arguments) as response:
            async for batch in chunk_batches(response):
                text = ""
                for chunk in batch:
                    text += _absorb(turn, chunk, calls)
                text = restorer.feed(text)
                if text:
                    _first_token(turn)
                    turn.text += text
                    yield ev.Event(ev.TEXT_DELTA, {"text": text})
                    if stopped.is_set():
                        raise _Stopped()
        tail = restorer.flush()
        if tail:
            _first_token(turn)
            turn.text += tail
            yield ev.Event(ev.TEXT_DELTA, {"text": tail})
        if not calls:
            return
        messages.append(
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": c["id"],
                        "type": "function",
                        "function": {"name": c["name"], "arguments": c["arguments"]},
                    }
                    for c in calls.values()
                ],
            }
        )
        for call in calls.values():
            shown = turn.redactor.restore(call["arguments"])  # the user may read their own data
            yield ev.Event(ev.TOOL_CALL, {"id": call["id"], "name": call["name"], "arguments": shown})
            content, stored = await in_db_thread(_run_tool)(turn, by_name, call)
            content = turn.redactor.redact_json_text(content)
            yield ev.Event(
                ev.TOOL_RESULT,
                {
                    "id": call["id"],
                    "name": call["name"],
                    "status": stored.status,
                    "summary": stored.result_summary,
                    "duration_ms": stored.duration_ms,
                },
            )
            messages.append({"role": "tool", "tool_call_id": call["id"], "content": content})


def _absorb(turn: Turn, chunk: dict[str, Any], calls: dict[int, dict[str, str]]) -> str:
    """Takes one chunk's usage and tool-call pieces into the turn; returns its text."""
    usage = chunk.get("usage")
    if usage:
        turn.prompt_tokens += usage.get("prompt_tokens") or 0
        turn.completion_tokens += usage.get("completion_tokens") or 0
    choices = chunk.get("choices") or []
    if not choices:
        return ""
    if choices[0].get("finish_reason"):
        turn.provider_finish_reason = choices[0]["finish_reason"]
    delta = choices[0].get("delta") or {}
    for call in delta.get("tool_calls") or []:
        slot = calls.setdefault(call.get("index", 0), {"id": "", "name": "", "arguments": ""})
        slot["id"] = call.get("id") or slot["id"]
        function = call.get("function") or {}
        slot["name"] += function.get("name") or ""
        slot["arguments"] += function.get("arguments") or ""
    return str(delta.get("content") or "")


def _run_tool(turn: Turn, by_name: dict[str, Any], call: dict[str, str]) -> tuple[str, ToolCall]:
    """Runs one call and stores it. Passages a tool found join the turn's numbered sources, so that
    the model cites them with the same [n] markers as the retrieved ones."""
    tool = by_name.get(call["name"])
    try:
        arguments = json.loads(call["arguments"] or "{}")
        if not isinstance(arguments, dict):
            raise ValueError("arguments must be a JSON object")
    except ValueError as error:
        arguments, tool = {"_raw": call["arguments"][:2000]}, None
        failure = f"invalid arguments: {error}"
    else:
        failure = f"unknown tool {call['name']!r}"
    if tool is None:
        stored = store_tool_call(
            turn,
            call_id=call["id"][:100],
            kind="unknown",
            name=call["name"][:100],
            arguments=arguments,
            status=ToolCallStatus.FAILED,
            error=failure,
            result_summary=failure,
        )
        return json.dumps({"error": failure}), stored
    arguments = tool_arguments(turn.redactor, tool.kind, arguments)
    result = tool.run(arguments)
    content = result.content
    if result.citations:
        first = len(turn.passages) + 1
        turn.passages.extend(result.citations)
        content = passages_as_data(result.citations, first_number=first)
    stored = store_tool_call(
        turn,
        call_id=call["id"][:100],
        kind=tool.kind,
        name=call["name"][:100],
        arguments=arguments,
        result_summary=(result.summary or "")[:4000],
        result=result.data,
        status=ToolCallStatus(result.status),
        error=(result.error or "")[:4000],
        duration_ms=int(getattr(result, "duration_ms", 0) or 0),
    )
    turn.tool_calls.append(stored)
    return content, stored


async def collect(turn: Turn) -> list[ev.Event]:
    return [event async for event in stream_turn(turn)]
