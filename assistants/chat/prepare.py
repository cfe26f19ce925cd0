"""One turn of a conversation, prepared: load the pinned version (checked that the asker may still
use it), admit it under the quotas, take the question, search the knowledge the provider may
receive while the history is read and the question stored, and build the prompt. The stream
(stream.py) answers it; storing.py stores it. Database work runs in threads; the stream itself is
async, so many concurrent answers do not hold a worker each.

A file attached to the conversation and still being indexed is waited for (waiting.py): asked to
(`wait_for_attachments`), prepare_turn stops before storing anything and raises AttachmentsPending;
the caller waits without a thread or a connection and prepares the turn again.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, NamedTuple

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from assistants.chat.db import beside
from assistants.chat.knowledge import VersionKnowledge, left_out_notice, version_knowledge_for
from assistants.chat.prompt import build_messages, system_prompt
from assistants.chat.redaction import redacted_history, redacted_passages, redaction_for
from assistants.chat.storing import (
    store_question,
)
from assistants.chat.types import Turn
from assistants.conversations import attachments
from assistants.conversations.attachments import UnreadyAttachment
from assistants.conversations.services import conversation_row_for_turn
from assistants.models import (
    AssistantVersion,
    Citation,
    Conversation,
    Message,
    MessageRole,
    MessageStatus,
)
from assistants.review import clearance
from bureau.exceptions import NotFound, ValidationFailed
from bureau.ids import as_id
from bureau.quotas.services import chat_turn_admit
from bureau.runtime import memo
from bureau.security.pii import Redactor
from bureau.tenancy.access import ApiKeyActor
from knowledge.search.retrieval import RetrievedChunk, retrieve

MAX_QUESTION_CHARS = 8_000


class AttachmentsPending(Exception):
    """The conversation has attachments still being indexed; nothing of the turn is stored yet."""

    def __init__(self, conversation_id: int, unready: list[UnreadyAttachment]) -> None:
        super().__init__(f"conversation {conversation_id}: attachments being indexed")
        self.conversation_id = conversation_id
        self.unready = unready


def prepare_turn(
    *,
    actor: Any,
    conversation_id: int | str,
    question: str,
    regenerate_message_id: int | str | None = None,
    history: list[tuple[str, str]] | None = None,
    max_tokens: int | None = None,
    temperature: float | None = None,
    wait_for_attachments: bool = False,
) -> Turn:
    """`history` replaces the stored one (the OpenAI-compatible API sends the whole conversation);
    `max_tokens` lowers the version's limit, `temperature` replaces the version's. With
    `wait_for_attachments`, raises AttachmentsPending, once the turn is admitted and its question
    checked, when an attachment is still being indexed; without, the answer says which attachment
    it could not use and why."""
    started = time.monotonic()
    conversation, knowledge = _conversation_of_turn(actor, conversation_id)
    _admit(actor, conversation)
    question, regenerated_from = _question_of_turn(conversation, question, regenerate_message_id)
    # Whether an attachment had nothing indexed when the conversation's row was read (and remembered).
    some_unready = getattr(conversation, "attachments_unready", True)  # conversation_row_for_turn
    unready = attachments.unready_attachments(conversation.pk) if some_unready else []
    if wait_for_attachments and any(attachment.in_progress for attachment in unready):
        raise AttachmentsPending(conversation.pk, unready)
    version = conversation.version  # selected with the conversation, as is its assistant
    target = _chat_target(version)
    sources = _sources_of_turn(target, knowledge, conversation, fresh=some_unready)
    # The search, the longest wait before the first token, runs in another database thread while
    # this one reads the history and stores the question.
    searched = beside(_retrieve_groups, sources.groups, question, version)
    if history is None:
        history = clearance.history_for(
            target, _history(conversation, before=regenerated_from), known_bases=sources.known
        )
    tools = _bind_tools(version, actor, conversation, sources.searchable) if target is not None else []
    answer = _store_question(conversation, question, target, regenerated_from)
    passages = attachments.merge_passages(searched(), top_k=version.top_k)
    refusal = _refusal(version, answer, sources, passages)
    redactor = redaction_for(version, target)
    return Turn(
        actor=actor,
        conversation=conversation,
        version=version,
        question=question,
        answer=answer,
        target=target,
        prompt=_prompt(version, redactor, passages, history, question),
        passages=passages,
        tools=tools,
        refusal=refusal,
        started=started,
        redactor=redactor,
        notice=_notice(target, sources, unready),
        unavailable_attachments=unready,
        max_tokens=min(max_tokens, version.max_tokens) if max_tokens is not None else None,
        temperature=temperature,
    )


def _admit(actor: Any, conversation: Conversation) -> None:
    chat_turn_admit(
        actor=actor,
        organization_id=conversation.assistant.organization_id,
        department_id=conversation.assistant.department_id,
    )


def _question_of_turn(
    conversation: Conversation, question: str, regenerate_message_id: int | str | None
) -> tuple[str, Message | None]:
    """The question asked, or, when regenerating an answer, the one that answer answered; checked."""
    question = (question or "").strip()
    regenerated_from = None
    if regenerate_message_id is not None:
        regenerated_from = Message.objects.filter(
            conversation=conversation, pk=as_id(regenerate_message_id), role=MessageRole.ASSISTANT
        ).first()
        if regenerated_from is None:
            raise NotFound(_("Message not found."))
        asked = conversation.messages.filter(role=MessageRole.USER, id__lt=regenerated_from.pk).last()
        question = asked.content if asked else ""
    if not question:
        raise ValidationFailed(details={"content": [_("Write a question.")]})
    if len(question) > MAX_QUESTION_CHARS:
        raise ValidationFailed(details={"content": [_("The question is too long.")]})
    return question, regenerated_from


@dataclass
class _Sources:
    """The knowledge a turn may search, split by the classification policy, checked at each turn
    against the provider's clearance of now: a knowledge base the provider may not receive is not
    searched, by retrieval or tool (see assistants/review/clearance.py)."""

    knowledge: VersionKnowledge  # the version's bases, by whether the asker may open them
    cleared: list[Any]  # of those the asker may open, what the provider may receive
    withheld: list[Any]  # and what it may not
    attachments: list[Any]  # the conversation's attachment base, when it has something to search
    attached: list[Any]  # of that, what the provider may receive
    withheld_attached: list[Any]  # and what it may not

    @property
    def groups(self) -> list[list[Any]]:
        return attachments.retrieval_groups(self.cleared, self.attached)

    @property
    def searchable(self) -> list[Any]:
        """What the tools may search: the cleared bases and attachments."""
        return [*self.cleared, *self.attached]

    @property
    def known(self) -> list[Any]:
        """The bases the history's citations may name and the asker may open."""
        return [*self.knowledge.readable, *self.attachments]

    @property
    def any(self) -> bool:
        """Whether the assistant answers from knowledge at all (searched or not)."""
        return bool(
            self.knowledge.readable or self.knowledge.unreadable or self.attached or self.withheld_attached
        )


