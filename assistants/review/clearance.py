"""Which knowledge a model provider may receive (the classification policy).

The rule: a provider may receive text of a knowledge base only when the knowledge base's
classification (public, internal, confidential, secret) is in the provider's
`allowed_classifications`. Each level is cleared on its own: clearing "secret" does not clear
"confidential" by implication, exactly as the provider API stores and shows the list. An empty list,
the model's default (and that of the provider made from OPENAI_BASE_URL), clears nothing: an org
admin clears a provider explicitly. `on_premises` does not widen clearance; it governs PII redaction.

Where it is enforced:
- publishing (directly, by rollback or by approving a review) refuses a version whose provider may
  not receive one of its knowledge bases (`check_publishable`), and the draft shows the same problem
  as a warning (`problems_of`);
- every chat turn checks again, against the provider the turn actually talks to and its clearance at
  that moment (`split_for`): a knowledge base the provider lost clearance for is not searched, so
  none of its text reaches the prompt, the `knowledge_search` tool or the citations; the answer
  begins with a notice naming it (`withheld_notice`). Conversation attachments are knowledge bases
  like any other (classified "internal"). Earlier answers of the conversation that cite such a
  knowledge base (an extractive answer quotes it word for word) go back to the model as a
  placeholder, not as their text (`history_for`).
- the extractive mode (no provider) sends nothing anywhere, so nothing is withheld there.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.utils.translation import gettext as _

from assistants.models import AssistantVersion, MessageRole
from bureau.exceptions import ValidationFailed
from bureau.llm.models import ModelProvider
from knowledge.models import Classification, KnowledgeBase


def may_receive(provider: ModelProvider | None, knowledge_base: KnowledgeBase) -> bool:
    """A target without a stored provider has no clearance: it may receive nothing."""
    if provider is None:
        return False
    return knowledge_base.classification in (provider.allowed_classifications or [])


def split_for(target: Any, knowledge_bases: Iterable[KnowledgeBase]) -> tuple[list[Any], list[Any]]:
    """(cleared, withheld) for a chat target (bureau.llm.client.ChatTarget). No target means the
    extractive mode: nothing leaves the server, so everything is usable."""
    bases = list(knowledge_bases)
    if target is None:
        return bases, []
    provider = target.provider
    cleared = [kb for kb in bases if may_receive(provider, kb)]
    withheld = [kb for kb in bases if not may_receive(provider, kb)]
    return cleared, withheld


def _label(classification: str) -> str:
    try:
        return str(Classification(classification).label)
    except ValueError:
        return classification


def _provider_name(provider: ModelProvider | None) -> str:
    return provider.name if provider is not None else _("the model provider")


def withheld_notice(target: Any, withheld: Sequence[KnowledgeBase]) -> str:
    """The sentence that opens an answer written without some of the assistant's knowledge."""
    if not withheld:
        return ""
    names = ", ".join(f"“{kb.name}” ({_label(kb.classification)})" for kb in withheld)
    return _(
        "Note: this answer does not use the knowledge base(s) %(names)s: the model provider "
        "“%(provider)s” is not cleared to receive documents of that classification."
    ) % {"names": names, "provider": _provider_name(getattr(target, "provider", None))}


def publishing_provider(version: AssistantVersion) -> ModelProvider | None:
    """The provider a published version would talk to today: its own, else the organization's
    default (as bureau.llm.client.chat_target_for resolves it). The chat checks again at each turn."""
    if version.model_provider_id is not None:
        return ModelProvider.objects.filter(pk=version.model_provider_id).first()
    return ModelProvider.objects.filter(
        organization_id=version.assistant.organization_id, is_default=True
    ).first()


def problems_of(version: AssistantVersion) -> list[str]:
    """One message per knowledge base of the version that its provider may not receive. None when
    the version talks to no provider (extractive mode)."""
    provider = publishing_provider(version)
    if provider is None:
        return []
    return [
        _(
            "The model provider “%(provider)s” may not receive the knowledge base “%(name)s”, "
            "classified %(classification)s."
        )
        % {"provider": provider.name, "name": kb.name, "classification": _label(kb.classification)}
        for kb in version.knowledge_bases.order_by("pk")
        if not may_receive(provider, kb)
    ]


def check_publishable(version: AssistantVersion) -> None:
    """ValidationFailed (400), as every other problem with a version's configuration."""
    problems = problems_of(version)
    if problems:
        raise ValidationFailed(problems[0], details={"knowledge_base_ids": problems})


def history_for(
    target: Any, messages: Sequence[Any], known_bases: Iterable[KnowledgeBase] = ()
) -> list[tuple[str, str]]:
    """The conversation's earlier turns as (role, content) for the prompt. An answer citing a
    knowledge base the target may not receive, or one deleted since (its classification unknown),
    is replaced by a placeholder. `messages`: rows with their id, role, content and
    `cited_knowledge_bases` (the ids its citations name), read with the history so that a turn
    does not wait for one more query. `known_bases`: knowledge bases the caller has already read
    (the version's and the attachments'); only the others cited are read here."""
    if target is None:
        return [(m.role, m.content) for m in messages]
    cited = [
        (m.id, kb)
        for m in messages
        if m.role == MessageRole.ASSISTANT
        for kb in m.cited_knowledge_bases or ()
    ]
    bases = {kb.pk: kb for kb in known_bases}
    unknown = {kb for _message, kb in cited if kb not in bases}
    if unknown:
        bases.update(KnowledgeBase.objects.in_bulk(unknown))
    left_out = {
        message for message, kb in cited if kb not in bases or not may_receive(target.provider, bases[kb])
    }
    placeholder = _(
        "(An earlier answer is left out: it cites documents this model provider may not receive.)"
    )
    return [(m.role, placeholder if m.id in left_out else m.content) for m in messages]
