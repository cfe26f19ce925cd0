"""Conversations: who may read them (their owner only), and the writes around messages that are not
the answer itself (create, rename, delete, feedback, stop)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from assistants.conversations.attachments import attachments_delete_for, scope_of
from assistants.models import (
    Assistant,
    AssistantVersion,
    Conversation,
    Feedback,
    Message,
    MessageRole,
    MessageStatus,
    VersionState,
)
from bureau.audit.services import audit_record
from bureau.exceptions import Conflict, NotFound, ValidationFailed
from bureau.ids import as_id
from bureau.tenancy.access import ApiKeyActor
from bureau.tenancy.conditions import NOTHING, Condition
from bureau.tenancy.models import User
from knowledge.models import Document, KnowledgeBase

STOP_KEY = "chat:stop:{}"


def conversation_owner_condition(actor: Any) -> Condition:
    """Whose conversation it is: a person's, or (with no person) an API key's. The one rule for the
    lists, the chat turn's written-out read and oversight's check of an owner."""
    if isinstance(actor, ApiKeyActor):
        key = actor.api_key.pk
        return Condition(
            q=Q(api_key_id=key, user__isnull=True),
            sql='{t}."api_key_id" = %s AND {t}."user_id" IS NULL',
            params=(key,),
        )
    if isinstance(actor, User):
        return Condition(q=Q(user_id=actor.pk), sql='{t}."user_id" = %s', params=(actor.pk,))
    return NOTHING


def conversation_list_for(*, actor: Any, assistant_id: int | None = None) -> QuerySet[Conversation]:
    """A person's own conversations; nobody reads someone else's through this API."""
    conversations = Conversation.objects.filter(conversation_owner_condition(actor).q).select_related(
        "assistant", "version"
    )
    if assistant_id is not None:
        conversations = conversations.filter(assistant_id=assistant_id)
    return conversations


def conversation_get_for(*, actor: Any, conversation_id: int | str) -> Conversation:
    conversation = conversation_list_for(actor=actor).filter(pk=as_id(conversation_id)).first()
    if conversation is None:
        raise NotFound(_("Conversation not found."))
    return conversation


def conversation_row_for_turn(*, actor: Any, conversation_id: int | str) -> Conversation:
    """As conversation_get_for, for a chat turn: the conversation's row alone (the turn has its
    version, assistant and provider remembered by version, see assistants/chat/prepare.py), and
    `attachments_searchable`, whether its attachments have something to search (as
    attachments.attachment_knowledge_bases finds), and `attachments_unready`, whether one has
    nothing indexed yet (as attachments.unready_attachments finds). A first turn in a new
    conversation reads just this, in one round trip."""
    pk = as_id(conversation_id)  # -1, which no row has, for an id that is not a number
    owner, owner_params = conversation_owner_condition(actor).where("c")
    with connection.cursor() as cursor:
        cursor.execute(_ROW_SQL + owner, [scope_of(pk), scope_of(pk), pk, *owner_params])
        row = cursor.fetchone()
    if row is None:
        raise NotFound(_("Conversation not found."))
    conversation = Conversation.from_db(connection.alias, _ROW_FIELDS, row[:-2])
    conversation.attachments_searchable = row[-2]  # type: ignore[attr-defined]
    conversation.attachments_unready = row[-1]  # type: ignore[attr-defined]
    return conversation


# conversation_row_for_turn's statement, written out: compiled by the ORM, the same query (with the
# attachments' EXISTS) took longer to build than to run, on the way to a new conversation's first
# token (docs/performance.md). The owner condition is conversation_owner_condition's.
_ROW_COLUMNS = Conversation._meta.concrete_fields
_ROW_FIELDS = [field.attname for field in _ROW_COLUMNS]
_ROW_SQL = f"""SELECT {", ".join(f'c."{field.column}"' for field in _ROW_COLUMNS)}, EXISTS(
    SELECT 1 FROM "{Document._meta.db_table}" d
    JOIN "{KnowledgeBase._meta.db_table}" k ON k."id" = d."knowledge_base_id"
    WHERE k."scope" = %s AND d."enabled" AND d."active_generation" > 0
), EXISTS(
    SELECT 1 FROM "{Document._meta.db_table}" d
    JOIN "{KnowledgeBase._meta.db_table}" k ON k."id" = d."knowledge_base_id"
    WHERE k."scope" = %s AND d."enabled" AND d."active_generation" = 0
) FROM "{Conversation._meta.db_table}" c WHERE c."id" = %s AND """  # noqa: S608 - names from the models


def message_get_for(*, actor: Any, conversation_id: int | str, message_id: int | str) -> Message:
    conversation = conversation_get_for(actor=actor, conversation_id=conversation_id)
    message = Message.objects.filter(conversation=conversation, pk=as_id(message_id)).first()
    if message is None:
        raise NotFound(_("Message not found."))
    return message


def version_for_new_conversation(*, actor: Any, assistant: Assistant, preview: bool) -> AssistantVersion:
    """The published version, or, for someone who may edit the assistant, the draft (preview)."""
    if preview:
        from assistants.catalog.selectors import assistant_get_for

        assistant_get_for(actor=actor, assistant_id=assistant.pk, write=True)
        draft = assistant.versions.filter(state=VersionState.DRAFT).first()
        if draft is None:
            raise Conflict(_("This assistant has no draft."))
        return draft
    if assistant.published_version is None:
        raise Conflict(_("This assistant has not been published yet."))
    return assistant.published_version


@transaction.atomic
def conversation_create(
    *, actor: Any, assistant: Assistant, preview: bool = False, title: str = ""
) -> Conversation:
    version = version_for_new_conversation(actor=actor, assistant=assistant, preview=preview)
    conversation = Conversation.objects.create(
        assistant=assistant,
        version=version,
        title=title[:300],
        user=actor if isinstance(actor, User) else None,
        api_key=actor.api_key if isinstance(actor, ApiKeyActor) else None,
    )
    if preview:
        # Chatting with an unpublished draft is an editor's act worth tracing: the audit log tells
        # previews from the use of published versions.
        audit_record(
            actor=actor,
            organization=assistant.organization_id,
            department=assistant.department_id,
            action="conversation.preview_start",
            target=conversation,
            after={"assistant": assistant.pk, "draft": version.pk, "preview": True},
            target_label=assistant.name,
        )
    return conversation


@transaction.atomic
def conversation_rename(*, actor: Any, conversation: Conversation, title: str) -> Conversation:
    conversation.title = title.strip()[:300]
    conversation.save(update_fields=["title", "updated_at"])
    return conversation


@transaction.atomic
def conversation_delete(*, actor: Any, conversation: Conversation) -> None:
    if conversation.legal_hold or conversation.assistant.legal_hold:
        raise Conflict(_("This conversation is under legal hold and cannot be deleted."))
    assistant = conversation.assistant
    audit_record(
        actor=actor,
        organization=assistant.organization_id,
        department=assistant.department_id,
        action="conversation.delete",
        target=conversation,
        before={"assistant": assistant.pk, "messages": conversation.messages.count()},
    )
    attachments_delete_for(conversation, actor=actor)
    conversation.delete()


@transaction.atomic
def feedback_give(*, actor: Any, message: Message, rating: str, comment: str = "") -> Feedback:
    if not isinstance(actor, User):
        raise ValidationFailed(_("Feedback comes from people, not API keys."))
    if message.role != MessageRole.ASSISTANT:
        raise ValidationFailed(_("Only answers can be rated."))
    feedback, _created = Feedback.objects.update_or_create(
        message=message, user=actor, defaults={"rating": rating, "comment": comment[:4000]}
    )
    return feedback


def message_stop(*, actor: Any, message: Message) -> None:
    """Ask the stream producing this answer to stop; it checks between deltas, in whichever web
    process it runs, so the flag lives in the shared cache."""
    if message.status not in (MessageStatus.PENDING, MessageStatus.STREAMING):
        raise Conflict(_("This answer is not being written."))
    cache.set(STOP_KEY.format(message.pk), True, timeout=600)


# An answer streams for minutes at most; one still "streaming" after this was cut off by a web
# process that stopped (deploy, crash) before it could record the end.
INTERRUPTED_AFTER = timedelta(minutes=15)


def messages_sweep_interrupted() -> int:
    """Closes answers left streaming by a web process that died, keeping what was written."""
    cutoff = timezone.now() - INTERRUPTED_AFTER
    return Message.objects.filter(
        status__in=[MessageStatus.PENDING, MessageStatus.STREAMING], created_at__lt=cutoff
    ).update(status=MessageStatus.FAILED, error="the server stopped while this answer was being written")
