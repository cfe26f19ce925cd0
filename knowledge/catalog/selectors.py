"""The organization-wide knowledge catalog: the knowledge bases whose visibility is "organization",
which any builder of the organization may attach to an assistant (within the grant and
classification rules that `knowledge_base_list_usable_by` applies when they are linked).

Everyone signed in within the organization reads it, API keys included; anyone else sees an empty
catalog. Knowledge bases scoped to something narrower (a conversation's attachments, when the
model has a `scope` field) are never part of it.
"""

from __future__ import annotations

from collections import Counter
from typing import Any, TypedDict

from django.core.exceptions import FieldDoesNotExist
from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from bureau.exceptions import NotFound
from bureau.tenancy.access import access_of
from bureau.tenancy.models import Department
from knowledge.models import DocumentStatus, KnowledgeBase, Visibility


class DomainCount(TypedDict):
    domain: str
    count: int


def _unscoped() -> Q:
    """Bases with no `scope`; every base while the model has no such field."""
    try:
        field = KnowledgeBase._meta.get_field("scope")
    except FieldDoesNotExist:
        return Q()
    if field.is_relation:
        return Q(scope__isnull=True)
    return Q(scope__isnull=True) | Q(scope="")


def _catalog_bases(actor: Any) -> QuerySet[KnowledgeBase]:
    organizations = access_of(actor).organization_ids
    return KnowledgeBase.objects.filter(
        _unscoped(), visibility=Visibility.ORGANIZATION, organization_id__in=organizations
    )


def catalog_department_get_for(*, actor: Any, department_id: int | str) -> Department:
    """A department of one of the actor's organizations; NotFound for any other."""
    try:
        pk = int(department_id)
    except (TypeError, ValueError):
        pk = -1
    department = Department.objects.filter(
        pk=pk, organization_id__in=access_of(actor).organization_ids
    ).first()
    if department is None:
        raise NotFound(_("Department not found."))
    return department


def catalog_list_for(
    *, actor: Any, domain: str | None = None, department_id: int | str | None = None
) -> QuerySet[KnowledgeBase]:
    """Organization-visible knowledge bases, each annotated with `ready_document_count`, ordered
    by owner department and name; `domain` keeps those tagged with it, `department_id` those owned
    by that department."""
    bases = _catalog_bases(actor)
    if domain:
        bases = bases.filter(domain_tags__contains=[domain])
    if department_id is not None and department_id != "":
        department = catalog_department_get_for(actor=actor, department_id=department_id)
        bases = bases.filter(department=department)
    ready = Q(documents__status=DocumentStatus.READY, documents__enabled=True)
    return (
        bases.select_related("department")
        .annotate(ready_document_count=Count("documents", filter=ready))
        .order_by("department__name", "name", "pk")
    )


def catalog_domains_for(*, actor: Any) -> list[DomainCount]:
    """Every domain tag of the catalog with how many knowledge bases carry it, most used first."""
    counts: Counter[str] = Counter()
    for tags in _catalog_bases(actor).values_list("domain_tags", flat=True):
        counts.update(set(tags or []))
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return [DomainCount(domain=tag, count=count) for tag, count in ordered]


def catalog_departments_for(*, actor: Any) -> QuerySet[Department]:
    """The departments of the actor's organizations, by name: whom a knowledge base can be shared
    with, and the owners the catalog can be filtered by. Names only; anyone else sees none."""
    return Department.objects.filter(organization_id__in=access_of(actor).organization_ids).order_by(
        "name", "pk"
    )
