"""Password reset (issue 21, finding 9: it answered 500 HTML for any address, as mail went to an
SMTP server on localhost that was not there)."""

from __future__ import annotations

import re
import socket
from pathlib import Path

import pytest
from django.test import Client

from bureau import embedded
from tests.factories import World

REQUEST = "/_allauth/browser/v1/auth/password/request"
LOGIN = "/_allauth/browser/v1/auth/login"
NEW_PASSWORD = "Mot-mat-khau-moi-2026"


def _request(client: Client, email: str) -> tuple[int, bytes]:
    response = client.post(REQUEST, {"email": email}, content_type="application/json")
    return response.status_code, response.content


@pytest.fixture
def mail_dir(settings: object, tmp_path: Path) -> Path:
    """The mail backend the settings module chose (pytest-django swaps in an in-memory one), writing
    to a directory of the test's own."""
    import bureau.settings as configured

    settings.EMAIL_BACKEND = configured.EMAIL_BACKEND  # type: ignore[attr-defined]
    settings.EMAIL_FILE_PATH = tmp_path  # type: ignore[attr-defined]
    return tmp_path


def _mails(directory: Path) -> list[str]:
    return [path.read_text() for path in sorted(directory.iterdir())]


def test_the_embedded_default_writes_mail_to_files_under_var() -> None:
    import bureau.settings as configured

    assert configured.EMAIL_BACKEND == "django.core.mail.backends.filebased.EmailBackend"
    assert Path(configured.EMAIL_FILE_PATH) == embedded.var_dir() / "mail"


def test_known_and_unknown_addresses_get_the_same_answer(world: World, mail_dir: Path) -> None:
    known = _request(Client(), world.user("member").email)
    unknown = _request(Client(), "khong-co-ai@example.vn")
    assert known == unknown
    assert known[0] == 200
    mails = _mails(mail_dir)
    assert len(mails) == 1  # only the account's owner gets mail; an unknown address gets none
    assert world.user("member").email in mails[0]


def test_the_mailed_link_sets_a_new_password(world: World, mail_dir: Path) -> None:
    user = world.user("member")
    assert _request(Client(), user.email)[0] == 200
    (mail,) = _mails(mail_dir)
    link = re.search(r"http://testserver(/accounts/password/reset/key/\S+/)", mail)
    assert link, mail
    client = Client()
    form = client.get(link.group(1), follow=True)
    assert form.status_code == 200
    set_password = client.post(
        form.redirect_chain[-1][0] if form.redirect_chain else link.group(1),
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert set_password.status_code == 302, set_password.content
    signed_in = Client().post(
        LOGIN, {"email": user.email, "password": NEW_PASSWORD}, content_type="application/json"
    )
    assert signed_in.status_code == 200


def _closed_port() -> int:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        return int(listener.getsockname()[1])


def test_a_mail_server_that_is_down_does_not_fail_the_request(
    world: World, settings: object, caplog: pytest.LogCaptureFixture
) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"  # type: ignore[attr-defined]
    settings.EMAIL_HOST = "127.0.0.1"  # type: ignore[attr-defined]
    settings.EMAIL_PORT = _closed_port()  # type: ignore[attr-defined]
    client = Client(raise_request_exception=False)
    known = _request(client, world.user("member").email)
    unknown = _request(client, "khong-co-ai@example.vn")
    assert known == unknown and known[0] == 200
    assert any("password_reset" in record.getMessage() for record in caplog.records)
    # The server-rendered form (linked from the admin's sign-in page) answers alike.
    classic = client.post("/accounts/password/reset/", {"email": world.user("member").email})
    assert classic.status_code == 302
