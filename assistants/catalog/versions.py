"""The draft and its versions: validating and editing the draft, publishing it as an immutable
numbered version, rolling back, comparing versions.

A version's configuration has one canonical JSON form (`version_config`): the audit log's diffs,
the versions API's diffs, exports and the config hash all come from it. Tool secrets appear in it
only as `has_secret`; the encrypted value lives in the version's `tools` under `secret_encrypted`.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from assistants.models import Assistant, AssistantVersion, VersionState
from bureau.audit.services import audit_record, diff
from bureau.exceptions import BureauError, Conflict, NotFound, ValidationFailed
from bureau.llm.models import ModelProvider
from bureau.security.crypto import encrypt_secret
from bureau.tenancy.models import User
from knowledge.models import KnowledgeBase
from knowledge.selectors import knowledge_base_list_usable_by

SCALAR_FIELDS = (
    "instructions",
    "conversation_starters",
    "model_name",
    "temperature",
    "max_tokens",
    "top_k",
    "min_similarity",
    "knowledge_only",
    "refusal_message",
)
CONFIG_FIELDS = (*SCALAR_FIELDS, "model_provider", "knowledge_bases", "tools")
KNOWN_TOOL_KINDS = frozenset({"knowledge_search", "calculator", "current_datetime", "http_action"})
TOOL_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")  # what OpenAI-compatible APIs accept as a function name
MAX_STARTERS, MAX_STARTER_LENGTH, MAX_TOOLS = 6, 200, 20


def public_tools(tools: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Tools as the API and the audit log show them: the secret reduced to whether there is one."""
    return [
        {
            "kind": t.get("kind"),
            "name": t.get("name"),
            "settings": t.get("settings", {}),
            # Older drafts kept the ciphertext under "secret"; it is never shown either way.
            "has_secret": bool(t.get("secret_encrypted") or t.get("secret")),
        }
        for t in tools
    ]


def version_config(version: AssistantVersion) -> dict[str, Any]:
    config = {name: getattr(version, name) for name in SCALAR_FIELDS}
    config["model_provider"] = version.model_provider_id
    # .all(), not values_list: a list of assistants prefetches them (see `draft_differs`).
    config["knowledge_bases"] = sorted(kb.pk for kb in version.knowledge_bases.all())
    config["tools"] = public_tools(version.tools)
    return config