def _sources_of_turn(
    target: Any, knowledge: VersionKnowledge, conversation: Conversation, *, fresh: bool
) -> _Sources:
    cleared, withheld = clearance.split_for(target, knowledge.readable)
    attachment_bases = _attachments_of_turn(conversation, fresh=fresh)
    attached, withheld_attached = clearance.split_for(target, attachment_bases)
    return _Sources(knowledge, cleared, withheld, attachment_bases, attached, withheld_attached)


def _store_question(
    conversation: Conversation, question: str, target: Any, regenerated_from: Message | None
) -> Message:
    """Stores the question (unless regenerating) and the answer to come, which it returns."""
    answer = Message(
        conversation=conversation,
        role=MessageRole.ASSISTANT,
        status=MessageStatus.STREAMING,
        extractive=target is None,  # unless it turns out to be the refusal (_refusal)
        regenerated_from=regenerated_from,
        model=getattr(target, "model", "") or "",
    )
    new_messages = [answer]
    if regenerated_from is None:
        new_messages.insert(0, Message(conversation=conversation, role=MessageRole.USER, content=question))
    store_question(conversation, new_messages, question)
    return answer


def _refusal(
    version: AssistantVersion, answer: Message, sources: _Sources, passages: list[RetrievedChunk]
) -> str | None:
    """The version's refusal, when it answers only from its knowledge and the search found nothing."""
    if not (version.knowledge_only and sources.any and not passages):
        return None
    if answer.extractive:  # no provider: the refusal is not an extract of the documents
        answer.extractive = False
        Message.objects.filter(pk=answer.pk).update(extractive=False)
    return version.refusal_message or _("I could not find this in the documents.")


def _prompt(
    version: AssistantVersion,
    redactor: Redactor,
    passages: list[RetrievedChunk],
    history: list[tuple[str, str]],
    question: str,
) -> list[dict[str, Any]]:
    system = system_prompt(
        instructions=redactor.redact(version.instructions),
        passages=redacted_passages(redactor, passages),
        knowledge_only=version.knowledge_only,
        refusal_message=redactor.redact(version.refusal_message),
    )
    return build_messages(
        system=system, history=redacted_history(redactor, history), question=redactor.redact(question)
    )


def _notice(target: Any, sources: _Sources, unready: list[UnreadyAttachment]) -> str:
    """What opens the answer: the knowledge left out for this asker, what this provider may not
    receive, and the attached files it could not use yet."""
    notes = (
        left_out_notice(sources.knowledge.unreadable),
        clearance.withheld_notice(target, sources.withheld + sources.withheld_attached),
        *(
            _("The attached file “%(name)s” is not used in this answer: %(reason)s.")
            % {"name": attachment.filename, "reason": attachment.reason}
            for attachment in unready
        ),
    )
    return " ".join(note for note in notes if note)


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

    conversation = memo.remember(("chat-turn", who, as_id(conversation_id)), load)
    knowledge = memo.remember(("chat-version", who, conversation.version_id), usable_knowledge)
    return conversation, knowledge


def _version(conversation: Conversation) -> AssistantVersion:
    """The conversation's version, with its assistant and provider: a conversation is pinned to a
    version of its own assistant, so the version's assistant is the conversation's."""
    return AssistantVersion.objects.select_related("assistant", "model_provider").get(
        pk=conversation.version_id
    )


def _attachments_of_turn(conversation: Conversation, *, fresh: bool) -> list[Any]:
    """The conversation's attachment base when it has something to search (which the conversation's
    row says, see conversation_row_for_turn); remembered as _conversation_of_turn is (an upload, a
    deletion and the end of indexing are audited). `fresh` when an attachment was not indexed yet
    as that row was read: it may have been read just before the indexing ended, as the turn waited."""
    if fresh:
        return attachments.attachment_knowledge_bases(conversation)
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


# Written out, not built with the ORM each turn: building and compiling the query cost several
# times the CPU of running it (docs/performance.md).
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
