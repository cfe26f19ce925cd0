"""What a turn stores: at its start, the question and the answer to come (store_question); during
it, each tool call (store_tool_call); at its end, the answer with its citations, status, times and
usage, whether it completed, failed or was cut off. And a citation as the events and the audit
export show it."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import psycopg
from django.db import connection, transaction
from django.utils import timezone

from assistants.chat.prompt import markers_used
from assistants.models import Citation, Conversation, Message, MessageStatus, ToolCall, ToolCallStatus
from bureau.tenancy.access import ApiKeyActor
from bureau.tenancy.models import User
from knowledge.search.retrieval import RetrievedChunk

if TYPE_CHECKING:
    from assistants.chat.types import Turn


# The columns a new message is stored with, in the model's order, the id aside (PostgreSQL gives it).
_MESSAGE_FIELDS = [field for field in Message._meta.concrete_fields if not field.primary_key]
_MESSAGE_ROW = "(" + ", ".join(["%s"] * len(_MESSAGE_FIELDS)) + ")"
# The messages go in, and the conversation is touched, by one statement: the UPDATE is a
# data-modifying WITH query, which PostgreSQL runs whether or not the outer query reads it. The
# first question names the conversation: decided here, not from the title read with the
# conversation, which may be a turn old (prepare._conversation_of_turn). The new ids come back in
# the order of the rows, as Django's bulk_create relies on too.
_MESSAGE_COLUMNS = ", ".join(f'"{field.column}"' for field in _MESSAGE_FIELDS)
_STORE_QUESTION = f"""WITH "touched" AS (
    UPDATE "{Conversation._meta.db_table}"
    SET "updated_at" = %s, "title" = CASE WHEN "title" = '' THEN %s ELSE "title" END
    WHERE "id" = %s
)
INSERT INTO "{Message._meta.db_table}" ({_MESSAGE_COLUMNS}) VALUES {{rows}} RETURNING "id"
"""  # noqa: S608 - table and column names come from the models; values are parameters
# Not waiting for the write-ahead log to reach the disk, see store_question.
_ASYNCHRONOUS_COMMIT = "SET LOCAL synchronous_commit TO off"


def store_question(conversation: Conversation, new_messages: list[Message], question: str) -> None:
    """The question (unless regenerating) and the answer to come (their ids set, in this order;
    nothing listens to their saves), with the conversation's time and title.

    One round trip to the database, where the ORM took four (BEGIN, INSERT, UPDATE, COMMIT), all
    before the first token: the statements go as one message, which PostgreSQL runs as one
    transaction. Its commit does not wait for the write-ahead log to reach the disk (an
    asynchronous commit): what that would protect against, the server crashing within the next
    moment, would also cut the answer short. The answer's own commit (finish_turn) waits for the
    disk, and what it writes to the log comes after these rows, so once the answer is safe, so is
    its question. (Each statement committed on its own, waiting for the disk each time, had made the
    time to first token longer under load.)"""
    params: list[Any] = [timezone.now(), question[:80], conversation.pk]
    for message in new_messages:
        params += [
            field.get_db_prep_save(field.pre_save(message, True), connection) for field in _MESSAGE_FIELDS
        ]
    store = _STORE_QUESTION.format(rows=", ".join([_MESSAGE_ROW] * len(new_messages)))
    with connection.cursor() as cursor:
        if connection.in_atomic_block:  # the caller's transaction, and how it commits, are its own
            cursor.execute(store, params)
        elif isinstance(cursor.cursor, psycopg.ClientCursor):
            cursor.execute(f"{_ASYNCHRONOUS_COMMIT}; {store}", params)
            while cursor.description is None and cursor.cursor.nextset():  # past the SET's result
                pass
        else:  # bound by the server, statements go one at a time
            with transaction.atomic():
                cursor.execute(_ASYNCHRONOUS_COMMIT)
                cursor.execute(store, params)
        ids = cursor.fetchall()
    for message, (pk,) in zip(new_messages, ids, strict=True):
        message.pk = pk
        message._state.adding = False
        message._state.db = connection.alias


def finish_turn(turn: Turn, status: str) -> list[Citation]:
    answer = turn.answer
    latency_ms = int((time.monotonic() - turn.started) * 1000)
    cited = markers_used(turn.text, len(turn.passages))
    with transaction.atomic():
        citations = [
            Citation(
                message=answer,
                marker=number,
                chunk_id=p.chunk_id,
                document_id=p.document_id,
                knowledge_base_id=p.knowledge_base_id,
                document_title=p.document_title[:500],
                heading_path=p.heading_path,
                page_start=p.page_start,
                page_end=p.page_end,
                snippet=p.text[:4000],
                scores=_scores(p),
            )
            for number in cited
            for p in [turn.passages[number - 1]]
        ]
        Citation.objects.bulk_create(citations)
        Message.objects.filter(pk=answer.pk).update(
            content=turn.text,
            status=status,
            prompt_tokens=turn.prompt_tokens,
            completion_tokens=turn.completion_tokens,
            ttft_ms=turn.ttft_ms,
            latency_ms=latency_ms,
            redactions=turn.redactor.counts,
        )
        _record_usage(turn, latency_ms)
    answer.latency_ms, answer.status, answer.content = latency_ms, status, turn.text
    return citations


def store_failure(turn: Turn, reason: str) -> None:
    latency_ms = int((time.monotonic() - turn.started) * 1000)
    Message.objects.filter(pk=turn.answer.pk).update(
        content=turn.text,
        status=MessageStatus.FAILED,
        error=reason,
        latency_ms=latency_ms,
        prompt_tokens=turn.prompt_tokens,
        completion_tokens=turn.completion_tokens,
        ttft_ms=turn.ttft_ms,
        redactions=turn.redactor.counts,
    )


def store_interrupted(turn: Turn) -> None:
    Message.objects.filter(pk=turn.answer.pk, status=MessageStatus.STREAMING).update(
        content=turn.text,
        status=MessageStatus.STOPPED,
        error="the client disconnected before the end",
        latency_ms=int((time.monotonic() - turn.started) * 1000),
        ttft_ms=turn.ttft_ms,
        redactions=turn.redactor.counts,
    )


def _record_usage(turn: Turn, latency_ms: int) -> None:
    try:
        from bureau.audit.usage import usage_record
    except ImportError:  # the ledger arrives with its own change
        return
    assistant = turn.version.assistant
    usage_record(
        organization_id=assistant.organization_id,
        department_id=assistant.department_id,
        assistant_id=assistant.pk,
        conversation_id=turn.conversation.pk,
        message_id=turn.answer.pk,
        user_id=turn.actor.pk if isinstance(turn.actor, User) else None,
        api_key_id=turn.actor.api_key.pk if isinstance(turn.actor, ApiKeyActor) else None,
        model=turn.answer.model,
        prompt_tokens=turn.prompt_tokens,
        completion_tokens=turn.completion_tokens,
        latency_ms=latency_ms,
        ttft_ms=turn.ttft_ms,
    )


def _scores(passage: RetrievedChunk) -> dict[str, Any]:
    return {
        "score": passage.score,
        "vector_similarity": passage.vector_similarity,
        "vector_rank": passage.vector_rank,
        "keyword_score": passage.keyword_score,
        "keyword_rank": passage.keyword_rank,
        "legal_match": passage.legal_match,
    }


def citation_data(citation: Citation) -> dict[str, Any]:
    return {
        "marker": citation.marker,
        "chunk_id": citation.chunk_id,
        "document_id": citation.document_id,
        "knowledge_base_id": citation.knowledge_base_id,
        "document_title": citation.document_title,
        "heading_path": citation.heading_path,
        "page_start": citation.page_start,
        "page_end": citation.page_end,
        "snippet": citation.snippet,
        "scores": citation.scores,
    }


def store_tool_call(
    turn: Turn,
    *,
    call_id: str,
    kind: str,
    name: str,
    arguments: dict[str, Any],
    status: ToolCallStatus,
    result_summary: str,
    error: str,
    result: Any = None,
    duration_ms: int = 0,
) -> ToolCall:
    """A tool call the model made in this turn, as it ran (or why it could not)."""
    return ToolCall.objects.create(
        message=turn.answer,
        call_id=call_id,
        kind=kind,
        name=name,
        arguments=arguments,
        result_summary=result_summary,
        result=result,
        status=status,
        error=error,
        duration_ms=duration_ms,
    )
