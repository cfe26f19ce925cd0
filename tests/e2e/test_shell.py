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
    PASSWORD,
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


def test_signing_out_shows_the_login_page_and_forgets_the_person(page: Any, site: Site) -> None:
    sign_in(page, site, MEMBER)
    account = page.get_by_test_id("account-menu")
    expect(account).to_contain_text("Hoàng Văn Em")
    account.hover()
    page.get_by_role("menuitem", name="Đăng xuất").click()
    expect(page.get_by_role("heading", name="Đăng nhập")).to_be_visible()
    expect(page).to_have_url(f"{site.url}/login")
    # It stays there: nothing sends the browser back into the app as the person who left.
    page.wait_for_timeout(1000)
    expect(page).to_have_url(f"{site.url}/login")
    expect(page.get_by_text("Hoàng Văn Em")).to_have_count(0)
    expect(page.get_by_text("Không tải được dữ liệu")).to_have_count(0)

    # The next person, on the same page without a reload, sees their own name and screens.
    page.get_by_label("Thư điện tử").fill(AUDITOR)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url("**/chat")
    expect(page.get_by_test_id("account-menu")).to_contain_text("Trần Thị Bình")
    expect(page.get_by_role("navigation").first.get_by_role("link", name="Kiểm tra (CNTT)")).to_be_visible()
    expect(page.get_by_text("Không tải được dữ liệu")).to_have_count(0)


def test_forbidden_and_not_found_pages_are_one_each_and_asked_once(page: Any, site: Site) -> None:
    sign_in(page, site, MEMBER)
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url) if "/api/v1/" in request.url else None)

    for screen in ("audit", "settings", "builder", "admin"):
        page.goto(f"{site.url}/{screen}")
        forbidden = page.get_by_test_id("forbidden-page")
        expect(forbidden).to_be_visible()
        expect(forbidden.get_by_text("Không có quyền truy cập")).to_be_visible()
        expect(page.get_by_role("tab")).to_have_count(0)
        expect(page.get_by_role("alert")).to_have_count(0)
    assert not [url for url in asked if "/audit-events/" in url or "/model-providers/" in url]
    screenshot(page, "05-khong-co-quyen")
    assert_accessible(page, "forbidden page")

    # Someone else's conversation, or one that does not exist: one page, asked once, no "Thử lại".
    asked.clear()
    page.goto(f"{site.url}/chat/c/987654")
    expect(page.get_by_test_id("not-found-page")).to_be_visible()
    expect(page.get_by_role("button", name="Thử lại")).to_have_count(0)
    page.wait_for_timeout(1500)  # long enough for the retry the query client used to make
    assert len([url for url in asked if "/conversations/987654/" in url]) == 1, asked
    page.goto(f"{site.url}/no-such-screen")
    expect(page.get_by_test_id("not-found-page")).to_be_visible()
    screenshot(page, "06-khong-tim-thay")
    assert_accessible(page, "not-found page")
    assert ui_strings_of_other_language(page, "vi") == []
