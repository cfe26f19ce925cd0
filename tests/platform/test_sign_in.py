"""Sign-in through allauth's headless API (what the web app uses): password, TOTP, throttling."""

from __future__ import annotations

import time

from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value
from django.test import Client

from tests.factories import PASSWORD, World

LOGIN = "/_allauth/browser/v1/auth/login"


def _login(client: Client, email: str, password: str) -> tuple[int, dict[str, object]]:
    response = client.post(LOGIN, {"email": email, "password": password}, content_type="application/json")
    return response.status_code, response.json()


def test_password_sign_in_opens_a_session_for_the_api(world: World) -> None:
    client = Client()
    status, body = _login(client, world.user("builder").email, PASSWORD)
    assert status == 200, body
    me = client.get("/api/v1/me/")
    assert me.status_code == 200
    assert me.json()["email"] == world.user("builder").email
    assert me.json()["memberships"][0]["role"] == "builder"


def test_a_wrong_password_is_refused(world: World) -> None:
    status, _ = _login(Client(), world.user("builder").email, "sai-mat-khau")
    assert status == 400


def test_session_writes_need_the_csrf_token(world: World) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.user("org_admin"))
    refused = client.post(
        "/api/v1/departments/", {"name": "Sở A", "code": "so-a"}, content_type="application/json"
    )
    assert refused.status_code == 403
    client.get("/")  # the app's page sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    accepted = client.post(
        "/api/v1/departments/",
        {"name": "Sở A", "code": "so-a"},
        content_type="application/json",
        HTTP_X_CSRFTOKEN=token,
    )
    assert accepted.status_code == 201


def test_totp_is_asked_for_after_the_password(world: World) -> None:
    user = world.user("dept_admin")
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    client = Client()
    status, body = _login(client, user.email, PASSWORD)
    assert status == 401  # signed in half-way: a pending flow, not a session
    flows = body["data"]["flows"]  # type: ignore[index]
    assert any(flow["id"] == "mfa_authenticate" and flow.get("is_pending") for flow in flows)
    assert client.get("/api/v1/me/").status_code in (401, 403)

    wrong = client.post(
        "/_allauth/browser/v1/auth/2fa/authenticate", {"code": "000000"}, content_type="application/json"
    )
    assert wrong.status_code == 400
    code = format_hotp_value(hotp_value(secret, int(time.time()) // 30))
    right = client.post(
        "/_allauth/browser/v1/auth/2fa/authenticate", {"code": code}, content_type="application/json"
    )
    assert right.status_code == 200, right.content
    assert client.get("/api/v1/me/").json()["email"] == user.email


def _error_codes(body: dict[str, object]) -> set[str]:
    return {str(error.get("code")) for error in body.get("errors", [])}  # type: ignore[attr-defined]


def test_repeated_failures_are_throttled(world: World) -> None:
    client = Client()
    email = world.user("member").email
    first = _login(client, email, "sai-mat-khau")
    assert first[0] == 400 and "too_many_login_attempts" not in _error_codes(first[1])
    codes = [_error_codes(_login(client, email, "sai-mat-khau")[1]) for _ in range(6)]
    assert any("too_many_login_attempts" in c for c in codes)  # allauth's login_failed limit
    # The right password is refused too while the limit holds.
    status, body = _login(client, email, PASSWORD)
    assert status == 400 and "too_many_login_attempts" in _error_codes(body)


def test_open_sign_up_is_off(world: World) -> None:
    response = Client().post(
        "/_allauth/browser/v1/auth/signup",
        {"email": "la@example.vn", "password": "Mot-mat-khau-dai-2026"},
        content_type="application/json",
    )
    assert response.status_code == 403


def test_single_sign_on_providers_come_from_settings(settings: object, db: None) -> None:
    settings.SOCIALACCOUNT_PROVIDERS = {  # type: ignore[attr-defined]
        "openid_connect": {
            "APPS": [
                {
                    "provider_id": "keycloak",
                    "name": "Cổng SSO tỉnh",
                    "client_id": "bureau",
                    "secret": "x",
                    "settings": {"server_url": "https://sso.example.org/realms/x"},
                }
            ]
        },
    }
    config = Client().get("/_allauth/browser/v1/config").json()["data"]
    providers = config["socialaccount"]["providers"]
    assert [(p["id"], p["name"]) for p in providers] == [("keycloak", "Cổng SSO tỉnh")]
    assert "totp" in config["mfa"]["supported_types"]
