"""Review before publish: with the organization's policy on, a builder submits, an org admin or an
auditor (never the author) approves or rejects, and approval publishes exactly what was submitted."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction
from rest_framework.test import APIClient

from assistants.models import AssistantVersion, PublishReview, VersionState
from bureau.audit.models import AuditEvent
from bureau.governance.selectors import policy_of
from bureau.governance.services import policy_update
from bureau.tenancy.models import Role
from tests.factories import World, make_member

pytestmark = pytest.mark.django_db

A = "/api/v1/assistants/"
R = "/api/v1/reviews/"


def _as(world: World, role: str) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(world.user(role))
    return client


def _policy(world: World, on: bool) -> None:
    with transaction.atomic():
        policy_update(actor=None, policy=policy_of(world.organization), require_publish_review=on)


def _assistant(world: World, instructions: str = "Phiên bản một.") -> int:
    builder = _as(world, "builder")
    created = builder.post(A, {"name": "Trợ lý thủ tục"}, format="json")
    assert created.status_code == 201, created.content
    pk = int(created.json()["id"])
    _edit(world, pk, instructions)
    return pk


def _edit(world: World, pk: int, instructions: str) -> None:
    response = _as(world, "builder").patch(f"{A}{pk}/draft/", {"instructions": instructions}, format="json")
    assert response.status_code == 200, response.content


def _submit(world: World, pk: int, role: str = "builder", **body: Any) -> Any:
    return _as(world, role).post(f"{A}{pk}/reviews/", {"changelog": "Sửa hướng dẫn", **body}, format="json")


def _published(pk: int) -> AssistantVersion | None:
    return AssistantVersion.objects.filter(assistant_id=pk, state=VersionState.PUBLISHED).first()


def test_with_the_policy_off_publish_works_as_before(world: World) -> None:
    pk = _assistant(world)
    response = _as(world, "builder").post(f"{A}{pk}/publish/", {"changelog": "v1"}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["number"] == 1 and response.json()["instructions"] == "Phiên bản một."


def test_with_the_policy_on_publish_and_rollback_answer_409_pointing_to_review(world: World) -> None:
    pk = _assistant(world)
    assert _as(world, "builder").post(f"{A}{pk}/publish/", {}, format="json").status_code == 201
    _policy(world, True)
    builder = _as(world, "builder")
    response = builder.post(f"{A}{pk}/publish/", {}, format="json")
    assert response.status_code == 409
    assert "submit the draft for review" in response.json()["error"]["message"]
    response = builder.post(f"{A}{pk}/versions/1/rollback/", {}, format="json")
    assert response.status_code == 409 and "review" in response.json()["error"]["message"]
    # The org admin is held to it too.
    assert _as(world, "org_admin").post(f"{A}{pk}/publish/", {}, format="json").status_code == 409
    vi = APIClient()
    vi.force_authenticate(world.user("builder"))
    assert "duyệt" in vi.post(f"{A}{pk}/publish/", {}, format="json").json()["error"]["message"]


def test_approval_by_an_auditor_publishes_what_was_submitted(world: World) -> None:
    _policy(world, True)
    pk = _assistant(world, "Nội dung được gửi duyệt.")
    submitted = _submit(world, pk)
    assert submitted.status_code == 201, submitted.content
    review = submitted.json()
    assert review["state"] == "pending" and review["author"] == world.user("builder").email
    assert review["changes"]["instructions"] == {"before": None, "after": "Nội dung được gửi duyệt."}
    # The builder goes on editing after submitting: the review still holds what was submitted.
    _edit(world, pk, "Bản nháp sửa sau khi gửi.")

    auditor = _as(world, "auditor")
    pending = auditor.get(R, {"state": "pending"}).json()
    assert [r["id"] for r in pending["results"]] == [review["id"]]
    approved = auditor.post(f"{R}{review['id']}/approve/", {"comment": "Đồng ý"}, format="json")
    assert approved.status_code == 200, approved.content
    body = approved.json()
    assert body["state"] == "approved" and body["published_version"] == 1
    assert body["reviewer"] == world.user("auditor").email and body["comment"] == "Đồng ý"

    version = _published(pk)
    assert version is not None and version.number == 1
    assert version.instructions == "Nội dung được gửi duyệt."
    assert version.changelog == "Sửa hướng dẫn" and version.config_hash == review["config_hash"]
    assert version.published_by == world.user("auditor")
    draft = AssistantVersion.objects.get(assistant_id=pk, state=VersionState.DRAFT)
    assert draft.instructions == "Bản nháp sửa sau khi gửi."
    # The snapshot is not a numbered version: the versions list shows only the published one.
    listed = _as(world, "builder").get(f"{A}{pk}/versions/").json()
    assert [v["number"] for v in listed["results"]] == [1]
    assert auditor.get(R, {"state": "pending"}).json()["count"] == 0


def test_the_author_cannot_approve_their_own_review_even_as_org_admin(world: World) -> None:
    _policy(world, True)
    pk = _assistant(world)
    review = _submit(world, pk, role="org_admin").json()
    response = _as(world, "org_admin").post(f"{R}{review['id']}/approve/", {}, format="json")
    assert response.status_code == 403
    assert "You submitted this review" in response.json()["error"]["message"]
    assert PublishReview.objects.get(pk=review["id"]).state == "pending" and _published(pk) is None
    # Another decider may.
    assert _as(world, "auditor").post(f"{R}{review['id']}/approve/", {}, format="json").status_code == 200


def test_builders_and_department_admins_do_not_decide(world: World) -> None:
    _policy(world, True)
    pk = _assistant(world)
    review = _submit(world, pk).json()
    response = _as(world, "dept_admin").post(f"{R}{review['id']}/approve/", {}, format="json")
    assert response.status_code == 403 and "org admins and auditors" in response.json()["error"]["message"]


def test_reject_keeps_the_published_version(world: World) -> None:
    pk = _assistant(world)
    assert _as(world, "builder").post(f"{A}{pk}/publish/", {}, format="json").status_code == 201
    _policy(world, True)
    _edit(world, pk, "Thay đổi chưa được duyệt.")
    review = _submit(world, pk).json()
    auditor = _as(world, "auditor")
    assert auditor.post(f"{R}{review['id']}/reject/", {"comment": ""}, format="json").status_code == 400
    rejected = auditor.post(f"{R}{review['id']}/reject/", {"comment": "Thiếu căn cứ"}, format="json")
    assert rejected.status_code == 200 and rejected.json()["state"] == "rejected"
    version = _published(pk)
    assert version is not None and version.number == 1 and version.instructions == "Phiên bản một."
    # A decided review cannot be decided again.
    again = auditor.post(f"{R}{review['id']}/approve/", {}, format="json")
    assert again.status_code == 409 and "no longer pending" in again.json()["error"]["message"]


def test_every_step_is_audited_with_the_diff_against_the_published_version(world: World) -> None:
    pk = _assistant(world)
    assert _as(world, "builder").post(f"{A}{pk}/publish/", {}, format="json").status_code == 201
    _policy(world, True)
    _edit(world, pk, "Phiên bản hai.")
    first = _submit(world, pk).json()
    assert _as(world, "builder").post(f"{R}{first['id']}/withdraw/", format="json").status_code == 200
    second = _submit(world, pk).json()
    _as(world, "auditor").post(f"{R}{second['id']}/reject/", {"comment": "Chưa rõ"}, format="json")
    third = _submit(world, pk).json()
    _as(world, "org_admin").post(f"{R}{third['id']}/approve/", {}, format="json")

    expected = [
        ("assistant.review_submit", "builder", first["id"]),
        ("assistant.review_withdraw", "builder", first["id"]),
        ("assistant.review_submit", "builder", second["id"]),
        ("assistant.review_reject", "auditor", second["id"]),
        ("assistant.review_submit", "builder", third["id"]),
        ("assistant.review_approve", "org_admin", third["id"]),
    ]
    events = list(AuditEvent.objects.filter(action__startswith="assistant.review_").order_by("id"))
    assert [(e.action, e.actor_id, (e.after or {})["review"]) for e in events] == [
        (action, world.user(role).pk, review) for action, role, review in expected
    ]
    for event in events:
        assert (event.before or {})["instructions"] == "Phiên bản một."
        assert (event.after or {})["instructions"] == "Phiên bản hai."
    assert (events[3].after or {})["comment"] == "Chưa rõ"
    assert (events[-1].after or {})["version"] == 2
    publish = AuditEvent.objects.filter(action="assistant.publish").latest("id")
    assert publish.after and publish.after["review"] == third["id"] and publish.after["version"] == 2


def test_one_pending_review_per_assistant_and_only_its_author_withdraws_it(world: World) -> None:
    _policy(world, True)
    pk = _assistant(world)
    review = _submit(world, pk).json()
    second = _submit(world, pk, role="dept_admin")
    assert second.status_code == 409 and "already pending" in second.json()["error"]["message"]
    refused = _as(world, "dept_admin").post(f"{R}{review['id']}/withdraw/", format="json")
    assert refused.status_code == 403 and "author" in refused.json()["error"]["message"]
    assert _as(world, "builder").post(f"{R}{review['id']}/withdraw/", format="json").status_code == 200
    assert _submit(world, pk, role="dept_admin").status_code == 201


def test_a_member_cannot_submit_and_an_outsider_sees_nothing(world: World) -> None:
    _policy(world, True)
    pk = _assistant(world)
    assert _submit(world, pk, role="member").status_code == 403
    review = _submit(world, pk).json()
    outsider = _as(world, "outsider")
    assert _submit(world, pk, role="outsider").status_code == 404
    assert outsider.get(f"{R}{review['id']}/").status_code == 404
    assert outsider.post(f"{R}{review['id']}/approve/", {}, format="json").status_code == 404
    assert outsider.get(R).json()["count"] == 0
    assert _as(world, "member").get(f"{R}{review['id']}/").status_code == 403


def test_the_org_wide_list_by_role(world: World) -> None:
    _policy(world, True)
    ours = _assistant(world)
    _submit(world, ours)
    other_builder = make_member(world.other_department, Role.BUILDER)
    theirs_client = APIClient()
    theirs_client.force_authenticate(other_builder)
    theirs = theirs_client.post(A, {"name": "Trợ lý Nội vụ"}, format="json").json()["id"]
    assert theirs_client.post(f"{A}{theirs}/reviews/", {}, format="json").status_code == 201

    def names(client: APIClient) -> set[str]:
        return {r["assistant_name"] for r in client.get(R, {"state": "pending"}).json()["results"]}

    assert names(_as(world, "auditor")) == {"Trợ lý thủ tục", "Trợ lý Nội vụ"}
    assert names(_as(world, "org_admin")) == {"Trợ lý thủ tục", "Trợ lý Nội vụ"}
    assert names(_as(world, "dept_admin")) == {"Trợ lý thủ tục"}
    assert names(theirs_client) == {"Trợ lý Nội vụ"}
    assert names(_as(world, "member")) == set()
    assert _as(world, "auditor").get(R, {"state": "approved"}).json()["count"] == 0


def test_a_rollback_under_the_policy_is_a_review_of_the_old_content(world: World) -> None:
    pk = _assistant(world)
    builder = _as(world, "builder")
    assert builder.post(f"{A}{pk}/publish/", {}, format="json").status_code == 201
    _edit(world, pk, "Phiên bản hai.")
    assert builder.post(f"{A}{pk}/publish/", {}, format="json").status_code == 201
    _policy(world, True)
    assert builder.post(f"{A}{pk}/reviews/", {"version": 9}, format="json").status_code == 404
    submitted = builder.post(f"{A}{pk}/reviews/", {"version": 1}, format="json")
    assert submitted.status_code == 201, submitted.content
    review = submitted.json()
    assert review["rollback_of"] == 1 and review["changelog"] == "Rollback to version 1"
    assert review["against"] == 2
    assert review["changes"]["instructions"] == {"before": "Phiên bản hai.", "after": "Phiên bản một."}
    approved = _as(world, "auditor").post(f"{R}{review['id']}/approve/", {}, format="json")
    assert approved.status_code == 200 and approved.json()["published_version"] == 3
    version = _published(pk)
    assert version is not None and version.instructions == "Phiên bản một."
    assert version.config_hash == AssistantVersion.objects.get(assistant_id=pk, number=1).config_hash


def test_approval_is_refused_when_what_was_submitted_lost_a_knowledge_base(world: World) -> None:
    from knowledge.services import knowledge_base_create

    _policy(world, True)
    pk = _assistant(world)
    with transaction.atomic():
        kb = knowledge_base_create(actor=None, department=world.department, name="Quy chế nội bộ")
    linked = _as(world, "builder").patch(f"{A}{pk}/draft/", {"knowledge_base_ids": [kb.pk]}, format="json")
    assert linked.status_code == 200, linked.content
    review = _submit(world, pk).json()
    kb.delete()
    response = _as(world, "auditor").post(f"{R}{review['id']}/approve/", {}, format="json")
    assert (
        response.status_code == 409
        and "knowledge base it used was deleted" in response.json()["error"]["message"]
    )
    assert _published(pk) is None and PublishReview.objects.get(pk=review["id"]).state == "pending"


def test_an_assistant_with_reviews_can_still_be_deleted(world: World) -> None:
    _policy(world, True)
    pk = _assistant(world)
    approved = _submit(world, pk).json()
    assert _as(world, "auditor").post(f"{R}{approved['id']}/approve/", {}, format="json").status_code == 200
    _submit(world, pk)  # and one pending
    assert _as(world, "builder").delete(f"{A}{pk}/").status_code == 204
    assert not PublishReview.objects.filter(assistant_id=pk).exists()
