"""The assistant builder: a builder makes an assistant from a blank page, tries the draft in the
preview chat (answered by the fake LLM), publishes it twice, reads the diff of the versions and
rolls back; a plain member of the department has no builder; the screens in English."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import (
    BUILDER,
    MEMBER,
    Site,
    assert_accessible,
    screenshot,
    settled,
    sign_in,
    ui_strings_of_other_language,
)

pytestmark = pytest.mark.e2e


def _publish(page: Any, note: str, number: int) -> None:
    page.get_by_role("button", name="Xuất bản", exact=True).click()
    dialog = page.get_by_role("dialog", name="Xuất bản bản nháp")
    settled(page)
    dialog.get_by_label("Nội dung thay đổi").fill(note)
    dialog.get_by_role("button", name="Xuất bản", exact=True).click()
    expect(page.get_by_text(f"Đã xuất bản: phiên bản {number}", exact=True)).to_be_visible()


def test_build_preview_publish_diff_and_roll_back(page: Any, site: Site) -> None:
    name = f"Trợ lý hộ tịch {int(time.time())}"
    sign_in(page, site, BUILDER)
    page.get_by_role("navigation").first.get_by_role("link", name="Xây dựng trợ lý").click()
    expect(page.get_by_role("heading", name="Xây dựng trợ lý")).to_be_visible()

    # A new assistant from a blank page.
    page.get_by_role("button", name="Tạo trợ lý").first.click()
    dialog = page.get_by_role("dialog", name="Tạo trợ lý mới")
    settled(page)
    dialog.get_by_label("Tên", exact=True).fill(name)
    dialog.get_by_role("button", name="Tạo", exact=True).click()
    page.wait_for_url(re.compile(r".*/builder/\d+$"))
    expect(page.get_by_role("heading", name=name)).to_be_visible()

    page.get_by_label("Hướng dẫn", exact=True).fill(
        "Bạn là trợ lý hộ tịch của Sở Tư pháp.\nTrả lời ngắn gọn."
    )
    page.get_by_role("button", name="Thêm câu gợi ý").click()
    page.get_by_label("Câu gợi ý 1", exact=True).fill("Đăng ký khai sinh cần giấy tờ gì?")
    expect(page.get_by_text("Có thay đổi chưa lưu")).to_be_visible()
    # Leaving with unsaved changes asks first.
    page.get_by_role("navigation").first.get_by_role("link", name="Trò chuyện").click()
    leave = page.get_by_role("dialog").filter(has_text="Rời đi mà không lưu?")
    expect(leave).to_be_visible()
    # Clicked once it has finished opening, as a person would. Once in CI the dialog stayed open
    # after this click; a click during its opening motion is the likely cause, not a confirmed one.
    settled(page)
    leave.get_by_role("button", name="Ở lại").click()
    expect(leave).to_have_count(0)
    expect(page).to_have_url(re.compile(r".*/builder/\d+$"))
    page.get_by_role("button", name="Lưu", exact=True).click()
    expect(page.get_by_text("Đã lưu.")).to_be_visible()
    expect(page.get_by_text("Có thay đổi chưa lưu")).to_have_count(0)

    # The preview chat answers from the draft, streamed.
    page.get_by_label("Câu hỏi của bạn").fill("Thủ tục kết hôn cần những gì?")
    page.get_by_role("button", name="Gửi").click()
    expect(page.get_by_test_id("preview-answer").last).to_contain_text(
        "Trả lời: Thủ tục kết hôn cần những gì?"
    )
    screenshot(page, "21-builder-editor")
    assert_accessible(page, "builder editor")
    assert ui_strings_of_other_language(page, "vi") == []

    _publish(page, "Bản đầu tiên cho bộ phận một cửa", 1)

    # Edit and publish again.
    page.get_by_label("Hướng dẫn", exact=True).fill(
        "Bạn là trợ lý hộ tịch của Sở Tư pháp.\nTrả lời đầy đủ, kèm căn cứ pháp lý.\nLuôn nhắc lệ phí."
    )
    page.get_by_role("button", name="Lưu", exact=True).click()
    expect(page.get_by_text("Đã lưu.").last).to_be_visible()
    _publish(page, "Trả lời đầy đủ hơn, có căn cứ pháp lý", 2)

    # The versions and the diff of version 2 against version 1.
    page.get_by_role("tab", name="Phiên bản").click()
    diff = page.get_by_test_id("version-diff")
    expect(diff.get_by_role("region", name="Hướng dẫn")).to_be_visible()
    expect(diff.locator("td.diff-removed", has_text="Trả lời ngắn gọn.")).to_be_visible()
    expect(diff.locator("td.diff-added", has_text="Luôn nhắc lệ phí.")).to_be_visible()
    expect(page.get_by_text("Trả lời đầy đủ hơn, có căn cứ pháp lý")).to_be_visible()
    screenshot(page, "22-builder-diff")
    assert_accessible(page, "builder versions")

    # Roll back to version 1: published again as version 3.
    page.get_by_role("button", name="Quay lại phiên bản này").click()
    confirm = page.get_by_role("dialog").filter(has_text="Quay lại phiên bản 1?")
    confirm.get_by_role("button", name="Quay lại phiên bản này").click()
    expect(page.get_by_text("Đã xuất bản: phiên bản 3", exact=True)).to_be_visible()
    page.get_by_role("tab", name="Cấu hình").click()
    expect(page.get_by_role("textbox", name="Hướng dẫn", exact=True)).to_have_value(
        "Bạn là trợ lý hộ tịch của Sở Tư pháp.\nTrả lời ngắn gọn."
    )

    # Back to the list: the assistant with its published version.
    page.get_by_role("button", name="Trợ lý của tôi").click()
    row = page.get_by_role("row").filter(has_text=name)
    expect(row.get_by_text("Đã xuất bản: phiên bản 3")).to_be_visible()
    screenshot(page, "20-builder-list")
    assert_accessible(page, "builder list")
    assert ui_strings_of_other_language(page, "vi") == []


def test_a_member_has_no_builder(page: Any, site: Site) -> None:
    sign_in(page, site, MEMBER)
    nav = page.get_by_role("navigation").first
    expect(nav.get_by_role("link", name="Trò chuyện")).to_be_visible()
    expect(nav.get_by_role("link", name="Xây dựng trợ lý")).to_have_count(0)
    page.goto(f"{site.url}/builder")
    forbidden = page.get_by_test_id("forbidden-page")
    expect(
        forbidden.get_by_text("Chỉ cán bộ xây dựng trợ lý của đơn vị mới dùng được chức năng này.")
    ).to_be_visible()


def test_the_builder_in_english(page: Any, site: Site) -> None:
    sign_in(page, site, BUILDER, language="en")
    page.goto(f"{site.url}/builder")
    expect(page.get_by_role("heading", name="Assistant builder")).to_be_visible()
    page.get_by_role("button", name="New assistant").first.click()
    dialog = page.get_by_role("dialog", name="New assistant")
    settled(page)
    dialog.get_by_label("Name", exact=True).fill("Civil status helper")
    dialog.get_by_role("button", name="Create", exact=True).click()
    page.wait_for_url(re.compile(r".*/builder/\d+$"))
    expect(page.get_by_role("heading", name="Try the draft")).to_be_visible()
    expect(page.get_by_text("Draft, not published")).to_be_visible()
    assert ui_strings_of_other_language(page, "en") == []
    # On a phone the preview stacks under the form.
    page.set_viewport_size({"width": 390, "height": 844})
    expect(page.get_by_role("heading", name="Try the draft")).to_be_visible()
    screenshot(page, "21-builder-editor-phone")
    page.get_by_role("tab", name="Versions").click()
    expect(page.get_by_text("Nothing has been published yet.")).to_be_visible()
    assert ui_strings_of_other_language(page, "en") == []
