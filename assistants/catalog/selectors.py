"""Access-checked reads of assistants and their versions.

Who sees an assistant: org admins and auditors of its organization; members of its department
(when it is private: only the department's builders and admins, and its creator); everyone in the
organization when its visibility is "organization"; the users and departments it is shared with.

What they may do with it, from least to most:
- use: chat with its published version (editors may also preview the draft);
- read its configuration (draft, versions, diff, export, shares): editors, org admins, auditors;
- edit (draft, publish, rollback, name and description): org admins, builders and admins of its
  department, users it is shared with as editor, builders of departments it is shared with as editor;
- manage (visibility, sharing, delete): org admins, builders and admins of its department.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from assistants.models import (
    Assistant,
    AssistantShare,
    AssistantVersion,
    ShareRole,
    VersionState,
)
from bureau.exceptions import NotFound, PermissionDenied
from bureau.ids import as_id
from bureau.tenancy.access import Access, access_of
from bureau.tenancy.models import Role, User
from knowledge.models import Visibility


def builder_departments(access: Access) -> list[int]:
    return [d for d in access.department_roles if access.has_department_role(d, Role.BUILDER)]


def _shares_of(actor: Any, access: Access) -> QuerySet[AssistantShare]:
    reaches = Q(department_id__in=list(access.department_roles))
    if isinstance(actor, User):
        reaches |= Q(user=actor)
    return AssistantShare.objects.filter(reaches)


def assistant_list_visible_to(*, actor: Any) -> QuerySet[Assistant]:
    access = access_of(actor)
    member_of = list(access.department_roles)
    visible = (
        Q(organization_id__in=access.org_admin_of | access.auditor_of)
        | Q(department_id__in=member_of, visibility__in=[Visibility.DEPARTMENT, Visibility.ORGANIZATION])
        | Q(department_id__in=builder_departments(access))
        | Q(visibility=Visibility.ORGANIZATION, organization_id__in=access.organization_ids)
        | Q(pk__in=_shares_of(actor, access).values("assistant_id"))
    )
    if isinstance(actor, User):
        visible |= Q(created_by=actor, organization_id__in=access.organization_ids)
    return Assistant.objects.filter(visible).select_related("department", "published_version", "created_by")


@dataclass(frozen=True)
class AssistantRights:
    """What an actor who sees the assistant may do with it (see the module docstring)."""

    read_config: bool
    edit: bool
    manage: bool


def assistant_rights(*, actor: Any, assistant: Assistant) -> AssistantRights:
    access = access_of(actor)
    manage = access.is_org_admin(assistant.organization_id) or access.has_department_role(
        assistant.department_id, Role.BUILDER
    )
    edit = manage
    if not edit:
        editor = Q(department_id__in=builder_departments(access))
        if isinstance(actor, User):
            editor |= Q(user=actor)
        edit = assistant.shares.filter(editor, role=ShareRole.EDITOR).exists()
    read_config = edit or access.reads_whole_organization(assistant.organization_id)
    return AssistantRights(read_config=read_config, edit=edit, manage=manage)


def assistant_get_for(
    *,
    actor: Any,
    assistant_id: int | str,
    write: bool = False,
    read_config: bool = False,
    manage: bool = False,
) -> Assistant:
    """NotFound when the assistant is missing or invisible to the actor; PermissionDenied when the
    actor sees it but may not edit it (`write`), read its configuration (`read_config`) or manage
    its visibility, sharing and existence (`manage`)."""
    assistant = assistant_list_visible_to(actor=actor).filter(pk=as_id(assistant_id)).first()
    if assistant is None:
        raise NotFound(_("Assistant not found."))
    if write or read_config or manage:
        rights = assistant_rights(actor=actor, assistant=assistant)
        if manage and not rights.manage:
            raise PermissionDenied(_("Only the owner department's builders can do this."))
        if write and not rights.edit:
            raise PermissionDenied(_("You may use this assistant but not change it."))
        if read_config and not rights.read_config:
            raise PermissionDenied(_("You may use this assistant but not read its configuration."))
    return assistant


def assistant_list_usable_by(*, actor: Any) -> QuerySet[Assistant]:
    """The assistants the actor may chat with through their published version (the models of the
    OpenAI-compatible API)."""
    return assistant_list_visible_to(actor=actor).filter(published_version__isnull=False)


def assistant_get_by_slug_for(*, actor: Any, slug: str) -> Assistant:
    """The assistant named `slug` among those the actor sees, published or not; NotFound otherwise.
    Slugs are unique within an organization; an actor in several organizations gets the one in the
    organization with the lowest id."""
    assistant = (
        assistant_list_visible_to(actor=actor).filter(slug=slug).order_by("organization_id", "pk").first()
    )
    if assistant is None:
        raise NotFound(_("Assistant not found."))
    return assistant


def draft_get_for(*, actor: Any, assistant_id: int | str, write: bool = False) -> AssistantVersion:
    assistant = assistant_get_for(actor=actor, assistant_id=assistant_id, write=write, read_config=True)
    draft = assistant.versions.filter(state=VersionState.DRAFT).first()
    if draft is None:  # every assistant is created with its draft; none means a broken row
        raise NotFound(_("This assistant has no draft."))
    draft.assistant = assistant
    return draft


def version_list_for(*, actor: Any, assistant_id: int | str) -> QuerySet[AssistantVersion]:
    """Numbered versions (published, retired, submitted), newest first; never the draft."""
    assistant = assistant_get_for(actor=actor, assistant_id=assistant_id, read_config=True)
    return (
        AssistantVersion.objects.filter(assistant=assistant, number__isnull=False)
        .select_related("published_by", "created_by", "model_provider")
        .prefetch_related("knowledge_bases")
        .order_by("-number")
    )


def version_get_for(
    *, actor: Any, assistant_id: int | str, number: int | str, write: bool = False
) -> AssistantVersion:
    assistant = assistant_get_for(actor=actor, assistant_id=assistant_id, write=write, read_config=True)
    version = AssistantVersion.objects.filter(assistant=assistant, number=as_id(number)).first()
    if version is None:
        raise NotFound(_("Version not found."))
    version.assistant = assistant
    return version


def share_list_for(*, actor: Any, assistant_id: int | str) -> QuerySet[AssistantShare]:
    assistant = assistant_get_for(actor=actor, assistant_id=assistant_id, read_config=True)
    return assistant.shares.select_related("user", "department").order_by("pk")


def share_get_for(*, actor: Any, assistant_id: int | str, share_id: int | str) -> AssistantShare:
    assistant = assistant_get_for(actor=actor, assistant_id=assistant_id, manage=True)
    share = assistant.shares.filter(pk=as_id(share_id)).select_related("user").first()
    if share is None:
        raise NotFound(_("Share not found."))
    share.assistant = assistant
    return share


def with_draft_state(assistants: QuerySet[Assistant]) -> QuerySet[Assistant]:
    """`assistants` with their draft and both configurations' knowledge bases read in a few
    queries, for the list's "unpublished changes" (see `draft_of`)."""
    drafts = AssistantVersion.objects.filter(state=VersionState.DRAFT).prefetch_related("knowledge_bases")
    return assistants.prefetch_related(
        Prefetch("versions", queryset=drafts, to_attr="drafts"), "published_version__knowledge_bases"
    )


def draft_of(assistant: Assistant) -> AssistantVersion | None:
    """The assistant's draft, prefetched by `with_draft_state` or read now."""
    drafts = getattr(assistant, "drafts", None)
    if drafts is None:
        drafts = assistant.drafts = list(  # type: ignore[attr-defined]
            assistant.versions.filter(state=VersionState.DRAFT).prefetch_related("knowledge_bases")
        )
    return drafts[0] if drafts else None
