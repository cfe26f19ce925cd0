"""Whether a turn's text is redacted before it reaches the model, and the few places it is applied.

Redaction applies when the provider is not on the organization's premises (an unknown provider
counts as outside) and the assistant says "always", or says "inherit" and the organization's
policy has `redact_pii`. An assistant set to "never" (only org admins may set it) sends text as it is.

What goes out is redacted: the instructions, the history, the question, the passages (retrieved or
attached) and the tool results. What comes back is mapped back: the streamed and stored answer,
and the arguments of tool calls that run here. An HTTP action's arguments keep their placeholders:
the request leaves the organization, and the provider chose to call it — restoring the values
would hand the personal data the provider never saw to whatever the model pointed the call at.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

from assistants.models import AssistantVersion, PiiRedaction
from bureau.security.pii import Redactor
from knowledge.search.retrieval import RetrievedChunk

# Tools whose calls leave the organization: their arguments are not mapped back.
OUTWARD_TOOL_KINDS = frozenset({"http_action"})


def redaction_for(version: AssistantVersion, target: Any) -> Redactor:
    """The turn's redactor (disabled when nothing is to be redacted). Reads the policy: call it
    from the database thread."""
    provider = getattr(target, "provider", None)
    if target is None or (provider is not None and provider.on_premises):
        return Redactor(enabled=False)
    setting = version.assistant.pii_redaction
    if setting == PiiRedaction.NEVER:
        return Redactor(enabled=False)
    if setting == PiiRedaction.ALWAYS:
        return Redactor(enabled=True)
    from bureau.governance.selectors import policy_of

    return Redactor(enabled=policy_of(version.assistant.organization_id).redact_pii)


def redacted_passages(redactor: Redactor, passages: Sequence[RetrievedChunk]) -> list[RetrievedChunk]:
    """Copies for the prompt; the originals stay with the turn for citations and snippets."""
    if not redactor.enabled:
        return list(passages)
    return [
        dataclasses.replace(
            p,
            text=redactor.redact(p.text),
            document_title=redactor.redact(p.document_title),
            heading_path=[redactor.redact(h) for h in p.heading_path],
        )
        for p in passages
    ]


def redacted_history(redactor: Redactor, history: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    return [(role, redactor.redact(content)) for role, content in history]


def tool_arguments(redactor: Redactor, kind: str, arguments: dict[str, Any]) -> dict[str, Any]:
    """The arguments a tool runs with: placeholders mapped back, except for outward tools."""
    if kind in OUTWARD_TOOL_KINDS:
        return arguments
    restored: dict[str, Any] = redactor.restore_data(arguments)
    return restored
