"""What the builder screen needs besides the draft itself: the tool kinds it may add, the operations
an OpenAPI document turns into, and a test call of one operation of an HTTP action before publishing.

A test call runs through the tool's own code (`HttpAction.run`), so it meets the same URL guard as
the model's calls: the allow-list, private addresses refused after DNS and on every redirect, the
deadline and the size limit. It is audited, since it sends a request from the server.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction

from assistants.models import Assistant, AssistantVersion, VersionState
from assistants.tools import KINDS, ToolContext, get_kind, import_openapi
from assistants.tools.openapi import parse_document, server_url
from bureau.audit.services import audit_record
from bureau.exceptions import BureauError, ValidationFailed
from bureau.security.crypto import encrypt_secret

TEST_BODY_CHARS = 2000  # what the builder sees of the response


def tool_kinds() -> list[dict[str, str]]:
    return [
        {"kind": kind.kind, "label": kind.label, "description": kind.description}
        for kind in sorted(KINDS.values(), key=lambda k: k.kind)
    ]


def openapi_operations(document: Any) -> dict[str, Any]:
    """The operations a document offers, as the builder previews them; ValidationFailed with the
    parser's reason under `document` when it is not a usable OpenAPI 3 document."""
    try:
        parsed = parse_document(document)
        return {"server": server_url(parsed), "operations": import_openapi(parsed)}
    except BureauError as error:
        raise ValidationFailed(details={"document": [str(error.message)]}) from None


@dataclass(frozen=True)
class ToolTestResult:
    status: str  # succeeded, failed or refused
    status_code: int | None
    summary: str
    error: str
    body: str
    truncated: bool


def _stored_secret(draft: AssistantVersion, tool_name: str) -> str:
    for tool in draft.tools:
        if tool.get("name") == tool_name:
            return str(tool.get("secret_encrypted") or tool.get("secret") or "")
    return ""


def http_action_test(
    *,
    actor: Any,
    assistant: Assistant,
    tool: dict[str, Any],
    operation: str,
    arguments: dict[str, Any],
) -> ToolTestResult:
    """Call one operation of an HTTP action as it is in the form (not yet saved). The secret is the
    one typed in the form, or else the one the draft keeps for a tool of the same name."""
    kind = get_kind("http_action")
    try:
        settings = kind.validate_settings(dict(tool.get("settings") or {}))
    except BureauError as error:
        raise ValidationFailed(details={"settings": [str(error.message)]}) from None
    typed = tool.get("secret")
    if isinstance(typed, str) and typed:
        secret = encrypt_secret(typed)
    else:
        draft = assistant.versions.filter(state=VersionState.DRAFT).first()
        secret = _stored_secret(draft, str(tool.get("name", ""))) if draft else ""
    context = ToolContext(organization_id=assistant.organization_id, knowledge_bases=[], actor=actor)
    result = kind.run(operation, arguments, settings=settings, secret=secret, context=context)
    data = result.data if isinstance(result.data, dict) else {}
    body = str(data.get("body", ""))
    outcome = ToolTestResult(
        status=result.status,
        status_code=data.get("status_code"),
        summary=result.summary,
        error=result.error,
        body=body[:TEST_BODY_CHARS],
        truncated=bool(data.get("truncated")) or len(body) > TEST_BODY_CHARS,
    )
    with transaction.atomic():
        audit_record(
            actor=actor,
            organization=assistant.organization_id,
            department=assistant.department_id,
            action="assistant.tool_test",
            target=assistant,
            target_label=assistant.name,
            after={
                "tool": str(tool.get("name", "")),
                "operation": operation,
                # Names only: the values may be a citizen's data, the response is not kept either.
                "arguments": sorted(str(name) for name in arguments),
                "status": outcome.status,
                "status_code": outcome.status_code,
            },
        )
    return outcome
