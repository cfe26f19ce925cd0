"""Access-checked reads of the reviews before publish (assistants.review.services)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from assistants.catalog.selectors import assistant_get_for, builder_departments
from assistants.models import PublishReview
from bureau.exceptions import NotFound, PermissionDenied
from bureau.ids import as_id
from bureau.tenancy.access import access_of
from bureau.tenancy.models import User


def review_list_visible_to(*, actor: Any) -> QuerySet[PublishReview]:
    """Org admins and auditors see their organizations' reviews; builders and department admins
    their departments'; everyone the reviews they wrote."""
    access = access_of(actor)
    visible = Q(assistant__organization_id__in=access.org_admin_of | access.auditor_of) | Q(
        assistant__department_id__in=builder_departments(access)
    )
    if isinstance(actor, User):
        visible |= Q(author=actor, assistant__organization_id__in=access.organization_ids)
    return PublishReview.objects.filter(visible).select_related(
        "assistant", "assistant__department", "author", "reviewer", "published_version", "snapshot"
    )


def review_list_for(*, actor: Any, assistant_id: int | str) -> QuerySet[PublishReview]:
    assistant = assistant_get_for(actor=actor, assistant_id=assistant_id, read_config=True)
    return PublishReview.objects.filter(assistant=assistant).select_related(
        "assistant", "author", "reviewer", "published_version", "snapshot"
    )


def review_get_for(*, actor: Any, review_id: int | str, decide: bool = False) -> PublishReview:
    """Whoever may read the assistant's configuration reads its reviews (others: NotFound, or
    PermissionDenied for those who only use the assistant). `decide`: approve or reject, which
    org admins and auditors of its organization do."""
    review = (
        PublishReview.objects.filter(pk=as_id(review_id))
        .select_related("assistant", "author", "reviewer", "published_version", "snapshot")
        .first()
    )
    if review is None:
        raise NotFound(_("Review not found."))
    try:
        assistant = assistant_get_for(actor=actor, assistant_id=review.assistant_id, read_config=True)
    except NotFound:
        raise NotFound(_("Review not found.")) from None
    review.assistant = assistant
    if decide and not access_of(actor).reads_whole_organization(assistant.organization_id):
        raise PermissionDenied(_("Only org admins and auditors approve or reject reviews."))
    return review
