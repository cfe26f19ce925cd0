"""Writes for assistants: create, update, delete, duplicate, export and import, sharing. The draft
and its versions live in assistants.catalog.versions. Each write validates, changes the rows inside one
transaction and records its audit event in that same transaction."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from assistants.catalog.versions import SCALAR_FIELDS, apply_config, copy_of, public_tools, version_config
from assistants.models import (
    Assistant,
    AssistantShare,
    AssistantVersion,
    Conversation,
    PiiRedaction,
    VersionState,
)
from bureau.audit.services import audit_record, diff
from bureau.exceptions import Conflict, PermissionDenied, ValidationFailed
from bureau.llm.models import ModelProvider
from bureau.tenancy.models import Department, User
from knowledge.models import KnowledgeBase, Visibility
from knowledge.search.text_normalization import fold
from knowledge.selectors import knowledge_base_split_usable_in

EXPORT_FORMAT = "bureau.assistant/v1"
SLUG_LENGTH = 100
ASSISTANT_FIELDS = ("name", "slug", "description", "avatar", "visibility", "pii_redaction")


def _state(assistant: Assistant) -> dict[str, Any]:
    return {name: getattr(assistant, name) for name in ASSISTANT_FIELDS}


def _audit(actor: Any, assistant: Assistant, action: str, **values: Any) -> None:
    audit_record(
        actor=actor,
        organization=assistant.organization_id,
        department=assistant.department_id,
        action=action,
        target=assistant,
        target_label=assistant.name,
        **values,
    )


def unique_slug(*, organization_id: int, name: str) -> str:
    """From the name with Vietnamese letters folded ("Hỏi đáp" → "hoi-dap"), unique in the
    organization by a numeric suffix (-2, -3, …)."""
    base = slugify(fold(name))[: SLUG_LENGTH - 6].strip("-") or "assistant"
    taken = set(
        Assistant.objects.filter(organization_id=organization_id, slug__startswith=base).values_list(
            "slug", flat=True
        )
    )
    slug, n = base, 1
    while slug in taken:
        n += 1
        slug = f"{base}-{n}"
    return slug


def _check_fields(values: dict[str, Any]) -> None:
    if "name" in values and not str(values["name"]).strip():
        raise ValidationFailed(details={"name": [_("A name is required.")]})
    if "visibility" in values and values["visibility"] not in Visibility.values:
        raise ValidationFailed(details={"visibility": [_("Unknown visibility.")]})
    if "pii_redaction" in values and values["pii_redaction"] not in PiiRedaction.values:
        raise ValidationFailed(details={"pii_redaction": [_("Unknown redaction setting.")]})
    slug = values.get("slug")
    if slug is not None and (not slug or slugify(slug) != slug or len(slug) > SLUG_LENGTH):
        raise ValidationFailed(
            details={"slug": [_("A slug has lowercase letters, digits and hyphens only.")]}
        )


def _new_assistant(
    *,
    actor: Any,
    department: Department,
    name: str,
    description: str = "",
    avatar: str = "",
    visibility: str = Visibility.DEPARTMENT,
    slug: str | None = None,
) -> tuple[Assistant, AssistantVersion]:
    """The rows of a new assistant and its empty draft; the caller records the audit event."""
    _check_fields({"name": name, "visibility": visibility, "slug": slug})
    organization_id = department.organization_id
    if slug and Assistant.objects.filter(organization_id=organization_id, slug=slug).exists():
        raise Conflict(_("Another assistant already uses this slug."), details={"slug": [slug]})
    user = actor if isinstance(actor, User) else None
    assistant = Assistant.objects.create(
        organization_id=organization_id,
        department=department,
        name=name.strip(),
        slug=slug or unique_slug(organization_id=organization_id, name=name),
        description=description,
        avatar=avatar,
        visibility=visibility,
        created_by=user,
    )
    draft = AssistantVersion.objects.create(assistant=assistant, state=VersionState.DRAFT, created_by=user)
    return assistant, draft


@transaction.atomic
def assistant_create(*, actor: Any, department: Department, name: str, **values: Any) -> Assistant:
    """A new assistant with its empty draft. `values`: description, avatar, visibility, slug."""
    assistant, _draft_row = _new_assistant(actor=actor, department=department, name=name, **values)
    _audit(actor, assistant, "assistant.create", after=_state(assistant))
    return assistant


@transaction.atomic
def assistant_update(*, actor: Any, assistant: Assistant, **changes: Any) -> Assistant:
    """Changes among name, slug, description, avatar, visibility and pii_redaction."""
    assistant = Assistant.objects.select_for_update().get(pk=assistant.pk)
    _check_fields(changes)
    if changes.get("pii_redaction") == PiiRedaction.NEVER and assistant.pii_redaction != PiiRedaction.NEVER:
        from bureau.tenancy.access import access_of

        # Sending personal data unredacted outside the organization is the organization's call.
        if not access_of(actor).is_org_admin(assistant.organization_id):
            raise PermissionDenied(_("Only organization admins can turn off personal data redaction."))
    before = _state(assistant)
    for name in ASSISTANT_FIELDS:
        if name in changes:
            setattr(assistant, name, changes[name].strip() if name == "name" else changes[name])
    try:
        with transaction.atomic():
            assistant.save()
    except IntegrityError:
        raise Conflict(
            _("Another assistant already uses this slug."), details={"slug": [assistant.slug]}
        ) from None
    old, new = diff(before, _state(assistant))
    if new:
        _audit(actor, assistant, "assistant.update", before=old, after=new)
    return assistant


@transaction.atomic
def assistant_delete(*, actor: Any, assistant: Assistant) -> None:
    """Deletes the assistant, its versions and its conversations, unless something is on legal hold."""
    assistant = Assistant.objects.select_for_update().get(pk=assistant.pk)
    conversations = Conversation.objects.filter(assistant=assistant)
    if assistant.legal_hold or conversations.filter(legal_hold=True).exists():
        raise Conflict(_("This assistant or one of its conversations is on legal hold."))
    _audit(
        actor,
        assistant,
        "assistant.delete",
        before={**_state(assistant), "conversations": conversations.count()},
    )
    # Conversations protect the version they are pinned to: they go first, each with the knowledge
    # base of its attachments (linked by scope, not by a foreign key, so no cascade reaches it).
    from assistants.conversations.attachments import attachments_delete_for

    for conversation in conversations.filter(pk__in=_conversations_with_attachments(assistant)):
        attachments_delete_for(conversation, actor=actor)
    conversations.delete()
    assistant.delete()


def _conversations_with_attachments(assistant: Assistant) -> list[int]:
    from assistants.conversations.attachments import scope_of
    from knowledge.models import KnowledgeBase

    ids = list(Conversation.objects.filter(assistant=assistant).values_list("pk", flat=True))
    scoped = set(
        KnowledgeBase.objects.filter(scope__in=[scope_of(pk) for pk in ids]).values_list("scope", flat=True)
    )
    return [pk for pk in ids if scope_of(pk) in scoped]


def _draft(assistant: Assistant) -> AssistantVersion:
    draft = assistant.versions.select_related("assistant").get(state=VersionState.DRAFT)
    draft.assistant = assistant
    return draft


@dataclass
class CopyResult:
    """A new assistant made from another's configuration (duplicate, import) and what could not come
    along, in words for the person who made it."""

    assistant: Assistant
    warnings: list[str] = field(default_factory=list)


def knowledge_left_behind(dropped: list[KnowledgeBase], department: Department) -> list[str]:
    return [
        _("Knowledge base “%(name)s” was left out: %(department)s may not use it.")
        % {"name": kb.name, "department": department.name}
        for kb in dropped
    ]


@transaction.atomic
def assistant_duplicate(*, actor: Any, source: Assistant, department: Department) -> CopyResult:
    """A new assistant whose draft is a copy of the source's draft (secrets included: they stay on
    the server). Its sharing is not copied, and neither is knowledge that the actor may not use in
    `department` (a copy must not carry a department's knowledge out of it): it is named in the
    warnings, and in an event in the source department's log."""
    copy, draft = _new_assistant(
        actor=actor,
        department=department,
        name=_("%s (copy)") % source.name[:180],
        description=source.description,
        avatar=source.avatar,
        visibility=source.visibility,
    )
    changes = copy_of(_draft(source))
    usable, dropped = knowledge_base_split_usable_in(
        actor=actor, department=department, ids=changes["knowledge_base_ids"]
    )
    changes["knowledge_base_ids"] = [kb.pk for kb in usable]
    apply_config(actor=actor, draft=draft, changes=changes, check_access=False)
    if source.pii_redaction == PiiRedaction.ALWAYS:
        # A stricter setting travels with the copy; "never" was an org admin's call for the source only.
        copy.pii_redaction = PiiRedaction.ALWAYS
        copy.save(update_fields=["pii_redaction"])
    warnings = knowledge_left_behind(dropped, department)
    # The source's department learns that its assistant was copied, where, and what stayed behind.
    _audit(
        actor,
        source,
        "assistant.duplicated",
        after={
            "copy": copy.pk,
            "department": department.name,
            "dropped_knowledge_bases": [{"id": kb.pk, "name": kb.name} for kb in dropped],
        },
    )
    after = {**_state(copy), "source": source.pk, "config": version_config(draft), "warnings": warnings}
    _audit(actor, copy, "assistant.duplicate", after=after)
    return CopyResult(copy, warnings)


# --- export and import ----------------------------------------------------------------------------


def assistant_export(*, assistant: Assistant, version: AssistantVersion) -> dict[str, Any]:
    """A JSON document that `assistant_import` reads back. Never any secret."""
    config = {name: getattr(version, name) for name in SCALAR_FIELDS}
    provider = version.model_provider
    config["model_provider"] = {"id": provider.pk, "name": provider.name} if provider else None
    config["tools"] = public_tools(version.tools)
    config["knowledge_bases"] = [
        {"id": kb.pk, "name": kb.name} for kb in version.knowledge_bases.order_by("pk")
    ]
    return {
        "format": EXPORT_FORMAT,
        "exported_at": timezone.now().isoformat(),
        "assistant": {
            name: getattr(assistant, name) for name in ("name", "slug", "description", "avatar", "visibility")
        },
        "version": version.number,
        "config": config,
    }


def _import_knowledge_bases(actor: Any, department: Department, refs: Any, warnings: list[str]) -> list[int]:
    """Relink the knowledge bases the importer may use in `department`; name the others in the
    warnings. When they mix embedding models, keep those sharing the first one's."""
    wanted = {
        ref["id"]: ref.get("name", "")
        for ref in refs
        if isinstance(ref, dict) and isinstance(ref.get("id"), int)
    }
    usable, dropped = knowledge_base_split_usable_in(actor=actor, department=department, ids=list(wanted))
    warnings.extend(knowledge_left_behind(dropped, department))
    found = {kb.pk for kb in usable} | {kb.pk for kb in dropped}
    warnings.extend(
        _("Knowledge base “%s” was not linked: it does not exist here.") % (name or pk)
        for pk, name in wanted.items()
        if pk not in found
    )
    kept: list[int] = []
    profile = None
    for kb in usable:
        this = (kb.embedding_provider, kb.embedding_model, kb.embedding_dimension)
        if profile is not None and this != profile:
            warnings.append(
                _("Knowledge base “%s” was not linked: it uses another embedding model.") % kb.name
            )
            continue
        profile = this
        kept.append(kb.pk)
    return kept


def _import_changes(
    actor: Any, department: Department, config: dict[str, Any], warnings: list[str]
) -> dict[str, Any]:
    changes: dict[str, Any] = {name: config[name] for name in SCALAR_FIELDS if name in config}
    provider = config.get("model_provider")
    if isinstance(provider, dict):
        provider_id = provider.get("id") if isinstance(provider.get("id"), int) else -1
        found = (
            ModelProvider.objects.filter(organization_id=department.organization_id)
            .filter(Q(pk=provider_id) | Q(name=provider.get("name")))
            .order_by("pk")
            .first()
        )
        changes["model_provider"] = found.pk if found else None
        if found is None:
            warnings.append(
                _("Model provider “%s” does not exist here: the default is used.") % provider.get("name")
            )
            changes["model_name"] = ""
    tools = [t for t in config.get("tools") or [] if isinstance(t, dict)]
    changes["tools"] = [{k: v for k, v in t.items() if k != "has_secret"} for t in tools]
    warnings.extend(
        _("Tool “%s” needs its secret entered again.") % t.get("name") for t in tools if t.get("has_secret")
    )
    changes["knowledge_base_ids"] = _import_knowledge_bases(
        actor, department, config.get("knowledge_bases") or [], warnings
    )
    return changes


@transaction.atomic
def assistant_import(*, actor: Any, department: Department, document: Any) -> CopyResult:
    """A new assistant from an export. What cannot come along (knowledge bases the importer may not
    use, secrets, an unknown model provider) is left out and named in the warnings."""
    if not isinstance(document, dict) or document.get("format") != EXPORT_FORMAT:
        raise ValidationFailed(
            details={"format": [_("Expected an export in the format %s.") % EXPORT_FORMAT]}
        )
    meta, config = document.get("assistant"), document.get("config")
    if not isinstance(meta, dict) or not isinstance(config, dict):
        raise ValidationFailed(details={"assistant": [_("The export has no assistant or configuration.")]})
    warnings: list[str] = []
    changes = _import_changes(actor, department, config, warnings)
    assistant, draft = _new_assistant(
        actor=actor,
        department=department,
        name=str(meta.get("name") or ""),
        description=str(meta.get("description") or ""),
        avatar=str(meta.get("avatar") or "")[:16],
        visibility=meta.get("visibility") or Visibility.DEPARTMENT,
    )
    apply_config(actor=actor, draft=draft, changes=changes)
    after = {**_state(assistant), "config": version_config(draft), "warnings": warnings}
    _audit(actor, assistant, "assistant.import", after=after)
    return CopyResult(assistant, warnings)


# --- sharing --------------------------------------------------------------------------------------


def _share_state(share: AssistantShare) -> dict[str, Any]:
    return {
        "user": share.user.email if share.user else None,
        "department": share.department_id,
        "role": share.role,
    }


@transaction.atomic
def share_add(
    *,
    actor: Any,
    assistant: Assistant,
    role: str,
    email: str | None = None,
    department_id: int | None = None,
) -> AssistantShare:
    """Share with one user (by email, who must belong to the organization) or one department of
    the organization; sharing again with the same one changes the role."""
    if (email is None) == (department_id is None):
        raise ValidationFailed(
            details={"non_field_errors": [_("Share with either a person or a department.")]}
        )
    target: dict[str, Any]
    if email is not None:
        user = User.objects.filter(
            email__iexact=email.strip(), memberships__department__organization_id=assistant.organization_id
        ).first()
        if user is None:
            raise ValidationFailed(
                details={"email": [_("No one with this email belongs to the organization.")]}
            )
        target = {"user": user}
    else:
        department = Department.objects.filter(
            pk=department_id or -1, organization_id=assistant.organization_id
        ).first()
        if department is None:
            raise ValidationFailed(details={"department": [_("Unknown department.")]})
        if department.pk == assistant.department_id:
            raise ValidationFailed(details={"department": [_("The owner department already has access.")]})
        target = {"department": department}
    share, created = AssistantShare.objects.update_or_create(
        assistant=assistant, **target, defaults={"role": role}
    )
    _audit(actor, assistant, "assistant.share_add", after={**_share_state(share), "created": created})
    return share


@transaction.atomic
def share_remove(*, actor: Any, share: AssistantShare) -> None:
    _audit(actor, share.assistant, "assistant.share_remove", before=_share_state(share))
    share.delete()
