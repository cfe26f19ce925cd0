"""The chat: a member picks a published assistant, asks, reads the streamed answer (the fake LLM
answers) with its citation, copies it, gives feedback, renames and deletes the conversation; in
English on a phone, an answer that fails is retried, one being written is stopped, and the history
opens as a drawer."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import (
    ASSISTANT_DATA,
    MEMBER,
    Site,
    assert_accessible,
    screenshot,
    settled,
    sign_in,
    ui_strings_of_other_language,
)
from tests.fakes.replies import Fault, Reply

pytestmark = pytest.mark.e2e

REGULATIONS_ASSISTANT = "Hỏi đáp quy chế nội bộ"
REGULATIONS_BASE = "Quy chế nội bộ và văn bản hướng dẫn"
PLAIN_ASSISTANT = "Sử dụng AI an toàn, có trách nhiệm"
STREAMED = 90_000  # ms: retrieval and the answer are slow on a busy machine


def _results(data: Any) -> list[dict[str, Any]]:
    return list(data["results"] if isinstance(data, dict) else data)


def wait_for_sample_documents(page: Any, site: Site, timeout: float = 240) -> None:
    """The demo's regulations are indexed by the worker after start; the answer cites them once one
    is ready (the large decree may still be embedding on a busy machine)."""
    bases = _results(page.request.get(f"{site.url}/api/v1/knowledge-bases/").json())
    base = next(b for b in bases if b["name"] == REGULATIONS_BASE)
    deadline = time.monotonic() + timeout
    while True:
        documents = _results(
            page.request.get(f"{site.url}/api/v1/knowledge-bases/{base['id']}/documents/").json()
        )
        if any(d["status"] == "ready" for d in documents):
            return
        assert time.monotonic() < deadline, f"documents not indexed: {[d['status'] for d in documents]}"
        time.sleep(1)


def test_member_asks_an_assistant_and_manages_the_conversation(page: Any, site: Site) -> None:
    site.llm.reset()
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=site.url)
    sign_in(page, site, MEMBER)
    main = page.locator("#main")

    # The assistants: published templates of the demo province, searchable.
    expect(main.get_by_role("heading", name="Trợ lý", exact=True)).to_be_visible()
    expect(main.get_by_test_id("assistant-card").first).to_be_visible()
    screenshot(page, "10-chat-assistants")
    assert_accessible(page, "chat assistants")
    assert ui_strings_of_other_language(page, "vi") == []
    main.get_by_label("Tìm trợ lý").fill("quy che noi bo")
    expect(main.get_by_test_id("assistant-card")).to_have_count(1)
    main.get_by_role("button", name=f"Bắt đầu trò chuyện với {REGULATIONS_ASSISTANT}").click()
    page.wait_for_url(re.compile(r".*/chat/a/\d+$"))
    expect(main.get_by_role("heading", name=REGULATIONS_ASSISTANT)).to_be_visible()

    # A question: the conversation is created, the answer streams in and cites the regulations.
    wait_for_sample_documents(page, site)
    question = "Thời giờ làm việc bình thường của người lao động tối đa bao nhiêu giờ một ngày?"
    main.get_by_role("textbox", name="Câu hỏi gửi trợ lý").fill(question)
    main.get_by_role("textbox", name="Câu hỏi gửi trợ lý").press("Enter")
    page.wait_for_url(re.compile(r".*/chat/c/\d+$"))
    answer = main.get_by_role("group", name="Câu trả lời").last
    expect(answer).to_contain_text(f"Trả lời: {question}", timeout=STREAMED)
    marker = answer.get_by_role("button", name=re.compile(r"^Nguồn 1: "))
    expect(marker).to_be_visible()
    marker.click()
    popover = page.get_by_test_id("citation-popover")
    expect(popover).to_be_visible()
    source = popover.get_by_role("link", name="Mở văn bản nguồn")
    href = source.get_attribute("href")
    assert href and re.match(r"^/api/v1/knowledge-bases/\d+/documents/\d+/file/", href), href
    opened = page.request.get(site.url + href.split("#")[0])
    assert opened.status == 200 and len(opened.body()) > 1000
    expect(
        main.get_by_role("navigation", name="Lịch sử trò chuyện").get_by_role(
            "link", name=re.compile("^Thời giờ làm việc")
        )
    ).to_be_visible()
    screenshot(page, "11-chat-conversation")  # with the citation's popover open
    marker.click()
    expect(popover).to_be_hidden()
    assert_accessible(page, "chat conversation")
    assert ui_strings_of_other_language(page, "vi") == []

    # Copy and feedback.
    answer.get_by_role("button", name="Sao chép câu trả lời").click()
    expect(page.get_by_text("Đã sao chép câu trả lời.")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()").startswith("Trả lời:")
    answer.get_by_role("button", name="Chưa hữu ích").click()
    dialog = page.get_by_role("dialog", name="Góp ý về câu trả lời")
    settled(page)
    dialog.get_by_label("Nhận xét (không bắt buộc)").fill("Cần dẫn thêm điều khoản cụ thể.")
    dialog.get_by_role("button", name="Gửi góp ý").click()
    expect(page.get_by_text("Cảm ơn anh/chị đã góp ý.")).to_be_visible()
    expect(answer.get_by_role("button", name="Chưa hữu ích")).to_have_attribute("aria-pressed", "true")

    # Rename, then delete from the history.
    history = main.get_by_role("navigation", name="Lịch sử trò chuyện")
    history.get_by_role("button", name=re.compile("^Thao tác với cuộc trò chuyện “Thời giờ làm việc")).click()
    page.get_by_role("menuitem", name="Đổi tên").click()
    rename = page.get_by_role("dialog", name="Đổi tên cuộc trò chuyện")
    settled(page)
    rename.get_by_label("Tên cuộc trò chuyện").fill("Đăng ký văn bản đi")
    rename.get_by_role("button", name="Lưu").click()
    expect(history.get_by_role("link", name=re.compile("^Đăng ký văn bản đi"))).to_be_visible()
    expect(main.get_by_role("heading", name="Đăng ký văn bản đi")).to_be_visible()
    history.get_by_role("button", name="Thao tác với cuộc trò chuyện “Đăng ký văn bản đi”").click()
    page.get_by_role("menuitem", name="Xóa").click()
    confirm = page.get_by_role("dialog", name="Xóa cuộc trò chuyện này?")
    confirm.get_by_role("button", name="Xóa").click()
    page.wait_for_url(re.compile(r".*/chat$"))
    expect(history.get_by_role("link", name=re.compile("^Đăng ký văn bản đi"))).to_have_count(0)


def test_english_on_a_phone_retry_stop_and_history_drawer(page: Any, site: Site) -> None:
    site.llm.reset()
    sign_in(page, site, MEMBER, language="en")  # at a laptop's size, where the navigation shows
    page.set_viewport_size({"width": 390, "height": 844})
    main = page.locator("#main")
    expect(main.get_by_role("heading", name="Assistants", exact=True)).to_be_visible()
    assert ui_strings_of_other_language(page, "en", data=ASSISTANT_DATA) == []
    main.get_by_label("Search assistants").fill("an toan")
    main.get_by_role("button", name=f"Start a conversation with {PLAIN_ASSISTANT}").click()

    # The model fails: the server's message is shown with a retry that answers.
    site.llm.fail_next(400, message="bad request", path="/chat/completions")
    box = main.get_by_role("textbox", name="Question for the assistant")
    box.fill("Can I paste personal data into a chatbot?")
    main.get_by_role("button", name="Send").click()
    alert = main.get_by_role("alert").filter(has_text="The answer could not be completed")
    expect(alert).to_be_visible(timeout=STREAMED)
    alert.get_by_role("button", name="Try again").click()
    expect(main.get_by_role("group", name="Answer").last).to_contain_text(
        "Trả lời: Can I paste personal data", timeout=STREAMED
    )
    expect(alert).to_have_count(0)
    # The composer ignores Enter while an answer streams: ask the next question once this one ends.
    expect(main.get_by_role("group", name="Answer").last).to_have_attribute(
        "aria-busy", "false", timeout=STREAMED
    )

    # A long answer written slowly is stopped.
    site.llm.script(Reply(text=" ".join(["word"] * 400), fault=Fault(token_delay=0.05)))
    box.fill("Explain everything, slowly.")
    box.press("Enter")
    stop = main.get_by_role("button", name="Stop")
    expect(stop).to_be_visible()
    expect(main.get_by_role("group", name="Answer").last).to_contain_text("word word", timeout=STREAMED)
    stop.click()
    expect(main.get_by_role("group", name="Answer").last.get_by_text("Stopped")).to_be_visible(
        timeout=STREAMED
    )
    assert_accessible(page, "chat conversation (phone, English)")
    assert ui_strings_of_other_language(page, "en") == []

    # The history is a drawer on a phone; opening a conversation from it closes it.
    main.get_by_role("button", name="History").click()
    drawer = page.get_by_role("dialog", name="Conversation history")
    drawer.get_by_role("link", name=re.compile("^Can I paste personal data")).click()
    expect(drawer).to_be_hidden()
    page.wait_for_url(re.compile(r".*/chat/c/\d+$"))
    expect(main.get_by_role("heading", name=re.compile("^Can I paste personal data"))).to_be_visible()


ANALYSIS_ASSISTANT = "Phân tích bảng tính"
CSV = (
    "Đơn vị,Lĩnh vực,Số hồ sơ\n"
    "Sở Tư pháp,Hộ tịch,120\n"
    "Sở Tư pháp,Công chứng,80\n"
    "Sở Nội vụ,Thi đua,45\n"
    "UBND xã A,Hộ tịch,30\n"
)


def test_an_attached_spreadsheet_is_analysed_into_a_table_and_chart(
    page: Any, site: Site, tmp_path: Any
) -> None:
    site.llm.reset()
    sign_in(page, site, MEMBER)
    main = page.locator("#main")
    main.get_by_role("button", name=f"Bắt đầu trò chuyện với {ANALYSIS_ASSISTANT}").click()
    page.wait_for_url(re.compile(r".*/chat/a/\d+$"))

    # Attaching creates the conversation; the file shows its status until the worker has read it.
    sheet = tmp_path / "ho_so.csv"
    sheet.write_text(CSV, encoding="utf-8")
    main.get_by_test_id("attach-input").set_input_files(str(sheet))
    page.wait_for_url(re.compile(r".*/chat/c/\d+$"))
    attachments = main.get_by_role("list", name="Tệp đính kèm")
    expect(attachments.get_by_text("ho_so.csv")).to_be_visible()
    expect(attachments.get_by_text("Sẵn sàng")).to_be_visible(timeout=180_000)

    # The model queries the table and asks for a chart; the result is drawn under the answer.
    sql = 'SELECT "Lĩnh vực", SUM("Số hồ sơ") AS "Tổng" FROM ho_so GROUP BY 1 ORDER BY 2 DESC'
    chart = {"type": "bar", "x": "Lĩnh vực", "y": "Tổng", "title": "Hồ sơ theo lĩnh vực"}
    site.llm.script_tool_call("phan_tich_bang__query_tables", {"sql": sql, "chart": chart})
    site.llm.script_text("Lĩnh vực hộ tịch có nhiều hồ sơ nhất (150).")
    box = main.get_by_role("textbox", name="Câu hỏi gửi trợ lý")
    box.fill("Tổng số hồ sơ theo từng lĩnh vực?")
    box.press("Enter")
    answer = main.get_by_role("group", name="Câu trả lời").last
    expect(answer).to_contain_text("Lĩnh vực hộ tịch có nhiều hồ sơ nhất", timeout=STREAMED)
    expect(answer.get_by_text("phan_tich_bang__query_tables")).to_be_visible()
    result = answer.get_by_test_id("analysis-result")
    expect(result.get_by_role("img", name="Hồ sơ theo lĩnh vực")).to_be_visible()
    rows = result.get_by_role("row")
    expect(rows).to_have_count(4)  # the header and three fields
    expect(rows.nth(1)).to_contain_text("Hộ tịch")
    expect(rows.nth(1)).to_contain_text("150")
    screenshot(page, "12-chat-analysis")
    assert_accessible(page, "chat analysis")

    # The attachment can be removed.
    attachments.get_by_role("button", name="Gỡ ho_so.csv").click()
    expect(main.get_by_text("ho_so.csv")).to_have_count(0)
