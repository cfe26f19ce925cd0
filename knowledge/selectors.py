"""Access-checked reads of knowledge bases and documents.

Who sees a knowledge base: org admins and auditors of its organization; members of its department
(builders and admins only, when it is private); everyone in the organization when its visibility is
"organization"; members of departments it was granted to. Who changes it: org admins and builders
(or department admins) of its department; builders of a department granted "edit" may change its
documents but not its settings.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from bureau.exceptions import NotFound, PermissionDenied
from bureau.ids import as_id
from bureau.tenancy.access import Access, access_of
from bureau.tenancy.conditions import Condition, id_list
from bureau.tenancy.models import Department, Role
from knowledge.models import Document, GrantPermission, KnowledgeBase, KnowledgeBaseGrant, Visibility


def _builder_departments(access: Access) -> list[int]:
    return [d for d in access.department_roles if access.has_department_role(d, Role.BUILDER)]


def knowledge_base_readable_condition(access: Access) -> Condition:
    """Which knowledge bases an actor may open (the module docstring), as a Q and as SQL: the list
    below and the chat turn's written-out read of a version's knowledge (assistants/chat/prepare.py)
    both use it, so that an answer never quotes a passage its asker could not open."""
    whole_orgs = id_list(access.org_admin_of | access.auditor_of)
    member_of = id_list(access.department_roles)
    builder_of = id_list(_builder_departments(access))
    organizations = id_list(access.organization_ids)
    shared = [Visibility.DEPARTMENT.value, Visibility.ORGANIZATION.value]
    q = Q(scope="") & (
        Q(organization_id__in=whole_orgs)
        | Q(department_id__in=member_of, visibility__in=shared)
        | Q(department_id__in=builder_of)
        | Q(visibility=Visibility.ORGANIZATION, organization_id__in=organizations)
        | Q(pk__in=KnowledgeBaseGrant.objects.filter(department_id__in=member_of).values("knowledge_base_id"))
    )
    grants = KnowledgeBaseGrant._meta.db_table
    sql = (
        '{t}."scope" = \'\' AND ({t}."organization_id" = ANY(%s::bigint[])'  # noqa: S608 - names from the models; values are parameters
        ' OR ({t}."department_id" = ANY(%s::bigint[]) AND {t}."visibility" = ANY(%s::text[]))'
        ' OR {t}."department_id" = ANY(%s::bigint[])'
        ' OR ({t}."visibility" = %s AND {t}."organization_id" = ANY(%s::bigint[]))'
        f' OR {{t}}."id" IN (SELECT g."knowledge_base_id" FROM "{grants}" g'
        ' WHERE g."department_id" = ANY(%s::bigint[])))'
    )
    params = (
        whole_orgs,
        member_of,
        shared,
        builder_of,
        Visibility.ORGANIZATION.value,
        organizations,
        member_of,
    )
    return Condition(q=q, sql=sql, params=params)


def knowledge_base_list_visible_to(*, actor: Any) -> QuerySet[KnowledgeBase]:
    readable = knowledge_base_readable_condition(access_of(actor))
    return KnowledgeBase.objects.filter(readable.q).select_related("department")


def knowledge_base_split_usable_in(
    *, actor: Any, department: Department, ids: Iterable[int]
) -> tuple[list[KnowledgeBase], list[KnowledgeBase]]:
    """(usable, dropped) among `ids`, for an assistant copied into `department` (duplicate, import,
    template clone): usable when the actor may open it and the department's people may read it
    too (its own knowledge, the organization's, or granted to it). Ids that do not exist are
    neither. A copy never carries knowledge out of the department that keeps it."""
    wanted = list(dict.fromkeys(ids))
    found = KnowledgeBase.objects.in_bulk(wanted)
    readable = set(
        knowledge_base_list_visible_to(actor=actor).filter(pk__in=wanted).values_list("pk", flat=True)
    )
    granted = set(
        KnowledgeBaseGrant.objects.filter(knowledge_base_id__in=wanted, department=department).values_list(
            "knowledge_base_id", flat=True
        )
    )
    usable: list[KnowledgeBase] = []
    dropped: list[KnowledgeBase] = []
    for pk in wanted:
        kb = found.get(pk)
        if kb is None:
            continue
        in_reach = kb.organization_id == department.organization_id and (
            kb.department_id == department.pk or kb.visibility == Visibility.ORGANIZATION or pk in granted
        )
        (usable if pk in readable and in_reach else dropped).append(kb)
    return usable, dropped


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
    knowledge_base = knowledge_base_list_visible_to(actor=actor).filter(pk=as_id(knowledge_base_id)).first()
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
    document = Document.objects.filter(knowledge_base=knowledge_base, pk=as_id(document_id)).first()
    if document is None:
        raise NotFound(_("Document not found."))
    if write:
        knowledge_base_get_for(actor=actor, knowledge_base_id=knowledge_base.pk, write=True, documents=True)
    document.knowledge_base = knowledge_base
    return document
