"""Quotas and rate limits: tokens per department per month, messages per user per day, requests per
API key per minute. Time is frozen by passing `now` into the services; nothing sleeps."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import openai
import pytest
from django.db import transaction
from django.test import Client
from django.utils import timezone

from assistants.models import Conversation
from bureau.audit.models import AuditEvent, UsageRecord
from bureau.audit.usage import usage_record
from bureau.exceptions import QuotaExceeded
from bureau.quotas import selectors
from bureau.quotas.models import QuotaKind, QuotaLimit
from bureau.quotas.services import api_key_request_admit, chat_turn_admit, quota_set
from bureau.quotas.windows import month_of
from bureau.tenancy.models import ApiKey
from bureau.tenancy.services import api_key_create
from tests.assistants.chat_helpers import make_assistant, sse_events, streamed
from tests.factories import World, signed_in

pytestmark = pytest.mark.django_db

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
TOKENS = QuotaKind.DEPARTMENT_TOKENS_PER_MONTH
MESSAGES = QuotaKind.USER_MESSAGES_PER_DAY
REQUESTS = QuotaKind.API_KEY_REQUESTS_PER_MINUTE


def _set(world: World, kind: str, limit: int | None, **scope: Any) -> QuotaLimit:
    quota, _created = quota_set(
        actor=world.user("org_admin"), organization_id=world.organization.pk, kind=kind, limit=limit, **scope
    )
    return quota


def _conversation(client: Client, assistant_id: int) -> int:
    response = client.post(
        "/api/v1/conversations/", {"assistant": assistant_id}, content_type="application/json"
    )
    assert response.status_code == 201, response.content
    return int(response.json()["id"])


def _ask(client: Client, conversation_id: int, *, stream: bool = False) -> Any:
    return client.post(
        f"/api/v1/conversations/{conversation_id}/messages/",
        {"content": "Giờ làm việc của Sở?"},
        content_type="application/json",
        headers={"Accept": "text/event-stream"} if stream else {},
    )


def _ledger(world: World, *, tokens: int = 0, user: Any = None, at: datetime | None = None) -> UsageRecord:
    with transaction.atomic():
        record = usage_record(
            organization_id=world.organization.pk,
            department_id=world.department.pk,
            assistant_id=None,
            conversation_id=None,
            message_id=None,
            user_id=user.pk if user else None,
            api_key_id=None,
            model="fake-chat",
            prompt_tokens=tokens // 2,
            completion_tokens=tokens - tokens // 2,
            latency_ms=10,
            ttft_ms=None,
        )
    if at is not None:
        UsageRecord.objects.filter(pk=record.pk).update(created_at=at)
    return record


def _key(world: World, scopes: tuple[str, ...] = ("chat",)) -> tuple[ApiKey, str]:
    with transaction.atomic():
        created = api_key_create(actor=None, department=world.department, name="Cổng", scopes=list(scopes))
    return created.api_key, created.raw_key


# --- messages per user per day ---------------------------------------------------------------------


def test_messages_per_day_answer_429_on_the_one_past_the_limit_in_both_languages(world: World) -> None:
    _set(world, MESSAGES, 2)
    assistant = make_assistant(world.department)
    client = signed_in(world)
    conversation = _conversation(client, assistant.pk)
    assert _ask(client, conversation).status_code == 200
    assert _ask(client, conversation).status_code == 200
    refused = _ask(client, conversation)
    assert refused.status_code == 429
    body = refused.json()
    assert body["error"]["code"] == "quota_exceeded"
    assert body["error"]["details"]["limit"] == "user_messages_per_day"
    assert body["error"]["details"]["limit_value"] == 2 and body["error"]["details"]["used"] == 2
    resets_at = datetime.fromisoformat(body["error"]["details"]["resets_at"])
    tomorrow = timezone.now().astimezone(HCM).date() + timedelta(days=1)
    assert resets_at == datetime(tomorrow.year, tomorrow.month, tomorrow.day, tzinfo=HCM)
    retry_after = int(refused["Retry-After"])
    assert 0 < retry_after <= 24 * 3600 and retry_after == body["error"]["details"]["retry_after"]
    assert "tin nhắn" in body["error"]["message"] and "00:00:00" in body["error"]["message"]
    english = _ask(signed_in(world, language="en"), conversation)
    assert english.status_code == 429
    assert english.json()["error"]["message"].startswith("You have sent your 2 messages for today.")
    # Nothing was stored for the refused questions.
    assert Conversation.objects.get(pk=conversation).messages.count() == 4


def test_a_streaming_request_past_the_limit_gets_json_not_a_broken_stream(world: World) -> None:
    _set(world, MESSAGES, 1)
    assistant = make_assistant(world.department)
    client = signed_in(world)
    conversation = _conversation(client, assistant.pk)
    first = _ask(client, conversation, stream=True)
    assert first.status_code == 200 and sse_events(streamed(first))[-1][0] == "message.completed"
    refused = _ask(client, conversation, stream=True)
    assert refused.status_code == 429
    assert refused["Content-Type"].startswith("application/json") and not refused.streaming
    assert refused.json()["error"]["details"]["limit"] == "user_messages_per_day"
    assert "Retry-After" in refused


def test_regenerate_is_refused_past_the_limit(world: World) -> None:
    _set(world, MESSAGES, 1)
    assistant = make_assistant(world.department)
    client = signed_in(world)
    conversation = _conversation(client, assistant.pk)
    answer = _ask(client, conversation).json()
    again = client.post(
        f"/api/v1/conversations/{conversation}/messages/{answer['message_id']}/regenerate/",
        content_type="application/json",
    )
    assert again.status_code == 429 and again.json()["error"]["details"]["limit"] == "user_messages_per_day"


def test_user_override_beats_department_override_beats_organization_default(world: World) -> None:
    member, builder, outsider = world.user("member"), world.user("builder"), world.user("outsider")
    org = world.organization.pk

    def limit_of(user: Any) -> int | None:
        return selectors.user_messages(user, org, timezone.now()).limit

    assert limit_of(member) is None  # no row and no setting: unlimited
    _set(world, MESSAGES, 5)
    assert limit_of(member) == 5 and limit_of(outsider) == 5
    _set(world, MESSAGES, 10, department=world.department)
    assert limit_of(member) == 10 and limit_of(builder) == 10 and limit_of(outsider) == 5
    _set(world, MESSAGES, 3, user=member)
    assert limit_of(member) == 3 and limit_of(builder) == 10
    _set(world, MESSAGES, None, user=builder)  # explicitly unlimited
    assert limit_of(builder) is None


def test_settings_give_the_default_when_the_organization_sets_none(world: World, settings: Any) -> None:
    settings.BUREAU_QUOTA_USER_MESSAGES_PER_DAY = 7
    assert selectors.user_messages(world.user("member"), world.organization.pk, timezone.now()).limit == 7
    _set(world, MESSAGES, None)  # the organization lifts it
    assert selectors.user_messages(world.user("member"), world.organization.pk, timezone.now()).limit is None


def test_the_day_rolls_over_at_midnight_in_ho_chi_minh_city(world: World) -> None:
    _set(world, MESSAGES, 1)
    member = world.user("member")
    late = datetime(2026, 3, 10, 23, 59, 30, tzinfo=HCM)
    _ledger(world, user=member, at=late - timedelta(hours=1))
    with pytest.raises(QuotaExceeded) as refused:
        chat_turn_admit(
            actor=member, organization_id=world.organization.pk, department_id=world.department.pk, now=late
        )
    assert refused.value.retry_after == 30
    next_day = datetime(2026, 3, 11, 0, 0, 1, tzinfo=HCM)
    chat_turn_admit(
        actor=member, organization_id=world.organization.pk, department_id=world.department.pk, now=next_day
    )


# --- tokens per department per month --------------------------------------------------------------


def test_department_tokens_answer_429_once_used_up_and_reset_with_the_month(world: World) -> None:
    _set(world, TOKENS, 1_000_000)  # the organization default is generous…
    _set(world, TOKENS, 1000, department=world.department)  # …the department's override is not
    assistant = make_assistant(world.department)
    client = signed_in(world, language="en")
    conversation = _conversation(client, assistant.pk)
    _ledger(world, tokens=999)
    assert _ask(client, conversation).status_code == 200  # 999 < 1000: not before
    _ledger(world, tokens=1)
    refused = _ask(client, conversation)
    assert refused.status_code == 429
    details = refused.json()["error"]["details"]
    assert details["limit"] == "department_tokens_per_month" and details["used"] == 1000
    assert int(refused["Retry-After"]) == details["retry_after"] > 0
    assert refused.json()["error"]["message"].startswith("The department has used its 1000 tokens")
    vietnamese = _ask(signed_in(world), conversation).json()["error"]["message"]
    assert "token" in vietnamese and "tháng" in vietnamese
    resets_at = datetime.fromisoformat(details["resets_at"]).astimezone(HCM)
    assert (resets_at.day, resets_at.hour, resets_at.minute) == (1, 0, 0)
    # Another department's assistant is not held back by this department's budget.
    other = make_assistant(world.other_department, slug="noi-vu")
    outsider = signed_in(world, "outsider")
    assert _ask(outsider, _conversation(outsider, other.pk)).status_code == 200


def test_the_month_rolls_over_in_ho_chi_minh_city(world: World) -> None:
    _set(world, TOKENS, 100, department=world.department)
    end_of_month = datetime(2026, 1, 31, 23, 0, tzinfo=HCM)
    _ledger(world, tokens=100, at=end_of_month - timedelta(days=3))
    admit = {"organization_id": world.organization.pk, "department_id": world.department.pk}
    with pytest.raises(QuotaExceeded) as refused:
        chat_turn_admit(actor=world.user("member"), now=end_of_month, **admit)
    assert refused.value.details["resets_at"] == datetime(2026, 2, 1, tzinfo=HCM).isoformat()
    assert refused.value.retry_after == 3600
    chat_turn_admit(actor=world.user("member"), now=datetime(2026, 2, 1, 0, 0, 1, tzinfo=HCM), **admit)


# --- requests per API key per minute -----------------------------------------------------------------


@pytest.fixture
def frozen(monkeypatch: pytest.MonkeyPatch) -> datetime:
    """The per-minute counters' clock, stopped ten seconds into a minute, so that no request of a
    test lands in the next minute whatever the real time."""
    moment = timezone.now().replace(second=10, microsecond=0)
    monkeypatch.setattr("bureau.quotas.windows.clock", lambda: moment)
    return moment


def test_api_key_requests_per_minute_on_the_openai_compatible_endpoint(
    world: World, frozen: datetime
) -> None:
    make_assistant(world.department, slug="tro-ly")
    key, raw = _key(world)
    _set(world, REQUESTS, 100, department=world.department)
    _set(world, REQUESTS, 2, api_key=key)  # the key's own limit beats its department's
    client = Client(headers={"Authorization": f"Bearer {raw}"})
    body = {"model": "tro-ly", "messages": [{"role": "user", "content": "Xin chào"}]}
    assert client.get("/v1/models").status_code == 200
    assert client.post("/v1/chat/completions", body, content_type="application/json").status_code == 200
    refused = client.post("/v1/chat/completions", body, content_type="application/json")
    assert refused.status_code == 429
    error = refused.json()["error"]
    assert error["code"] == "rate_limit_exceeded" and error["type"] == "requests"
    assert error["limit"] == "api_key_requests_per_minute" and "resets_at" in error
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert "yêu cầu" in error["message"]
    # The refused request started no conversation.
    assert Conversation.objects.count() == 1


def test_a_streamed_completion_past_the_token_budget_gets_an_openai_429(world: World) -> None:
    make_assistant(world.department, slug="tro-ly")
    _key_row, raw = _key(world)
    _set(world, TOKENS, 500, department=world.department)
    _ledger(world, tokens=500)
    client = Client(headers={"Authorization": f"Bearer {raw}", "Accept-Language": "en"})
    body = {"model": "tro-ly", "stream": True, "messages": [{"role": "user", "content": "Xin chào"}]}
    refused = client.post("/v1/chat/completions", body, content_type="application/json")
    assert refused.status_code == 429 and not refused.streaming
    error = refused.json()["error"]
    assert error["type"] == "tokens" and error["limit"] == "department_tokens_per_month"
    assert error["message"].startswith("The department has used its 500 tokens for this month.")
    assert int(refused["Retry-After"]) == error["retry_after"]
    assert not Conversation.objects.exists()


@pytest.mark.django_db(transaction=True)  # live_server's thread reads what the test committed
def test_the_openai_client_sees_a_rate_limit_error(live_server: Any, frozen: datetime) -> None:
    from tests.factories import build_world

    world = build_world()
    make_assistant(world.department, slug="tro-ly")
    key, raw = _key(world)
    _set(world, REQUESTS, 1, api_key=key)
    client = openai.OpenAI(base_url=f"{live_server.url}/v1", api_key=raw, max_retries=0, timeout=30)
    assert [model.id for model in client.models.list()] == ["tro-ly"]
    with pytest.raises(openai.RateLimitError) as refused:
        client.models.list()
    assert refused.value.status_code == 429
    assert refused.value.code == "rate_limit_exceeded"
    assert 1 <= int(refused.value.response.headers["Retry-After"]) <= 60


def test_api_key_requests_per_minute_on_the_rest_api_and_the_next_minute(
    world: World, frozen: datetime
) -> None:
    key, raw = _key(world, scopes=("read", "chat"))  # conversations need `chat`, the rest `read`
    _set(world, REQUESTS, 3)
    client = Client(headers={"Authorization": f"Bearer {raw}", "Accept-Language": "en"})
    assert client.get("/api/v1/conversations/").status_code == 200
    mine = client.get("/api/v1/me/quota-usage/").json()  # counted too: the second request
    assert [(line["kind"], line["used"], line["limit"]) for line in mine] == [(REQUESTS, 2, 3)]
    assert datetime.fromisoformat(mine[0]["resets_at"]) == frozen.replace(second=0) + timedelta(minutes=1)
    assert client.get("/api/v1/assistants/").status_code == 200
    refused = client.get("/api/v1/conversations/")
    assert refused.status_code == 429 and refused["Retry-After"] == "50"
    message = refused.json()["error"]["message"]
    assert message.startswith("This API key has made its 3 requests for this minute.")
    # The next minute counts afresh.
    next_minute = frozen.replace(second=0) + timedelta(minutes=1)
    for _ in range(3):
        api_key_request_admit(key=key, now=next_minute)
    with pytest.raises(QuotaExceeded):
        api_key_request_admit(key=key, now=next_minute + timedelta(seconds=30))


def test_people_are_not_limited_per_minute(world: World) -> None:
    _set(world, REQUESTS, 1)
    client = signed_in(world)
    for _ in range(3):
        assert client.get("/api/v1/conversations/").status_code == 200


# --- setting quotas and reading consumption --------------------------------------------------------


def test_org_admin_sets_and_removes_a_quota_with_an_audited_diff(world: World) -> None:
    client = signed_in(world, "org_admin")
    url = f"/api/v1/organizations/{world.organization.pk}/quotas/"
    department = world.department.pk
    created = client.post(
        url, {"kind": TOKENS, "department": department, "limit": 5000}, content_type="application/json"
    )
    assert created.status_code == 201, created.content
    changed = client.post(
        url, {"kind": TOKENS, "department": department, "limit": 8000}, content_type="application/json"
    )
    assert changed.status_code == 200 and changed.json()["id"] == created.json()["id"]
    event = AuditEvent.objects.filter(action="quota.set").latest("id")
    assert event.before is not None and event.before["limit"] == 5000
    assert event.after is not None and event.after["limit"] == 8000 and event.after["scope"] == "department"
    # A token budget belongs to departments, not to one person.
    wrong = client.post(
        url, {"kind": TOKENS, "user": world.user("member").pk, "limit": 5}, content_type="application/json"
    )
    assert wrong.status_code == 400
    # Another organization's department cannot be given a quota here.
    from tests.factories import make_department

    elsewhere = make_department(world.other_organization)
    foreign = client.post(
        url, {"kind": TOKENS, "department": elsewhere.pk, "limit": 5}, content_type="application/json"
    )
    assert foreign.status_code == 400
    removed = client.delete(f"{url}{created.json()['id']}/")
    assert removed.status_code == 204 and not QuotaLimit.objects.exists()
    assert AuditEvent.objects.filter(action="quota.delete").count() == 1


def test_usage_endpoints_match_the_ledger(world: World) -> None:
    _set(world, TOKENS, 10_000, department=world.department)
    _set(world, MESSAGES, 20)
    member = world.user("member")
    _ledger(world, tokens=1200, user=member)
    _ledger(world, tokens=300, user=member)
    _ledger(world, tokens=55)  # an API key's answer
    _ledger(world, tokens=4000, at=timezone.now() - timedelta(days=40))  # an earlier month
    response = signed_in(world, "dept_admin").get(f"/api/v1/departments/{world.department.pk}/quota-usage/")
    assert response.status_code == 200, response.content
    lines = response.json()
    [tokens] = [line for line in lines if line["kind"] == TOKENS]
    month = month_of(timezone.now())
    ledger_tokens = sum(
        r.prompt_tokens + r.completion_tokens
        for r in UsageRecord.objects.filter(department=world.department)
        if month.start <= r.created_at < month.end
    )
    assert tokens["used"] == ledger_tokens == 1555
    assert tokens["limit"] == 10_000
    [mine] = [line for line in lines if line["kind"] == MESSAGES and line["user"] == member.pk]
    assert mine["used"] == 2 and mine["limit"] == 20
    me = signed_in(world).get("/api/v1/me/quota-usage/").json()
    assert [(line["kind"], line["used"], line["limit"]) for line in me] == [(MESSAGES, 2, 20)]
    assert signed_in(world).get(f"/api/v1/departments/{world.department.pk}/quota-usage/").status_code == 403
    outsider = signed_in(world, "outsider")
    assert outsider.get(f"/api/v1/departments/{world.department.pk}/quota-usage/").status_code == 404
