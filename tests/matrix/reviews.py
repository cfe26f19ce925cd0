"""Reviews before publish: every route × role. The assistant belongs to the world's department with
visibility "department"; its review is submitted by the department's builder. Builders and admins
of the department submit and read reviews; plain members use the assistant but read none (403);
the outsider sees nothing (404); org admins and auditors decide, never on their own review; only
the author withdraws."""

from __future__ import annotations

from typing import Any

from tests.factories import World
from tests.permission_matrix import Case, everyone

A = "/api/v1/assistants/"
R = "/api/v1/reviews/"
READERS = everyone(200, member=403, outsider=404)


def _assistant(world: World) -> Any:
    from assistants.catalog.services import assistant_create
    from assistants.models import Assistant

    found = Assistant.objects.filter(department=world.department, name="Trợ lý duyệt").first()
    return found or assistant_create(actor=None, department=world.department, name="Trợ lý duyệt")


def _review(world: World) -> str:
    from assistants.models import PublishReview, ReviewState
    from assistants.review.services import review_submit

    assistant = _assistant(world)
    review = PublishReview.objects.filter(assistant=assistant, state=ReviewState.PENDING).first()
    if review is None:
        review = review_submit(actor=world.user("builder"), assistant=assistant, changelog="Bản đầu tiên")
    return f"{R}{review.pk}/"


def _deciders(status: int) -> dict[str, int]:
    # The builder is the author: as any non-decider who reads the review, 403.
    return everyone(403, org_admin=status, auditor=status, outsider=404)


CASES: list[Case] = [
    Case("assistant-review-list", "get", lambda w: f"{A}{_assistant(w).pk}/reviews/", READERS),
    Case(
        "assistant-review-list",
        "post",
        lambda w: f"{A}{_assistant(w).pk}/reviews/",
        everyone(403, org_admin=201, dept_admin=201, builder=201, outsider=404),
        body=lambda w: {"changelog": "Thêm hướng dẫn thủ tục"},
        audit_action="assistant.review_submit",
    ),
    Case("review-list", "get", lambda w: R, everyone(200)),
    Case("review-detail", "get", _review, READERS),
    Case(
        "review-approve",
        "post",
        lambda w: _review(w) + "approve/",
        _deciders(200),
        body=lambda w: {"comment": "Đồng ý"},
        audit_action="assistant.review_approve",
    ),
    Case(
        "review-reject",
        "post",
        lambda w: _review(w) + "reject/",
        _deciders(200),
        body=lambda w: {"comment": "Thiếu căn cứ pháp lý"},
        audit_action="assistant.review_reject",
    ),
    Case(
        "review-withdraw",
        "post",
        lambda w: _review(w) + "withdraw/",
        everyone(403, builder=200, outsider=404),
        audit_action="assistant.review_withdraw",
    ),
]
