"""Sign-in with a second factor, through the web app: after the password, the app asks for the code
from the authenticator app; a wrong code is refused with a message, the right one signs in."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from typing import Any

import pytest
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from playwright.sync_api import expect

from tests.e2e.conftest import PASSWORD, ROOT, Site, assert_accessible, screenshot

pytestmark = pytest.mark.e2e

EMAIL = "hai-lop.tuphap@bureau.local"

# Run inside the platform's own database (var/e2e): a member of Sở Tư pháp with TOTP turned on.
SETUP = f"""
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from bureau.tenancy.models import Department, Membership, Role, User
user = User.objects.filter(email="{EMAIL}").first() or User.objects.create_user(
    email="{EMAIL}", password="{PASSWORD}", full_name="Đỗ Thị Hai Lớp"
)
Membership.objects.get_or_create(
    user=user, department=Department.objects.get(code="so-tu-phap"), defaults={{"role": Role.MEMBER}}
)
secret = generate_totp_secret()
TOTP.activate(user, secret)
print(secret)
"""


def _user_with_totp() -> str:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "REDIS_URL", "PYTEST_CURRENT_TEST", "BUREAU_TESTING"}
    } | {"BUREAU_VAR_DIR": str(ROOT / "var" / "e2e"), "DJANGO_SETTINGS_MODULE": "bureau.settings"}
    done = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", SETUP],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return done.stdout.strip().splitlines()[-1]


def test_sign_in_with_a_second_factor(page: Any, site: Site) -> None:
    secret = _user_with_totp()
    page.goto(f"{site.url}/login")
    page.get_by_label("Thư điện tử").fill(EMAIL)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.get_by_role("heading", name="Xác thực hai lớp")).to_be_visible()
    screenshot(page, "01-dang-nhap-hai-lop")
    assert_accessible(page, "sign-in second factor")

    page.get_by_label("Mã xác thực").fill("000000")
    page.get_by_role("button", name="Xác nhận").click()
    expect(page.get_by_role("alert").filter(has_text="Mã không đúng")).to_be_visible()

    page.get_by_label("Mã xác thực").fill(format_hotp_value(hotp_value(secret, int(time.time()) // 30)))
    page.get_by_role("button", name="Xác nhận").click()
    page.wait_for_url("**/chat**")
    expect(page.get_by_role("button", name="Tài khoản")).to_contain_text("Đỗ Thị Hai Lớp")