def config_hash(version: AssistantVersion) -> str:
    """sha256 of the canonical configuration. The encrypted secrets are part of it, so a new secret
    makes a new hash and a rollback reproduces the old version's hash exactly."""
    config = version_config(version)
    config["tool_secrets"] = [t.get("secret_encrypted", "") for t in version.tools]
    payload = json.dumps(config, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(payload.encode()).hexdigest()


def draft_differs(assistant: Assistant, draft: AssistantVersion | None) -> bool:
    """Whether the draft holds changes its published version lacks (False when nothing is
    published: the whole assistant is then a draft). Both hashes are computed alike, so a draft
    edited back to the published content, or reset by a rollback, counts as unchanged."""
    published = assistant.published_version
    if published is None or draft is None:
        return False
    return config_hash(draft) != config_hash(published)


def versions_diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Per field that differs: {"before": …, "after": …}."""
    old, new = diff(before, after)
    return {name: {"before": old[name], "after": new[name]} for name in new}


def publish_requires_review(assistant: Assistant) -> bool:
    """Whether a draft must be approved before it goes live: the organization's policy
    (bureau.governance), which makes publish and rollback go through assistants.review.services."""
    from bureau.governance.selectors import policy_of

    return policy_of(assistant.organization_id).require_publish_review


# --- validation -----------------------------------------------------------------------------------


def _check_ranges(values: dict[str, Any]) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    limits = {
        "temperature": (0, 2, _("Temperature must be between 0 and 2.")),
        "max_tokens": (1, 32000, _("Max tokens must be between 1 and 32000.")),
        "top_k": (1, 20, _("Top k must be between 1 and 20.")),
        "min_similarity": (-1, 1, _("Minimum similarity must be between -1 and 1.")),
    }
    for name, (low, high, message) in limits.items():
        if name not in values or (name == "min_similarity" and values[name] is None):
            continue
        value = values[name]
        kind = int if name in ("max_tokens", "top_k") else int | float
        if not (isinstance(value, kind) and not isinstance(value, bool) and low <= value <= high):
            errors[name] = [message]
    for name in ("instructions", "model_name", "refusal_message"):
        if name in values and not isinstance(values[name], str):
            errors[name] = [_("Expected text.")]
    if len(values.get("model_name") or "") > 200:
        errors["model_name"] = [_("At most 200 characters.")]
    if "knowledge_only" in values and not isinstance(values["knowledge_only"], bool):
        errors["knowledge_only"] = [_("Expected true or false.")]
    if "conversation_starters" in values:
        starters = values["conversation_starters"]
        if (
            not isinstance(starters, list)
            or len(starters) > MAX_STARTERS
            or any(not isinstance(s, str) or len(s) > MAX_STARTER_LENGTH for s in starters)
        ):
            errors["conversation_starters"] = [
                _("At most %(count)d conversation starters of %(length)d characters each.")
                % {"count": MAX_STARTERS, "length": MAX_STARTER_LENGTH}
            ]
    return errors


def _validate_tool_settings(kind: str, settings: dict[str, Any]) -> dict[str, Any]:
    """The tool registry's own validation when it is installed; otherwise only the known kinds."""
    try:
        from assistants.tools import get_kind
    except ImportError:
        if kind not in KNOWN_TOOL_KINDS:
            raise ValidationFailed(_("Unknown tool kind: %s.") % kind) from None
        return settings
    try:
        tool_kind = get_kind(kind)
    except (KeyError, LookupError):
        tool_kind = None
    if tool_kind is None:
        raise ValidationFailed(_("Unknown tool kind: %s.") % kind)
    try:
        cleaned = tool_kind.validate_settings(settings)
    except (ValueError, DjangoValidationError) as error:
        raise ValidationFailed(str(error)) from None
    if not isinstance(cleaned, dict):
        return settings
    # A kind keeps only the settings it knows: one it would drop was mistyped, and storing the rest
    # silently (often `{}`) would tell the builder their setting was saved.
    unknown = sorted(set(settings) - set(cleaned))
    if unknown:
        raise ValidationFailed(_("This tool has no setting named %s.") % ", ".join(unknown))
    return cleaned


def clean_tools(tools: Any, existing: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Validated tools as stored. A plain-text `secret` is encrypted; a tool sent back without
    `secret` (or with null) keeps the secret it had under the same name; an empty string clears it."""
    if not isinstance(tools, list) or len(tools) > MAX_TOOLS:
        raise ValidationFailed(details={"tools": [_("At most %d tools.") % MAX_TOOLS]})
    previous = {t.get("name"): t for t in existing}
    cleaned: list[dict[str, Any]] = []
    for index, tool in enumerate(tools):
        try:
            if not isinstance(tool, dict):
                raise ValidationFailed(_("A tool is an object with kind, name and settings."))
            if not isinstance(tool.get("settings", {}), dict):
                raise ValidationFailed(_("A tool's settings must be a JSON object."))
            name, kind = tool.get("name"), tool.get("kind")
            if not isinstance(name, str) or not TOOL_NAME.match(name):
                raise ValidationFailed(_("A tool name has 1 to 64 letters, digits, - or _."))
            if any(t["name"] == name for t in cleaned):
                raise ValidationFailed(_("Two tools are named %s.") % name)
            settings = _validate_tool_settings(str(kind), dict(tool.get("settings", {})))
        except BureauError as error:
            raise ValidationFailed(details={"tools": {str(index): [str(error.message)]}}) from None
        stored: dict[str, Any] = {"kind": kind, "name": name, "settings": settings}
        secret = tool.get("secret")
        if isinstance(secret, str):
            if secret:
                stored["secret_encrypted"] = encrypt_secret(secret)
        elif secret is None:
            kept = previous.get(name, {})
            if kept.get("secret_encrypted") or kept.get("secret"):
                stored["secret_encrypted"] = kept.get("secret_encrypted") or kept["secret"]
        cleaned.append(stored)
    return cleaned


def _check_provider(assistant: Assistant, provider_id: int | None) -> ModelProvider | None:
    if provider_id is None:
        return None
    provider = ModelProvider.objects.filter(pk=provider_id, organization_id=assistant.organization_id).first()
    if provider is None:
        raise ValidationFailed(details={"model_provider": [_("Unknown model provider.")]})
    return provider


def check_knowledge_bases(
    *, actor: Any, assistant: Assistant, ids: list[int], already_linked: set[int]
) -> list[KnowledgeBase]:
    """Knowledge bases newly linked must be usable by the actor (else 404, as for any invisible
    row); those already on the draft stay even if this actor cannot see them. All must share one
    embedding profile, since one query vector searches them all."""
    wanted = sorted(set(ids))
    added = [pk for pk in wanted if pk not in already_linked]
    usable = knowledge_base_list_usable_by(actor=actor, ids=added) if added else []
    if any(kb.organization_id != assistant.organization_id for kb in usable):
        raise NotFound(_("Knowledge base not found."))
    bases = list(KnowledgeBase.objects.filter(pk__in=wanted))
    profiles = {(kb.embedding_provider, kb.embedding_model, kb.embedding_dimension) for kb in bases}
    if len(profiles) > 1:
        raise ValidationFailed(
            _("These knowledge bases use different embedding models and cannot be searched together."),
            details={
                "knowledge_base_ids": [
                    _("Choose knowledge bases that share one embedding model (provider, model, dimension).")
                ]
            },
        )
    return bases


def apply_config(
    *, actor: Any, draft: AssistantVersion, changes: dict[str, Any], check_access: bool = True
) -> None:
    """Validate `changes` (fields of CONFIG_FIELDS; `model_provider` and `knowledge_base_ids` as
    ids) and write them to the draft. `check_access=False` is for copies of a configuration that
    was already checked (duplicate, rollback)."""
    if draft.state != VersionState.DRAFT:
        raise Conflict(_("A published version cannot be changed."))
    errors = _check_ranges(changes)
    if errors:
        raise ValidationFailed(details=errors)
    assistant = draft.assistant
    for name in SCALAR_FIELDS:
        if name in changes:
            value = changes[name]
            if name == "conversation_starters":
                value = [s.strip() for s in value if s.strip()]
            setattr(draft, name, value)
    if "model_provider" in changes:
        draft.model_provider = _check_provider(assistant, changes["model_provider"])
        if draft.model_provider is not None:
            offered = draft.model_provider.chat_models
            if not draft.model_name:
                draft.model_name = draft.model_provider.default_chat_model
            elif offered and draft.model_name not in offered:
                raise ValidationFailed(
                    details={"model_name": [_("This provider does not offer this model.")]}
                )
    if "tools" in changes:
        draft.tools = clean_tools(changes["tools"], draft.tools) if check_access else changes["tools"]
    draft.save()
    if "knowledge_base_ids" in changes:
        linked = set(draft.knowledge_bases.values_list("pk", flat=True))
        if check_access:
            bases = check_knowledge_bases(
                actor=actor, assistant=assistant, ids=changes["knowledge_base_ids"], already_linked=linked
            )
        else:
            bases = list(KnowledgeBase.objects.filter(pk__in=changes["knowledge_base_ids"]))
        draft.knowledge_bases.set(bases)


def copy_of(version: AssistantVersion) -> dict[str, Any]:
    """A version's content as `apply_config` changes, secrets included (never leaves the server)."""
    changes: dict[str, Any] = {name: getattr(version, name) for name in SCALAR_FIELDS}
    changes["model_provider"] = version.model_provider_id
    changes["tools"] = [dict(t) for t in version.tools]
    changes["knowledge_base_ids"] = list(version.knowledge_bases.values_list("pk", flat=True))
    return changes


# --- writes ---------------------------------------------------------------------------------------


def _audit(actor: Any, assistant: Assistant, action: str, before: Any, after: Any, target: Any) -> None:
    audit_record(
        actor=actor,
        organization=assistant.organization_id,
        department=assistant.department_id,
        action=action,
        target=target,
        before=before,
        after=after,
        target_label=assistant.name,
    )


@transaction.atomic
def draft_update(*, actor: Any, draft: AssistantVersion, changes: dict[str, Any]) -> AssistantVersion:
    draft = AssistantVersion.objects.select_for_update().select_related("assistant").get(pk=draft.pk)
    before = version_config(draft)
    secrets_before = [t.get("secret_encrypted") for t in draft.tools]
    apply_config(actor=actor, draft=draft, changes=changes)
    old, new = diff(before, version_config(draft))
    if secrets_before != [t.get("secret_encrypted") for t in draft.tools]:
        new["tool_secrets_changed"] = True  # the values themselves never reach the log
    if new:
        _audit(actor, draft.assistant, "assistant.draft_update", old, new, draft.assistant)
    return draft


def freeze_version(
    *, actor: Any, assistant: Assistant, source: AssistantVersion, changelog: str
) -> AssistantVersion:
    """A new numbered, published version with the content of `source`; the previous one retires.
    Every way to publish comes through here, so the classification policy is checked here."""
    from assistants.review.clearance import check_publishable

    source.assistant = assistant
    check_publishable(source)
    last = assistant.versions.filter(number__isnull=False).order_by("-number").first()
    user = actor if isinstance(actor, User) else None
    fields = {name: getattr(source, name) for name in SCALAR_FIELDS}
    # Created as "submitted" so its knowledge base links can be added: the database refuses any
    # change to a published row, links included (migration 0003).
    version = AssistantVersion.objects.create(
        assistant=assistant,
        number=(last.number or 0) + 1 if last else 1,
        state=VersionState.SUBMITTED,
        model_provider_id=source.model_provider_id,
        tools=[dict(t) for t in source.tools],
        changelog=changelog,
        created_by=user,
        published_by=user,
        published_at=timezone.now(),
        **fields,
    )
    version.knowledge_bases.set(source.knowledge_bases.all())
    version.config_hash = config_hash(version)
    version.state = VersionState.PUBLISHED
    version.save(update_fields=["config_hash", "state"])
    AssistantVersion.objects.filter(assistant=assistant, state=VersionState.PUBLISHED).exclude(
        pk=version.pk
    ).update(state=VersionState.RETIRED)
    assistant.published_version = version
    assistant.save(update_fields=["published_version", "updated_at"])
    return version


def published_config(assistant: Assistant) -> dict[str, Any]:
    current = assistant.published_version
    return version_config(current) if current is not None else {}


@transaction.atomic
def version_publish(*, actor: Any, assistant: Assistant, changelog: str = "") -> AssistantVersion:
    assistant = Assistant.objects.select_for_update().get(pk=assistant.pk)
    if publish_requires_review(assistant):
        raise Conflict(
            _(
                "Your organization requires a review before publishing: submit the draft for review "
                "instead; an org admin or an auditor approves it."
            )
        )
    draft = assistant.versions.get(state=VersionState.DRAFT)
    previous = assistant.published_version
    before = published_config(assistant)
    version = freeze_version(actor=actor, assistant=assistant, source=draft, changelog=changelog)
    old, new = diff(before, version_config(version))
    _audit(
        actor,
        assistant,
        "assistant.publish",
        {"version": previous.number if previous else None, **old},
        {"version": version.number, "changelog": changelog, **new},
        assistant,
    )
    return version


@transaction.atomic
def version_rollback(
    *, actor: Any, assistant: Assistant, version: AssistantVersion, changelog: str = ""
) -> AssistantVersion:
    """Publish `version`'s content again as a new version, and reset the draft to it."""
    assistant = Assistant.objects.select_for_update().get(pk=assistant.pk)
    if version.assistant_id != assistant.pk or version.state == VersionState.DRAFT:
        raise NotFound(_("Version not found."))
    if publish_requires_review(assistant):
        raise Conflict(
            _(
                "Your organization requires a review before publishing: submit a review of this "
                "version's content instead; an org admin or an auditor approves it."
            )
        )
    previous = assistant.published_version
    before = published_config(assistant)
    changelog = changelog or _("Rollback to version %d") % (version.number or 0)
    new_version = freeze_version(actor=actor, assistant=assistant, source=version, changelog=changelog)
    draft = assistant.versions.select_for_update().get(state=VersionState.DRAFT)
    draft.assistant = assistant
    apply_config(actor=actor, draft=draft, changes=copy_of(version), check_access=False)
    old, new = diff(before, version_config(new_version))
    _audit(
        actor,
        assistant,
        "assistant.rollback",
        {"version": previous.number if previous else None, **old},
        {"version": new_version.number, "from_version": version.number, "changelog": changelog, **new},
        assistant,
    )
    return new_version
