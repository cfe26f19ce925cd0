"""Review before publish: when the organization's policy `require_publish_review` is on, a builder
submits the draft (or, for a rollback, an old version's content) with a changelog note, and an org
admin or an auditor who is not its author approves or rejects it.

Submitting freezes the content into a snapshot (an unnumbered version in state "submitted") with its
config hash. Approving publishes exactly that snapshot as a new numbered version, even if the draft
changed since; the draft itself is left as it is, since its author may have gone on editing. One
review per assistant may be pending at a time; its author may withdraw it.

Each step records its audit event in its own transaction, with the diff of the reviewed content
against the version published at that moment.
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from assistants.catalog.versions import (
    SCALAR_FIELDS,
    config_hash,
    freeze_version,
    published_config,
    version_config,
    versions_diff,
)
from assistants.models import Assistant, AssistantVersion, PublishReview, ReviewState, VersionState
from assistants.review.clearance import check_publishable
from bureau.audit.services import audit_record, diff
from bureau.exceptions import Conflict, NotFound, PermissionDenied, ValidationFailed
from bureau.tenancy.access import ApiKeyActor
from bureau.tenancy.models import User


def review_changes(review: PublishReview) -> dict[str, dict[str, Any]]:
    """Per field, the published value and the reviewed one."""
    return versions_diff(published_config(review.assistant), version_config(review.snapshot))


def _audit(actor: Any, review: PublishReview, action: str, **extra: Any) -> None:
    """The event of one step: the review's state and the diff of its content against what is
    published now."""
    assistant = review.assistant
    old, new = diff(published_config(assistant), version_config(review.snapshot))
    published = assistant.published_version
    audit_record(
        actor=actor,
        organization=assistant.organization_id,
        department=assistant.department_id,
        action=action,
        target=assistant,
        target_label=assistant.name,
        before={"version": published.number if published else None, **old},
        after={
            "review": review.pk,
            "state": review.state,
            "changelog": review.changelog,
            "rollback_of": review.rollback_of,
            "config_hash": review.config_hash,
            **extra,
            **new,
        },
    )


def _snapshot(*, actor: Any, assistant: Assistant, source: AssistantVersion) -> AssistantVersion:
    snapshot = AssistantVersion.objects.create(
        assistant=assistant,
        state=VersionState.SUBMITTED,
        model_provider_id=source.model_provider_id,
        tools=[dict(t) for t in source.tools],
        created_by=actor if isinstance(actor, User) else None,
        **{name: getattr(source, name) for name in SCALAR_FIELDS},
    )
    snapshot.knowledge_bases.set(source.knowledge_bases.all())
    snapshot.config_hash = config_hash(snapshot)
    snapshot.save(update_fields=["config_hash"])
    return snapshot


@transaction.atomic
def review_submit(
    *, actor: Any, assistant: Assistant, changelog: str = "", version: int | None = None
) -> PublishReview:
    """A review of the draft, or with `version` (a number) of that version's content: a rollback."""
    assistant = Assistant.objects.select_for_update().get(pk=assistant.pk)
    if assistant.reviews.filter(state=ReviewState.PENDING).exists():
        raise Conflict(
            _("A review of this assistant is already pending: wait for its decision or withdraw it first.")
        )
    if version is None:
        source = assistant.versions.get(state=VersionState.DRAFT)
    else:
        found = assistant.versions.filter(number=version).exclude(state=VersionState.DRAFT).first()
        if found is None:
            raise NotFound(_("Version not found."))
        source = found
        changelog = changelog or _("Rollback to version %d") % version
    source.assistant = assistant
    # Refused now rather than at approval: the builder can fix it before anyone reviews it.
    check_publishable(source)
    snapshot = _snapshot(actor=actor, assistant=assistant, source=source)
    try:
        with transaction.atomic():
            review = PublishReview.objects.create(
                assistant=assistant,
                snapshot=snapshot,
                config_hash=snapshot.config_hash,
                rollback_of=version,
                changelog=changelog,
                author=actor if isinstance(actor, User) else None,
                author_api_key=actor.api_key if isinstance(actor, ApiKeyActor) else None,
            )
    except IntegrityError:  # the partial unique index: another submit won the race
        raise Conflict(_("A review of this assistant is already pending.")) from None
    _audit(actor, review, "assistant.review_submit")
    return review


