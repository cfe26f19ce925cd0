"""Browser-side hardening: the security headers on every kind of response (sync and async, JSON,
HTML, streamed), an API docs page that runs under the strict script policy, the cookies, CSRF on
session-authenticated writes after a real sign-in, and the password rules in Vietnamese."""

from __future__ import annotations

import ipaddress
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from django.test import AsyncClient, Client

from tests.assistants.chat_helpers import make_assistant, make_provider
from tests.factories import PASSWORD, World
from tests.fakes.fake_llm import FakeLLM

LOGIN = "/_allauth/browser/v1/auth/login"
CHANGE_PASSWORD = "/_allauth/browser/v1/account/password/change"


def _directives(response: Any) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}


def _assert_hardened(response: Any) -> None:
    csp = _directives(response)
    assert csp["script-src"] == ["'self'"]
    assert csp["style-src"] == ["'self'", "'unsafe-inline'"]
    assert csp["connect-src"] == ["'self'"]
    assert csp["img-src"] == ["'self'", "data:", "blob:"]
    assert csp["font-src"] == ["'self'", "data:"]
    assert csp["object-src"] == ["'none'"] and csp["frame-ancestors"] == ["'none'"]
    assert csp["base-uri"] == ["'self'"] and csp["form-action"] == ["'self'"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "camera=()" in response["Permissions-Policy"] and "microphone=()" in response["Permissions-Policy"]


def test_every_kind_of_response_carries_the_security_headers(world: World) -> None:
    client = Client()
    for response in [
        client.get("/"),  # the web app
        client.get("/healthz"),
        client.get("/api/v1/me/"),  # an API error
        client.get("/api/v1/khong-co/"),  # a 404 outside any view
    ]:
        _assert_hardened(response)
    client.force_login(world.user("member"))
    _assert_hardened(client.get("/api/v1/me/"))


def test_async_and_streamed_responses_carry_them_too(world: World, llm: FakeLLM) -> None:
    """Under ASGI the chat streams through the async chain: the headers are there without the
    middleware turning it into a sync one."""
    assistant = make_assistant(world.department, provider=make_provider(world.department, llm.base_url))

    async def conversation() -> tuple[Any, Any]:
        client = AsyncClient()
        await client.aforce_login(world.user("member"))
        health = await client.get("/healthz")
        started = await client.post(
            "/api/v1/conversations/", {"assistant": assistant.pk}, content_type="application/json"
        )
        streamed = await client.post(
            f"/api/v1/conversations/{started.json()['id']}/messages/",
            {"content": "Xin chào"},
            content_type="application/json",
            headers={"Accept": "text/event-stream"},
        )
        assert streamed.streaming
        body = b"".join([chunk async for chunk in streamed.streaming_content])  # type: ignore[attr-defined]
        assert b"event: done" in body or b"event: message" in body, body[:300]
        return health, streamed

    health, streamed = async_to_sync(conversation)()
    _assert_hardened(health)
    _assert_hardened(streamed)


@pytest.mark.django_db
def test_the_api_docs_run_without_any_inline_script() -> None:
    page = Client().get("/api/docs/")
    html = page.content.decode()
    _assert_hardened(page)
    assert "<script>" not in html  # every script has a src, which script-src 'self' allows
    script = Client().get("/api/docs/?script=")
    assert script.status_code == 200 and script["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in script.content.decode()


def _login(client: Client, email: str, password: str) -> Any:
    return client.post(
        LOGIN,
        {"email": email, "password": password},
        content_type="application/json",
        HTTP_X_CSRFTOKEN=client.cookies["csrftoken"].value,
    )


def test_after_a_real_sign_in_session_writes_need_the_csrf_token(world: World) -> None:
    client = Client(enforce_csrf_checks=True)
    client.get("/")  # the web app's page sets the CSRF cookie
    signed_in = _login(client, world.user("org_admin").email, PASSWORD)
    assert signed_in.status_code == 200, signed_in.content
    session = client.cookies["sessionid"]
    assert session["httponly"] and session["samesite"] == "Lax"
    assert not client.cookies["csrftoken"]["httponly"]  # the web app reads it
    body = {"name": "Sở Thử nghiệm", "code": "so-thu-nghiem"}
    refused = client.post("/api/v1/departments/", body, content_type="application/json")
    assert refused.status_code == 403
    token = client.cookies["csrftoken"].value
    accepted = client.post(
        "/api/v1/departments/", body, content_type="application/json", HTTP_X_CSRFTOKEN=token
    )
    assert accepted.status_code == 201, accepted.content


def test_api_key_writes_need_no_csrf_token(world: World) -> None:
    from bureau.tenancy.services import api_key_create

    created = api_key_create(
        actor=None, department=world.department, name="Máy chủ", scopes=["read", "write"]
    )
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        "/api/v1/knowledge-bases/",
        {"name": "Quy chế", "classification": "internal", "department": world.department.pk},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {created.raw_key}",
    )
    assert response.status_code == 201, response.content


def test_login_throttling_counts_failures_per_account_from_any_address(world: World) -> None:
    """The per-IP limit is tested in test_sign_in.py; here the per-account one (5/5m/key), which
    a guesser spreading attempts over many addresses still meets."""
    email = world.user("member").email
    codes = []
    for n in range(7):
        client = Client(REMOTE_ADDR=f"203.0.113.{n + 1}")
        client.get("/")
        body = _login(client, email, "sai-mat-khau").json()
        codes.append({error.get("code") for error in body.get("errors", [])})
    assert "too_many_login_attempts" not in codes[0]
    assert "too_many_login_attempts" in codes[-1]


def test_behind_a_trusted_proxy_the_throttle_counts_each_client_apart(world: World, settings: Any) -> None:
    """Every request reaches us from the proxy: counted by its address, one guesser's failures
    would lock everyone out of signing in."""
    settings.TRUSTED_PROXIES = [ipaddress.ip_network("10.0.0.0/8")]

    def via_proxy(client_address: str) -> Client:
        client = Client(REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR=client_address)
        client.get("/")
        return client

    guesser = via_proxy("203.0.113.7")
    for n in range(11):
        _login(guesser, world.user(("member", "builder", "auditor")[n % 3]).email, "sai-mat-khau")
    blocked = _login(guesser, world.user("dept_admin").email, PASSWORD)
    assert blocked.status_code == 400
    assert "too_many_login_attempts" in {e.get("code") for e in blocked.json()["errors"]}
    colleague = _login(via_proxy("198.51.100.9"), world.user("dept_admin").email, PASSWORD)
    assert colleague.status_code == 200, colleague.content


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("Ng@n1", "quá ngắn"),
        ("1234567890123", "hoàn toàn là số"),
        ("password1234", "quá phổ biến"),
    ],
)
def test_password_rules_answer_in_vietnamese(world: World, password: str, message: str) -> None:
    client = Client()
    client.get("/")
    assert _login(client, world.user("member").email, PASSWORD).status_code == 200
    response = client.post(
        CHANGE_PASSWORD,
        {"current_password": PASSWORD, "new_password": password},
        content_type="application/json",
        HTTP_X_CSRFTOKEN=client.cookies["csrftoken"].value,
    )
    assert response.status_code == 400
    messages = " ".join(error["message"] for error in response.json()["errors"])
    assert message in messages, messages


def test_a_password_like_the_email_is_refused_and_a_good_one_accepted(world: World) -> None:
    user = world.user("member")
    client = Client()
    client.get("/")
    assert _login(client, user.email, PASSWORD).status_code == 200
    token = client.cookies["csrftoken"].value
    similar = client.post(
        CHANGE_PASSWORD,
        {"current_password": PASSWORD, "new_password": user.email.split("@")[0] + "1"},
        content_type="application/json",
        HTTP_X_CSRFTOKEN=token,
    )
    assert similar.status_code == 400
    assert "quá giống" in " ".join(e["message"] for e in similar.json()["errors"])
    good = client.post(
        CHANGE_PASSWORD,
        {"current_password": PASSWORD, "new_password": "Sở-Tư-pháp-đổi-mật-khẩu-2026"},
        content_type="application/json",
        HTTP_X_CSRFTOKEN=client.cookies["csrftoken"].value,
    )
    assert good.status_code == 200, good.content
