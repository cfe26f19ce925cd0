"""One turn of a conversation: prepare (load the pinned version, retrieve, build the prompt), stream
(the model's answer, running its tool calls in a bounded loop), finish (store the message, its
citations and usage: storing.py). Database work runs in threads; the stream itself is async, so
many concurrent answers do not hold a worker each.

With no model provider, the answer is extractive: the most relevant passages, cited, and labelled
as such. A provider failure becomes an `error` event and a stored failed message.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import openai
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from assistants.chat import events as ev
from assistants.chat.answers import chunk_batches, extractive_answer, provider_error
from assistants.chat.db import beside, in_db_thread
from assistants.chat.knowledge import VersionKnowledge, left_out_notice, version_knowledge_for
from assistants.chat.prompt import build_messages, passages_as_data, system_prompt
from assistants.chat.redaction import redacted_history, redacted_passages, redaction_for, tool_arguments
from assistants.chat.stops import stop_flag
from assistants.chat.storing import (
    citation_data,
    finish_turn,
    store_failure,
    store_interrupted,
    store_question,
)
from assistants.conversations import attachments
from assistants.conversations.services import conversation_row_for_turn
from assistants.models import (
    AssistantVersion,
    Citation,
    Conversation,
    Message,
    MessageRole,
    MessageStatus,
    ToolCall,
)
from assistants.review import clearance
from bureau.exceptions import NotFound, ValidationFailed
from bureau.quotas.services import chat_turn_admit
from bureau.runtime import memo
from bureau.security.pii import Redactor
from bureau.tenancy.access import ApiKeyActor
from knowledge.search.retrieval import RetrievedChunk, retrieve

logger = logging.getLogger(__name__)

MAX_TOOL_ROUNDS = 4
MAX_QUESTION_CHARS = 8_000


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


# --- prepare --------------------------------------------------------------------------------------


def prepare_turn(
    *,
    actor: Any,
    conversation_id: int | str,
    question: str,
    regenerate_message_id: int | str | None = None,
    history: list[tuple[str, str]] | None = None,
    max_tokens: int | None = None,
    temperature: float | None = None,
) -> Turn:
    """`history` replaces the stored one (the OpenAI-compatible API sends the whole conversation);
    `max_tokens` lowers the version's limit, `temperature` replaces the version's."""
    started = time.monotonic()
    question = (question or "").strip()
    conversation, knowledge = _conversation_of_turn(actor, conversation_id)
    linked = knowledge.readable
    chat_turn_admit(
        actor=actor,
        organization_id=conversation.assistant.organization_id,
        department_id=conversation.assistant.department_id,
    )
    regenerated_from = None
    if regenerate_message_id is not None:
        regenerated_from = Message.objects.filter(
            conversation=conversation, pk=_as_id(regenerate_message_id), role=MessageRole.ASSISTANT
        ).first()
        if regenerated_from is None:
            raise NotFound(_("Message not found."))
        asked = conversation.messages.filter(role=MessageRole.USER, id__lt=regenerated_from.pk).last()
        question = asked.content if asked else ""
    if not question:
        raise ValidationFailed(details={"content": [_("Write a question.")]})
    if len(question) > MAX_QUESTION_CHARS:
        raise ValidationFailed(details={"content": [_("The question is too long.")]})
    version = conversation.version  # selected with the conversation, as is its assistant
    target = _chat_target(version)
    # The classification policy, checked at each turn against the provider's clearance of now: a
    # knowledge base the provider may not receive is not searched, by retrieval or tool (see
    # assistants/review/clearance.py).
    knowledge_bases, withheld = clearance.split_for(target, linked)
    attachment_bases = _attachments_of_turn(conversation)
    attached, withheld_attached = clearance.split_for(target, attachment_bases)
    groups = attachments.retrieval_groups(knowledge_bases, attached)
    # The search, the longest wait before the first token, runs in another database thread while
    # this one reads the history and stores the question.
    searched = beside(_retrieve_groups, groups, question, version)
    if history is None:
        history = clearance.history_for(
            target, _history(conversation, before=regenerated_from), known_bases=[*linked, *attachment_bases]
        )
    knowledge_bases += attached
    tools = _bind_tools(version, actor, conversation, knowledge_bases) if target is not None else []
    answer = Message(
        conversation=conversation,
        role=MessageRole.ASSISTANT,
        status=MessageStatus.STREAMING,
        extractive=target is None,  # unless it turns out to be the refusal, below
        regenerated_from=regenerated_from,
        model=getattr(target, "model", "") or "",
    )
    new_messages = [answer]
    if regenerated_from is None:
        new_messages.insert(0, Message(conversation=conversation, role=MessageRole.USER, content=question))
    store_question(conversation, new_messages, question)
    passages = attachments.merge_passages(searched(), top_k=version.top_k)
    refusal = None
    has_knowledge = linked or knowledge.unreadable or attached or withheld_attached
    if version.knowledge_only and has_knowledge and not passages:
        refusal = version.refusal_message or _("I could not find this in the documents.")
        if answer.extractive:  # no provider: the refusal is not an extract of the documents
            answer.extractive = False
            Message.objects.filter(pk=answer.pk).update(extractive=False)
    redactor = redaction_for(version, target)
    system = system_prompt(
        instructions=redactor.redact(version.instructions),
        passages=redacted_passages(redactor, passages),
        knowledge_only=version.knowledge_only,
        refusal_message=redactor.redact(version.refusal_message),
    )
    prompt = build_messages(
        system=system, history=redacted_history(redactor, history), question=redactor.redact(question)
    )
    return Turn(
        actor=actor,
        conversation=conversation,
        version=version,
        question=question,
        answer=answer,
        target=target,
        prompt=prompt,
        passages=passages,
        tools=tools,
        refusal=refusal,
        started=started,
        redactor=redactor,
        notice=" ".join(
            note
            for note in (
                left_out_notice(knowledge.unreadable),
                clearance.withheld_notice(target, withheld + withheld_attached),
            )
            if note
        ),
        max_tokens=min(max_tokens, version.max_tokens) if max_tokens is not None else None,
        temperature=temperature,
    )


def _as_id(value: int | str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1


def _conversation_of_turn(actor: Any, conversation_id: int | str) -> tuple[Conversation, VersionKnowledge]:
    """The asker's conversation, with its version, assistant and provider, checked that the asker
    may still use the assistant; and the version's knowledge bases, split by whether the asker may
    open them now (chat/knowledge.py). Remembered for the next turns until the configuration changes
    (bureau/runtime/memo.py, which hands each turn its own copy). The version (with its assistant and
    provider), the check and the knowledge are remembered by version, not by conversation, so that a
    first turn in a new conversation with a version in use reads only the conversation's row (a
    third of the turns when people ask three questions each)."""
    who = ("key", actor.api_key.pk) if isinstance(actor, ApiKeyActor) else ("user", actor.pk)

    def load() -> Conversation:
        conversation = conversation_row_for_turn(actor=actor, conversation_id=conversation_id)
        version = memo.remember(("chat-version-row", conversation.version_id), lambda: _version(conversation))
        conversation.version, conversation.assistant = version, version.assistant
        return conversation

    def usable_knowledge() -> VersionKnowledge:
        _check_assistant_still_visible(actor, conversation)
        return version_knowledge_for(actor=actor, version_id=conversation.version_id)

    conversation = memo.remember(("chat-turn", who, _as_id(conversation_id)), load)
    knowledge = memo.remember(("chat-version", who, conversation.version_id), usable_knowledge)
    return conversation, knowledge


def _version(conversation: Conversation) -> AssistantVersion:
    """The conversation's version, with its assistant and provider: a conversation is pinned to a
    version of its own assistant, so the version's assistant is the conversation's."""
    return AssistantVersion.objects.select_related("assistant", "model_provider").get(
        pk=conversation.version_id
    )


def _attachments_of_turn(conversation: Conversation) -> list[Any]:
    """The conversation's attachment base when it has something to search (which the conversation's
    row says, see conversation_row_for_turn); remembered as _conversation_of_turn is (an upload, a
    deletion and the end of indexing are audited)."""
    if not getattr(conversation, "attachments_searchable", True):  # set by conversation_row_for_turn
        return []
    return memo.remember(
        ("chat-attachments", conversation.pk), lambda: attachments.attachment_knowledge_bases(conversation)
    )


def _check_assistant_still_visible(actor: Any, conversation: Conversation) -> None:
    """The assistant must still be visible (whether the row is: the assistant itself came with the
    conversation); a preview, pinned to the draft, also needs the right to edit it still, so that
    someone whose editor share was removed cannot go on using the draft."""
    from assistants.catalog.selectors import assistant_get_for, assistant_list_visible_to

    if conversation.version.number is None:
        assistant_get_for(actor=actor, assistant_id=conversation.assistant_id, write=True)
    elif not assistant_list_visible_to(actor=actor).filter(pk=conversation.assistant_id).exists():
        raise NotFound(_("Assistant not found."))


class HistoryRow(NamedTuple):
    id: int
    role: str
    content: str
    cited_knowledge_bases: list[int]  # of its citations (clearance.history_for)


# Written out, not built with the ORM each turn: building and compiling the query took about 0.8 ms
# of CPU a turn, five times what running it takes (on a 2-core machine shared by 100 streams).
_HISTORY_SQL = f"""SELECT m."id", m."role", m."content", ARRAY(
    SELECT c."knowledge_base_id" FROM "{Citation._meta.db_table}" c
    WHERE c."message_id" = m."id" AND c."knowledge_base_id" IS NOT NULL
)
FROM "{Message._meta.db_table}" m
WHERE m."conversation_id" = %s AND m."status" = %s AND m."id" < %s
ORDER BY m."id" DESC LIMIT %s"""  # noqa: S608 - table names come from the models; values are parameters
HISTORY_MESSAGES = 40


def _history(conversation: Conversation, *, before: Message | None) -> list[HistoryRow]:
    """The last completed messages (before `before`, when regenerating it), oldest first: only what
    the prompt takes, and the knowledge bases each cites, which decide whether it may go to the
    provider (clearance.history_for)."""
    before_id = before.pk if before is not None else 2**63 - 1
    with connection.cursor() as cursor:
        cursor.execute(
            _HISTORY_SQL, [conversation.pk, MessageStatus.COMPLETED.value, before_id, HISTORY_MESSAGES]
        )
        rows = cursor.fetchall()
    return [HistoryRow(*row) for row in reversed(rows)]


def _retrieve_groups(
    groups: list[list[Any]], question: str, version: AssistantVersion
) -> list[list[RetrievedChunk]]:
    return [_retrieve(group, question, version) for group in groups]


def _retrieve(knowledge_bases: list[Any], question: str, version: AssistantVersion) -> list[RetrievedChunk]:
    if not knowledge_bases:
        return []
    return retrieve(
        knowledge_bases=knowledge_bases,
        query=question,
        top_k=version.top_k,
        min_similarity=version.min_similarity,
    )


def _chat_target(version: AssistantVersion) -> Any:
    from bureau.llm.client import chat_target_for

    return chat_target_for(
        organization_id=version.assistant.organization_id,
        provider_id=version.model_provider_id,
        model_name=version.model_name,
        # Selected with the version (_conversation_of_turn): not read a second time.
        named=version.model_provider if version.model_provider_id is not None else None,
    )


def _bind_tools(
    version: AssistantVersion, actor: Any, conversation: Conversation, knowledge_bases: list[Any]
) -> list[Any]:
    if not version.tools:
        return []
    from assistants.tools import ToolContext, bind_tools

    context = ToolContext(
        organization_id=version.assistant.organization_id,
        knowledge_bases=knowledge_bases,
        actor=actor,
        conversation_id=conversation.pk,
        now=timezone.now(),
    )
    return list(bind_tools(version.tools, context))


# --- stream ---------------------------------------------------------------------------------------


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
        # CPU than the rest of the turn's preparation (several ms for a long conversation) and
        # changes nothing in plain dicts like these. The request body is the same.
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
        stored = ToolCall.objects.create(
            message=turn.answer,
            call_id=call["id"][:100],
            kind="unknown",
            name=call["name"][:100],
            arguments=arguments,
            status="failed",
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
    stored = ToolCall.objects.create(
        message=turn.answer,
        call_id=call["id"][:100],
        kind=tool.kind,
        name=call["name"][:100],
        arguments=arguments,
        result_summary=(result.summary or "")[:4000],
        result=result.data,
        status=result.status,
        error=(result.error or "")[:4000],
        duration_ms=int(getattr(result, "duration_ms", 0) or 0),
    )
    turn.tool_calls.append(stored)
    return content, stored


async def collect(turn: Turn) -> list[ev.Event]:
    return [event async for event in stream_turn(turn)]