def _locked_pending(review: PublishReview) -> PublishReview:
    locked = (
        PublishReview.objects.select_for_update().select_related("assistant", "snapshot").get(pk=review.pk)
    )
    if locked.state != ReviewState.PENDING:
        raise Conflict(
            _("This review is no longer pending (%(state)s).") % {"state": ReviewState(locked.state).label}
        )
    return locked


def _is_author(actor: Any, review: PublishReview) -> bool:
    if isinstance(actor, User):
        return review.author_id is not None and review.author_id == actor.pk
    if isinstance(actor, ApiKeyActor):
        return review.author_api_key_id is not None and review.author_api_key_id == actor.api_key.pk
    return False


def _decide(review: PublishReview, actor: Any, state: str, comment: str) -> None:
    review.state = state
    review.reviewer = actor if isinstance(actor, User) else None
    review.comment = comment
    review.decided_at = timezone.now()


@transaction.atomic
def review_withdraw(*, actor: Any, review: PublishReview) -> PublishReview:
    review = _locked_pending(review)
    if not _is_author(actor, review):
        raise PermissionDenied(_("Only the author of a review can withdraw it."))
    review.state = ReviewState.WITHDRAWN
    review.decided_at = timezone.now()
    review.save(update_fields=["state", "decided_at"])
    _audit(actor, review, "assistant.review_withdraw")
    return review


def _check_reviewer(actor: Any, review: PublishReview) -> None:
    if _is_author(actor, review):
        raise PermissionDenied(
            _("You submitted this review: someone else (an org admin or an auditor) must decide on it.")
        )


@transaction.atomic
def review_reject(*, actor: Any, review: PublishReview, comment: str) -> PublishReview:
    """The published version stays as it is."""
    review = _locked_pending(review)
    _check_reviewer(actor, review)
    if not comment.strip():
        raise ValidationFailed(details={"comment": [_("Say why the review is rejected.")]})
    _decide(review, actor, ReviewState.REJECTED, comment.strip())
    review.save(update_fields=["state", "reviewer", "comment", "decided_at"])
    _audit(actor, review, "assistant.review_reject", comment=review.comment)
    return review


@transaction.atomic
def review_approve(*, actor: Any, review: PublishReview, comment: str = "") -> PublishReview:
    """Publishes the snapshot as a new version, with the review's changelog."""
    review = _locked_pending(review)
    _check_reviewer(actor, review)
    assistant = Assistant.objects.select_for_update().get(pk=review.assistant_id)
    review.assistant = assistant
    snapshot = review.snapshot
    if config_hash(snapshot) != review.config_hash:
        # Nothing edits a snapshot; only a deletion reaches it (a knowledge base deleted since,
        # its link going with it; a provider in use cannot be deleted). What would go live is not
        # what was reviewed.
        raise Conflict(
            _(
                "What was submitted has changed since (a knowledge base it used was deleted): "
                "reject this review and submit again."
            )
        )
    old, new = diff(published_config(assistant), version_config(snapshot))
    previous = assistant.published_version
    version = freeze_version(actor=actor, assistant=assistant, source=snapshot, changelog=review.changelog)
    _decide(review, actor, ReviewState.APPROVED, comment.strip())
    review.published_version = version
    review.save(update_fields=["state", "reviewer", "comment", "decided_at", "published_version"])
    audit_record(
        actor=actor,
        organization=assistant.organization_id,
        department=assistant.department_id,
        action="assistant.publish",
        target=assistant,
        target_label=assistant.name,
        before={"version": previous.number if previous else None, **old},
        after={"version": version.number, "changelog": review.changelog, "review": review.pk, **new},
    )
    # Recorded after the publish, so its "before" is the version the review replaced.
    audit_record(
        actor=actor,
        organization=assistant.organization_id,
        department=assistant.department_id,
        action="assistant.review_approve",
        target=assistant,
        target_label=assistant.name,
        before={"version": previous.number if previous else None, **old},
        after={
            "review": review.pk,
            "state": review.state,
            "changelog": review.changelog,
            "rollback_of": review.rollback_of,
            "config_hash": review.config_hash,
            "comment": review.comment,
            "version": version.number,
            **new,
        },
    )
    return review
