"""Access-checked reads of knowledge bases and documents.

Who sees a knowledge base: org admins and auditors of its organization; members of its department
(builders and admins only, when it is private); everyone in the organization when its visibility is
"organization"; members of departments it was granted to. Who changes it: org admins and builders
(or department admins) of its department; builders of a department granted "edit" may change its
documents but not its settings.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from bureau.exceptions import NotFound, PermissionDenied
from bureau.tenancy.access import Access, access_of
from bureau.tenancy.models import Role
from knowledge.models import Document, GrantPermission, KnowledgeBase, KnowledgeBaseGrant, Visibility


def _builder_departments(access: Access) -> list[int]:
    return [d for d in access.department_roles if access.has_department_role(d, Role.BUILDER)]


def knowledge_base_list_visible_to(*, actor: Any) -> QuerySet[KnowledgeBase]:
    access = access_of(actor)
    whole_orgs = access.org_admin_of | access.auditor_of
    member_of = list(access.department_roles)
    granted = KnowledgeBaseGrant.objects.filter(department_id__in=member_of).values("knowledge_base_id")
    visible = (
        Q(organization_id__in=whole_orgs)
        | Q(department_id__in=member_of, visibility__in=[Visibility.DEPARTMENT, Visibility.ORGANIZATION])
        | Q(department_id__in=_builder_departments(access))
        | Q(visibility=Visibility.ORGANIZATION, organization_id__in=access.organization_ids)
        | Q(pk__in=granted)
    )
    return KnowledgeBase.objects.filter(visible, scope="").select_related("department")


def _can_edit_settings(access: Access, knowledge_base: KnowledgeBase) -> bool:
    return access.is_org_admin(knowledge_base.organization_id) or access.has_department_role(
        knowledge_base.department_id, Role.BUILDER
    )


def _can_edit_documents(access: Access, knowledge_base: KnowledgeBase) -> bool:
    if _can_edit_settings(access, knowledge_base):
        return True
    editing = KnowledgeBaseGrant.objects.filter(
        knowledge_base=knowledge_base,
        permission=GrantPermission.EDIT,
        department_id__in=_builder_departments(access),
    )
    return editing.exists()


def knowledge_base_get_for(
    *, actor: Any, knowledge_base_id: int | str, write: bool = False, documents: bool = False
) -> KnowledgeBase:
    """`write` asks to change the knowledge base; with `documents`, only its documents (which
    an "edit" grant allows)."""
    knowledge_base = knowledge_base_list_visible_to(actor=actor).filter(pk=_as_id(knowledge_base_id)).first()
    if knowledge_base is None:
        raise NotFound(_("Knowledge base not found."))
    if write:
        access = access_of(actor)
        allowed = (
            _can_edit_documents(access, knowledge_base)
            if documents
            else _can_edit_settings(access, knowledge_base)
        )
        if not allowed:
            raise PermissionDenied(_("You may read this knowledge base but not change it."))
    return knowledge_base


def knowledge_base_list_usable_by(*, actor: Any, ids: list[int]) -> list[KnowledgeBase]:
    """The knowledge bases among `ids` that the actor may search; any other id is a 404."""
    found = list(knowledge_base_list_visible_to(actor=actor).filter(pk__in=ids))
    if len(found) != len(set(ids)):
        raise NotFound(_("Knowledge base not found."))
    return found


def document_list_for(*, actor: Any, knowledge_base_id: int | str) -> QuerySet[Document]:
    knowledge_base = knowledge_base_get_for(actor=actor, knowledge_base_id=knowledge_base_id)
    return Document.objects.filter(knowledge_base=knowledge_base)


def document_get_for(
    *, actor: Any, knowledge_base_id: int | str, document_id: int | str, write: bool = False
) -> Document:
    knowledge_base = knowledge_base_get_for(actor=actor, knowledge_base_id=knowledge_base_id)
    document = Document.objects.filter(knowledge_base=knowledge_base, pk=_as_id(document_id)).first()
    if document is None:
        raise NotFound(_("Document not found."))
    if write:
        knowledge_base_get_for(actor=actor, knowledge_base_id=knowledge_base.pk, write=True, documents=True)
    document.knowledge_base = knowledge_base
    return document


def _as_id(value: int | str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1
