"""The usage ledger: what the chat runtime records, and the totals by day that admins and auditors read."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from rest_framework.test import APIClient

from bureau.audit.models import UsageRecord
from bureau.audit.usage import usage_record
from bureau.exceptions import ValidationFailed
from tests.factories import World

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
U = "/api/v1/usage/"


def _record(world: World, *, department_id: int, at: datetime, latency: int, assistant: int = 7) -> None:
    record = usage_record(
        organization_id=world.organization.pk,
        department_id=department_id,
        assistant_id=assistant,
        conversation_id=11,
        message_id=None,
        user_id=world.user("member").pk,
        api_key_id=None,
        model="fake-chat",
        prompt_tokens=100,
        completion_tokens=20,
        latency_ms=latency,
        ttft_ms=latency // 4,
    )
    UsageRecord.objects.filter(pk=record.pk).update(created_at=at)


@pytest.fixture
def ledger(world: World) -> World:
    """Two days in the department (3 messages, then 1), and one message in the other department."""
    for latency in (100, 200, 1000):
        _record(
            world,
            department_id=world.department.pk,
            at=datetime(2026, 11, 3, 9, tzinfo=HANOI),
            latency=latency,
        )
    # 06:30 on the 4th in Hà Nội is still the 3rd in UTC: days are counted in local time.
    _record(
        world,
        department_id=world.department.pk,
        at=datetime(2026, 11, 4, 6, 30, tzinfo=HANOI),
        latency=400,
        assistant=8,
    )
    _record(
        world, department_id=world.other_department.pk, at=datetime(2026, 11, 4, 8, tzinfo=HANOI), latency=50
    )
    return world


def _get(world: World, role: str, query: str = "") -> tuple[int, dict]:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(world.user(role))
    response = client.get(U + query)
    return response.status_code, response.json()


@pytest.mark.django_db
def test_totals_by_day_for_a_department(ledger: World) -> None:
    status, body = _get(ledger, "dept_admin", f"?department={ledger.department.pk}&group_by=day")
    assert status == 200
    assert body["group_by"] == "day"
    first, second = body["results"]
    assert first["day"] == "2026-11-03"
    assert first["messages"] == 3
    assert first["prompt_tokens"] == 300 and first["completion_tokens"] == 60 and first["total_tokens"] == 360
    assert first["avg_latency_ms"] == pytest.approx(433.3)
    # percentile_cont interpolates: 200 + 0.9 * (1000 - 200)
    assert first["p95_latency_ms"] == pytest.approx(920.0)
    assert first["avg_ttft_ms"] == pytest.approx(108.3)
    assert second["day"] == "2026-11-04" and second["messages"] == 1 and second["p95_latency_ms"] == 400
    assert body["total"] == {
        "messages": 4,
        "prompt_tokens": 400,
        "completion_tokens": 80,
        "total_tokens": 480,
    }


@pytest.mark.django_db
def test_auditors_and_org_admins_read_the_whole_organization(ledger: World) -> None:
    for role in ("auditor", "org_admin"):
        status, body = _get(ledger, role)
        assert status == 200
        assert [(d["day"], d["messages"]) for d in body["results"]] == [("2026-11-03", 3), ("2026-11-04", 2)]


@pytest.mark.django_db
def test_department_admins_read_only_their_department(ledger: World) -> None:
    status, body = _get(ledger, "dept_admin")
    assert status == 200 and body["total"]["messages"] == 4
    status, body = _get(ledger, "dept_admin", f"?department={ledger.other_department.pk}")
    assert status == 404


@pytest.mark.django_db
def test_filters_by_assistant_and_period(ledger: World) -> None:
    _status, body = _get(ledger, "auditor", "?assistant=8")
    assert body["total"]["messages"] == 1
    _status, body = _get(
        ledger, "auditor", "?since=2026-11-04T00:00:00%2B07:00&until=2026-11-05T00:00:00%2B07:00"
    )
    assert [(d["day"], d["messages"]) for d in body["results"]] == [("2026-11-04", 2)]


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["builder", "member", "outsider"])
def test_builders_and_members_may_not_read_usage(ledger: World, role: str) -> None:
    status, body = _get(ledger, role)
    assert status == 403
    assert body["error"]["code"] == "permission_denied"


@pytest.mark.django_db
def test_an_unknown_grouping_is_refused(ledger: World) -> None:
    status, _body = _get(ledger, "auditor", "?group_by=week")
    assert status == 400


@pytest.mark.django_db
def test_negative_counts_are_refused(world: World) -> None:
    with pytest.raises(ValidationFailed):
        usage_record(
            organization_id=world.organization.pk,
            department_id=None,
            assistant_id=None,
            conversation_id=None,
            message_id=None,
            user_id=None,
            api_key_id=None,
            model="m",
            prompt_tokens=-1,
            completion_tokens=0,
            latency_ms=0,
            ttft_ms=None,
        )
    assert not UsageRecord.objects.exists()
