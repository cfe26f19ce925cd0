"""The configuration review that IT reads: every assistant of the organization with its published
version, knowledge, tools and sharing, and the flags that make one worth a closer look.

Who reads it: org admins and auditors their whole organization, department admins their own
departments (as for the audit log); builders and members get 403, nobody outside 404 (there is
nothing outside to address: the list simply starts from what the actor may audit).
"""

from __future__ import annotations

from typing import Any, TypedDict

from django.db.models import Prefetch, Q
from django.utils.translation import gettext as _

from assistants.catalog.audience import audience_warnings
from assistants.catalog.versions import config_hash
from assistants.models import Assistant, AssistantVersion, VersionState
from bureau.exceptions import PermissionDenied
from bureau.tenancy.access import access_of
from bureau.tenancy.models import Role
from knowledge.models import Visibility

# Why an assistant is flagged. Codes are stable (the web app translates them).
EXTERNAL_HTTP = "external_http"  # it can call HTTP actions: data may leave for other systems
ORGANIZATION_WIDE = "organization_wide"  # everyone in the organization may chat with it
NO_KNOWLEDGE = "no_knowledge"  # its answers rest on the model alone
UNPUBLISHED_CHANGES = "unpublished_changes"  # the draft differs from what people chat with
NEVER_PUBLISHED = "never_published"
SHARED_OUTSIDE = "shared_outside"  # shared with people or departments beyond its own department


class ReviewedAssistant(TypedDict):
    id: int
    name: str
    slug: str
    department_id: int
    department_name: str
    visibility: str
    published_version: int | None
    published_at: Any
    model: str
    knowledge_bases: list[dict[str, Any]]
    tools: list[dict[str, Any]]
    shares: list[dict[str, Any]]
    flags: list[str]
    audience_warnings: list[
        str
    ]  # knowledge part of its audience may not open (assistants/catalog/audience.py)


def _hosts(tool: dict[str, Any]) -> list[str]:
    settings = tool.get("settings") or {}
    return sorted(h for h in settings.get("allowed_hosts") or [] if isinstance(h, str))


def configuration_review_for(*, actor: Any) -> list[ReviewedAssistant]:
    access = access_of(actor)
    whole_orgs = access.org_admin_of | access.auditor_of
    admin_departments = [d for d, role in access.department_roles.items() if role == Role.DEPT_ADMIN]
    if not whole_orgs and not admin_departments:
        raise PermissionDenied(_("Only auditors and admins can read the configuration review."))
    drafts = AssistantVersion.objects.filter(state=VersionState.DRAFT).prefetch_related("knowledge_bases")
    assistants = (
        Assistant.objects.filter(Q(organization_id__in=whole_orgs) | Q(department_id__in=admin_departments))
        .select_related("department", "published_version", "published_version__model_provider")
        .prefetch_related(
            "published_version__knowledge_bases",
            "shares__user",
            "shares__department",
            Prefetch("versions", queryset=drafts, to_attr="drafts"),
        )
        .order_by("department__name", "name")
    )
    return [_review(assistant) for assistant in assistants]


def _review(assistant: Assistant) -> ReviewedAssistant:
    published = assistant.published_version
    # What people chat with is the published version; before any publish, the draft is all there is.
    current = published or next(iter(getattr(assistant, "drafts", [])), None)
    knowledge = list(current.knowledge_bases.all()) if current else []
    tools = list(current.tools) if current else []
    shares = list(assistant.shares.all())
    flags: list[str] = []
    if any(t.get("kind") == "http_action" for t in tools):
        flags.append(EXTERNAL_HTTP)
    if assistant.visibility == Visibility.ORGANIZATION:
        flags.append(ORGANIZATION_WIDE)
    if not knowledge:
        flags.append(NO_KNOWLEDGE)
    if published is None:
        flags.append(NEVER_PUBLISHED)
    else:
        draft = next(iter(getattr(assistant, "drafts", [])), None)
        if draft is not None and config_hash(draft) != published.config_hash:
            flags.append(UNPUBLISHED_CHANGES)
    if any(s.user_id or (s.department_id and s.department_id != assistant.department_id) for s in shares):
        flags.append(SHARED_OUTSIDE)
    return {
        "id": assistant.pk,
        "name": assistant.name,
        "slug": assistant.slug,
        "department_id": assistant.department_id,
        "department_name": assistant.department.name,
        "visibility": assistant.visibility,
        "published_version": published.number if published else None,
        "published_at": published.published_at if published else None,
        "model": (current.model_name if current else "") or "",
        "knowledge_bases": [
            {"id": kb.pk, "name": kb.name, "classification": kb.classification} for kb in knowledge
        ],
        "tools": [{"kind": t.get("kind", ""), "name": t.get("name", ""), "hosts": _hosts(t)} for t in tools],
        "shares": [
            {
                "role": s.role,
                "user": s.user.email if s.user else None,
                "department": s.department.name if s.department else None,
            }
            for s in shares
        ],
        "flags": flags,
        "audience_warnings": audience_warnings(assistant=assistant, version=current) if current else [],
    }
