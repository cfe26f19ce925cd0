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
    ROOT,
    Site,
    assert_accessible,
    screenshot,
    settled,
    sign_in,
    ui_strings_of_other_language,
)

pytestmark = pytest.mark.e2e

DOCX = ROOT.parent / "shared" / "data" / "documents" / "legal_samples" / "an_le_so_262018AL.docx"


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
    expect(
        page.get_by_text("Chỉ cán bộ xây dựng trợ lý của đơn vị mới dùng được chức năng này.")
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


def _new_assistant(page: Any, site: Site, name: str) -> None:
    sign_in(page, site, BUILDER)
    page.get_by_role("navigation").first.get_by_role("link", name="Xây dựng trợ lý").click()
    page.get_by_role("button", name="Tạo trợ lý").first.click()
    dialog = page.get_by_role("dialog", name="Tạo trợ lý mới")
    settled(page)
    dialog.get_by_label("Tên", exact=True).fill(name)
    dialog.get_by_role("button", name="Tạo", exact=True).click()
    page.wait_for_url(re.compile(r".*/builder/\d+$"))
    expect(page.get_by_role("heading", name=name)).to_be_visible()


def test_the_editor_is_honest_about_what_is_saved_and_published(page: Any, site: Site) -> None:
    name = f"Trợ lý tính lệ phí {int(time.time())}"
    _new_assistant(page, site, name)

    # A tool whose settings are not JSON: nothing is saved, and the text stays to be fixed.
    page.get_by_label("Loại công cụ cần thêm").click()
    page.get_by_title("Máy tính", exact=True).click()
    page.get_by_role("button", name=re.compile(r"Thêm$")).click()
    settings = page.get_by_label("Cấu hình (JSON)")
    settings.fill('{"do_chinh_xac": ')
    page.get_by_role("button", name="Lưu", exact=True).click()
    refused = "Cấu hình này không phải JSON hợp lệ nên bản nháp chưa được lưu."
    expect(page.get_by_text(refused, exact=False)).to_be_visible()
    expect(page.get_by_text("Đã lưu.")).to_have_count(0)
    expect(settings).to_have_value('{"do_chinh_xac": ')
    expect(page.get_by_text("Có thay đổi chưa lưu")).to_be_visible()
    settings.fill("{}")
    page.get_by_role("button", name="Lưu", exact=True).click()
    expect(page.get_by_text("Đã lưu.")).to_be_visible()

    # Published, then changed and saved: the draft says it differs from what is published.
    _publish(page, "Bản đầu", 1)
    expect(page.get_by_text("Bản nháp có thay đổi chưa xuất bản")).to_have_count(0)
    page.get_by_label("Hướng dẫn", exact=True).fill("Tính lệ phí hộ tịch, trả lời kèm căn cứ.")
    page.get_by_role("button", name="Lưu", exact=True).click()
    expect(page.get_by_text("Đã lưu.").last).to_be_visible()
    expect(page.get_by_text("Bản nháp có thay đổi chưa xuất bản")).to_be_visible()
    expect(page.get_by_text("Đã xuất bản: phiên bản 1", exact=True)).to_be_visible()

    # The preview draws the answer's Markdown as chat does.
    site.llm.reset()
    site.llm.script_text("**Lệ phí** gồm:\n\n1. Khai sinh: miễn\n2. Kết hôn: miễn")
    page.get_by_label("Câu hỏi của bạn").fill("Lệ phí hộ tịch?")
    page.get_by_role("button", name="Gửi").click()
    answer = page.get_by_test_id("preview-answer").last
    expect(answer.locator("strong", has_text="Lệ phí")).to_be_visible()
    expect(answer.locator("ol > li")).to_have_count(2)
    expect(answer).not_to_contain_text("**")

    # The browser's Back button asks before unsaved changes are lost.
    page.get_by_label("Hướng dẫn", exact=True).fill("Một thay đổi chưa lưu.")
    editor_url = page.url
    page.evaluate("history.back()")
    leave = page.get_by_role("dialog").filter(has_text="Rời đi mà không lưu?")
    expect(leave).to_be_visible()
    settled(page)
    leave.get_by_role("button", name="Ở lại").click()
    expect(leave).to_have_count(0)
    expect(page).to_have_url(editor_url)
    expect(page.get_by_label("Hướng dẫn", exact=True)).to_have_value("Một thay đổi chưa lưu.")
    page.evaluate("history.back()")
    leave = page.get_by_role("dialog").filter(has_text="Rời đi mà không lưu?")
    settled(page)
    leave.get_by_role("button", name="Rời đi").click()
    page.wait_for_url(re.compile(r".*/builder$"))

    # The list: the published version, the unpublished changes, and the draft's save as the last edit.
    row = page.get_by_role("row").filter(has_text=name)
    expect(row.get_by_text("Đã xuất bản: phiên bản 1")).to_be_visible()
    expect(row.get_by_text("Bản nháp có thay đổi chưa xuất bản")).to_be_visible()
    screenshot(page, "23-builder-list-unpublished-changes")
    assert_accessible(page, "builder list")


def test_a_template_is_cloned_under_a_name_with_its_knowledge(page: Any, site: Site) -> None:
    stamp = int(time.time())
    sign_in(page, site, BUILDER)
    page.goto(f"{site.url}/builder")
    page.get_by_role("button", name="Tạo trợ lý").first.click()
    dialog = page.get_by_role("dialog", name="Tạo trợ lý mới")
    settled(page)
    dialog.get_by_role("tab", name="Từ mẫu có sẵn").click()
    dialog.get_by_role("button", name="Dùng mẫu Hỏi đáp quy chế nội bộ").click()

    # The name comes from the template, and the department already has an assistant of that name.
    name = dialog.get_by_label("Tên trợ lý", exact=True)
    expect(name).to_have_value("Hỏi đáp quy chế nội bộ")
    dialog.get_by_role("radio", name="Để sau").check()
    expect(dialog.get_by_text("Mẫu này chỉ trả lời từ kho tri thức", exact=False)).to_be_visible()
    dialog.get_by_role("button", name="Tạo trợ lý", exact=True).click()
    expect(
        dialog.get_by_text("Đơn vị đã có trợ lý tên “Hỏi đáp quy chế nội bộ”", exact=False)
    ).to_be_visible()
    screenshot(page, "24-builder-clone-dialog")
    assert_accessible(page, "builder clone dialog")

    # Without knowledge: created, and it says it still needs some.
    name.fill(f"Quy chế chưa có kho {stamp}")
    dialog.get_by_role("button", name="Tạo trợ lý", exact=True).click()
    notes = page.get_by_role("dialog").filter(has_text="có lưu ý")
    expect(notes).to_contain_text("chỉ trả lời từ kho tri thức")
    settled(page)
    notes.get_by_role("button", name="OK").click()
    page.wait_for_url(re.compile(r".*/builder/\d+$"))
    expect(page.get_by_role("heading", name=f"Quy chế chưa có kho {stamp}")).to_be_visible()
    expect(page.get_by_test_id("needs-knowledge")).to_be_visible()

    # With a new knowledge base and a document uploaded into it.
    page.get_by_role("button", name="Trợ lý của tôi").click()
    page.get_by_role("button", name="Tạo trợ lý").first.click()
    dialog = page.get_by_role("dialog", name="Tạo trợ lý mới")
    settled(page)
    dialog.get_by_role("tab", name="Từ mẫu có sẵn").click()
    dialog.get_by_role("button", name="Dùng mẫu Hỏi đáp quy chế nội bộ").click()
    dialog.get_by_label("Tên trợ lý", exact=True).fill(f"Quy chế có kho {stamp}")
    dialog.get_by_role("radio", name="Tạo kho mới và tải tệp lên").check()
    dialog.get_by_label("Tên kho mới").fill(f"Quy chế của Sở {stamp}")
    dialog.get_by_label("Tài liệu tải lên kho mới").set_input_files(str(DOCX))
    dialog.get_by_role("button", name="Tạo trợ lý", exact=True).click()
    page.wait_for_url(re.compile(r".*/builder/\d+$"))
    expect(page.get_by_role("heading", name=f"Quy chế có kho {stamp}")).to_be_visible()
    expect(page.get_by_text(f"Quy chế của Sở {stamp}").first).to_be_visible()
    expect(page.get_by_test_id("needs-knowledge")).to_have_count(0)
    page.goto(f"{site.url}/knowledge")
    expect(page.get_by_text(f"Quy chế của Sở {stamp}").first).to_be_visible()
