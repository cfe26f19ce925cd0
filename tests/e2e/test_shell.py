"""The app's frame: sign-in, navigation by role, the language switch, and no stray UI strings of
the other language; accessibility and screenshots of the sign-in page."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import (
    ASSISTANT_DATA,
    AUDITOR,
    MEMBER,
    ORG_ADMIN,
    Site,
    assert_accessible,
    screenshot,
    sign_in,
    sign_out,
    ui_strings_of_other_language,
)

pytestmark = pytest.mark.e2e


def test_sign_in_page_is_accessible_and_vietnamese_by_default(page: Any, site: Site) -> None:
    page.goto(f"{site.url}/chat")
    page.wait_for_url("**/login")
    expect(page.get_by_role("heading", name="Đăng nhập")).to_be_visible()
    assert page.evaluate("document.documentElement.lang") == "vi"
    screenshot(page, "00-dang-nhap")
    assert_accessible(page, "sign-in")
    assert ui_strings_of_other_language(page, "vi") == []


def test_a_wrong_password_says_so(page: Any, site: Site) -> None:
    page.goto(f"{site.url}/login")
    page.get_by_label("Thư điện tử").fill(MEMBER)
    page.get_by_label("Mật khẩu").fill("sai-mat-khau")
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.get_by_role("alert").filter(has_text="không đúng")).to_be_visible()


def test_navigation_follows_the_role(page: Any, site: Site) -> None:
    sign_in(page, site, MEMBER)
    nav = page.get_by_role("navigation").first
    expect(nav.get_by_role("link", name="Trò chuyện")).to_be_visible()
    expect(nav.get_by_role("link", name="Kiểm tra (CNTT)")).to_have_count(0)
    expect(nav.get_by_role("link", name="Cài đặt tổ chức")).to_have_count(0)
    sign_out(page)
    sign_in(page, site, AUDITOR)
    expect(page.get_by_role("navigation").first.get_by_role("link", name="Kiểm tra (CNTT)")).to_be_visible()
    sign_out(page)
    sign_in(page, site, ORG_ADMIN)
    expect(page.get_by_role("navigation").first.get_by_role("link", name="Cài đặt tổ chức")).to_be_visible()


def test_english_shows_no_vietnamese_interface_text(page: Any, site: Site) -> None:
    sign_in(page, site, ORG_ADMIN, language="en")
    expect(page.get_by_role("navigation").first.get_by_role("link", name="Knowledge")).to_be_visible()
    assert page.evaluate("document.documentElement.lang") == "en"
    # The chat screen it lands on lists the assistants, whose names and descriptions are data.
    assert ui_strings_of_other_language(page, "en", data=ASSISTANT_DATA) == []
    page.get_by_test_id("language-switch").click()
    page.get_by_role("menuitem", name="Tiếng Việt").click()
    page.get_by_role("navigation").first.get_by_role("link", name="Kho tri thức").wait_for()
    assert ui_strings_of_other_language(page, "vi") == []
