"""The Django admin (issue 21, finding 5: its own login form took the password alone from a
superuser with TOTP, that session then worked on the API, and its failures were not throttled)."""

from __future__ import annotations

import importlib
import time
from collections.abc import Iterator

import pytest
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value
from django.test import Client, override_settings
from django.urls import clear_url_caches

from bureau.tenancy.models import User
from tests.factories import PASSWORD, make_user

ADMIN = "/django-admin/"
ADMIN_LOGIN = "/django-admin/login/"
LOGIN = "/accounts/login/"  # allauth's own sign-in page, where the admin sends people
MFA = "/accounts/2fa/authenticate/"
HEADLESS_LOGIN = "/_allauth/browser/v1/auth/login"


def _reload_urls() -> None:
    import bureau.urls

    importlib.reload(bureau.urls)
    clear_url_caches()


@pytest.fixture
def admin_on(db: None) -> Iterator[None]:
    """The URLconf reads the setting once, at import: mount the admin for this test only."""
    with override_settings(BUREAU_DJANGO_ADMIN=True):
        _reload_urls()
        yield
    _reload_urls()


def _superuser() -> User:
    user = make_user()
    user.is_staff = user.is_superuser = True
    user.save()
    return user


def _with_totp(user: User) -> str:
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return secret


def _code(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def _signed_in_on_the_api(client: Client) -> bool:
    return client.get("/api/v1/me/").status_code == 200


def _in_the_admin(client: Client) -> bool:
    return client.get(ADMIN).status_code == 200


def test_the_admin_is_off_by_default(db: None) -> None:
    user = _superuser()
    client = Client()
    assert client.get(ADMIN).status_code == 404
    assert client.get(ADMIN_LOGIN).status_code == 404
    posted = client.post(ADMIN_LOGIN, {"username": user.email, "password": PASSWORD})
    assert posted.status_code == 404
    assert not _signed_in_on_the_api(client)


def test_the_admin_has_no_login_form_of_its_own(admin_on: None) -> None:
    user = _superuser()  # no second factor: the password would have been enough
    client = Client()
    page = client.get(ADMIN_LOGIN, {"next": "/django-admin/auth/group/"})
    assert page.status_code == 302
    assert page["Location"] == f"{LOGIN}?next=/django-admin/auth/group/"
    posted = client.post(ADMIN_LOGIN, {"username": user.email, "password": PASSWORD})
    assert posted.status_code == 302 and posted["Location"].startswith(LOGIN)
    assert not _signed_in_on_the_api(client)
    assert not _in_the_admin(client)
    # The admin's index sends there too.
    index = client.get(ADMIN)
    assert index.status_code == 302 and index["Location"].startswith(ADMIN_LOGIN)


def test_through_the_main_login_a_superuser_without_totp_gets_in(admin_on: None) -> None:
    user = _superuser()
    client = Client()
    signed_in = client.post(f"{LOGIN}?next={ADMIN}", {"login": user.email, "password": PASSWORD})
    assert signed_in.status_code == 302 and signed_in["Location"] == ADMIN
    assert _in_the_admin(client)


def test_a_totp_superuser_needs_the_second_factor(admin_on: None) -> None:
    user = _superuser()
    secret = _with_totp(user)
    client = Client()
    client.post(ADMIN_LOGIN, {"username": user.email, "password": PASSWORD})
    assert not _in_the_admin(client) and not _signed_in_on_the_api(client)

    password_only = client.post(f"{LOGIN}?next={ADMIN}", {"login": user.email, "password": PASSWORD})
    assert password_only.status_code == 302 and password_only["Location"].startswith(MFA)
    assert not _in_the_admin(client) and not _signed_in_on_the_api(client)

    second_factor = client.post(MFA, {"code": _code(secret)})
    assert second_factor.status_code == 302 and second_factor["Location"] == ADMIN
    assert _in_the_admin(client) and _signed_in_on_the_api(client)


def test_the_web_app_sign_in_with_the_second_factor_opens_the_admin(admin_on: None) -> None:
    user = _superuser()
    secret = _with_totp(user)
    client = Client()
    pending = client.post(
        HEADLESS_LOGIN, {"email": user.email, "password": PASSWORD}, content_type="application/json"
    )
    assert pending.status_code == 401
    assert not _in_the_admin(client)
    done = client.post(
        "/_allauth/browser/v1/auth/2fa/authenticate", {"code": _code(secret)}, content_type="application/json"
    )
    assert done.status_code == 200
    assert _in_the_admin(client)


def test_a_session_without_the_second_factor_is_refused(admin_on: None) -> None:
    """However such a session came to be (here: opened directly, as a login outside allauth would),
    a user who has TOTP is not let into the admin on the password alone."""
    with_totp = _superuser()
    _with_totp(with_totp)
    client = Client()
    client.force_login(with_totp)
    # Refused outright: sent to the main login, already signed in, it would send them back.
    assert client.get(ADMIN, follow=True).status_code == 403
    assert client.get(ADMIN_LOGIN).status_code == 403

    without = Client()
    without.force_login(_superuser())
    assert _in_the_admin(without)


def test_a_non_staff_user_is_refused(admin_on: None) -> None:
    client = Client()
    client.force_login(make_user())
    assert client.get(ADMIN, follow=True).status_code == 403


def test_repeated_wrong_passwords_are_throttled(admin_on: None) -> None:
    user = _superuser()
    client = Client()
    for _ in range(15):
        refused = client.post(ADMIN_LOGIN, {"username": user.email, "password": "sai-mat-khau"})
        assert refused.status_code == 302 and refused["Location"].startswith(LOGIN)
    # The admin's sign-in is the main one, with allauth's login_failed limit.
    throttled = []
    for _ in range(6):
        page = client.post(LOGIN, {"login": user.email, "password": "sai-mat-khau"})
        codes = {error.code for error in page.context["form"].errors.as_data().get("__all__", [])}
        throttled.append("too_many_login_attempts" in codes)
    assert not throttled[0] and throttled[-1]
    # The right password is refused too while the limit holds.
    right = client.post(f"{LOGIN}?next={ADMIN}", {"login": user.email, "password": PASSWORD})
    assert right.status_code == 200
    assert not _in_the_admin(client)
