"""The Knowledge screen for real: a builder creates a knowledge base, uploads a Word file and a PDF
from the shared test documents and watches the real worker index both to Ready (the upload list's
per-file progress and the documents table), runs a hit test and sees ranked chunks with scores,
uploads a file of a wrong type and sees the reason; the organization catalog shows the base under
its domain. Screenshots, axe and the language check on each screen; then the same screens in
English."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import (
    BUILDER,
    ROOT,
    Site,
    assert_accessible,
    screenshot,
    settled,
    sign_in,
    ui_strings_of_other_language,
)

pytestmark = pytest.mark.e2e

DOCUMENTS = ROOT.parent / "shared" / "data" / "documents" / "legal_samples"
DOCX = DOCUMENTS / "an_le_so_262018AL.docx"
PDF = DOCUMENTS / "an_le_so_432021AL.pdf"
# The real worker embeds with the built-in model on a shared 2-core machine, after the documents
# of the seeded template gallery: be generous.
INDEXING_TIMEOUT_MS = 1_200_000


def _create_knowledge_base(page: Any, name: str, *, domain: str, language: str) -> None:
    vi = language == "vi"
    page.get_by_role("button", name="Tạo kho tri thức" if vi else "New knowledge base").first.click()
    dialog = page.get_by_role("dialog")
    settled(page)
    dialog.get_by_label("Tên" if vi else "Name", exact=True).fill(name)
    dialog.get_by_label("Mô tả" if vi else "Description").fill(
        "Án lệ mẫu để thử tìm kiếm" if vi else "Sample precedents for search tests"
    )
    dialog.get_by_label("Phạm vi xem" if vi else "Visibility").click()
    # antd's listbox options are for screen readers; people click the visible item.
    page.locator(".ant-select-dropdown:visible").get_by_text(
        "Toàn tổ chức" if vi else "Whole organization", exact=True
    ).click()
    tags = dialog.get_by_label("Lĩnh vực" if vi else "Domains")
    tags.fill(domain)
    tags.press("Enter")
    dialog.get_by_role("button", name="Tạo mới" if vi else "Create", exact=True).click()
    page.wait_for_url(re.compile(r"/knowledge/\d+$"))
    expect(page.get_by_role("heading", name=name)).to_be_visible()


@pytest.mark.timeout(1800)
def test_builder_uploads_indexes_and_tests_a_knowledge_base(page: Any, site: Site) -> None:
    sign_in(page, site, BUILDER)
    page.goto(f"{site.url}/knowledge")
    expect(page.get_by_role("heading", name="Kho tri thức", exact=True)).to_be_visible()
    name = f"Án lệ {uuid.uuid4().hex[:6]}"
    _create_knowledge_base(page, name, domain="án lệ", language="vi")

    # Two real files at once through the drop zone's file input; each has its own progress row.
    page.locator("input[type=file]").set_input_files([str(DOCX), str(PDF)])
    uploads = page.get_by_test_id("upload-item")
    for file in (DOCX, PDF):
        expect(uploads.filter(has_text=file.name)).to_contain_text("Sẵn sàng", timeout=INDEXING_TIMEOUT_MS)
    table = page.locator(".ant-table")
    for file in (DOCX, PDF):
        row = table.get_by_role("row").filter(has_text=file.stem)
        expect(row.get_by_test_id("document-status")).to_have_text("Sẵn sàng")

    # A file of a type the platform cannot read: stored as failed, with the reason shown.
    page.locator("input[type=file]").set_input_files(
        [{"name": "bang-luong.exe", "mimeType": "application/octet-stream", "buffer": bytes(range(256)) * 8}]
    )
    expect(uploads.filter(has_text="bang-luong.exe")).to_contain_text(
        "định dạng tệp không được hỗ trợ", timeout=60_000
    )
    failed = table.get_by_role("row").filter(has_text="bang-luong")
    expect(failed.get_by_test_id("document-status")).to_have_text("Lỗi")
    expect(failed).to_contain_text("không được hỗ trợ")
    screenshot(page, "31-knowledge-documents")
    assert_accessible(page, "knowledge documents")
    assert ui_strings_of_other_language(page, "vi") == []

    # The document detail: metadata, chunks and runs.
    table.get_by_role("link", name=DOCX.stem).click()
    expect(page.get_by_role("heading", name=DOCX.stem)).to_be_visible()
    expect(page.get_by_role("tab", name="Các đoạn")).to_be_visible()
    expect(page.get_by_text(re.compile(r"^\d+ token$")).first).to_be_visible()
    page.go_back()

    # Hit testing: ranked chunks with their scores.
    page.get_by_role("tab", name="Thử truy vấn").click()
    page.get_by_label("Câu hỏi").fill("án lệ về hợp đồng và quyền sử dụng đất")
    page.get_by_role("button", name="Thử", exact=True).click()
    hits = page.get_by_test_id("search-hit")
    expect(hits.first).to_be_visible()
    assert hits.count() >= 2
    expect(hits.first).to_contain_text("#1")
    expect(hits.first).to_contain_text("Điểm")
    expect(hits.first).to_contain_text("Độ tương đồng")
    expect(hits.first.locator("mark").first).to_be_visible()
    screenshot(page, "32-knowledge-hit-test")
    assert_accessible(page, "knowledge hit test")
    assert ui_strings_of_other_language(page, "vi") == []

    # The list of knowledge bases shows it with its count and classification.
    page.goto(f"{site.url}/knowledge")
    row = page.get_by_role("row").filter(has_text=name)
    expect(row).to_contain_text("Nội bộ")
    expect(row).to_contain_text("3")
    screenshot(page, "30-knowledge-bases")
    assert_accessible(page, "knowledge bases")
    assert ui_strings_of_other_language(page, "vi") == []

    # The organization's catalog, by domain.
    page.get_by_role("tab", name="Danh mục toàn tổ chức").click()
    page.wait_for_url("**/knowledge/catalog")
    page.get_by_role("button", name=re.compile(r"^án lệ \(\d+\)$")).click()
    expect(page).to_have_url(re.compile(r"domain="))
    expect(page.get_by_role("link", name=name)).to_be_visible()
    screenshot(page, "33-knowledge-catalog")
    assert_accessible(page, "knowledge catalog")
    assert ui_strings_of_other_language(page, "vi") == []


def test_knowledge_screens_in_english(page: Any, site: Site) -> None:
    sign_in(page, site, BUILDER, language="en")
    page.goto(f"{site.url}/knowledge")
    expect(page.get_by_role("heading", name="Knowledge", exact=True)).to_be_visible()
    assert ui_strings_of_other_language(page, "en") == []
    name = f"Precedents {uuid.uuid4().hex[:6]}"
    _create_knowledge_base(page, name, domain="precedents", language="en")
    expect(page.get_by_text("Drag files here, or click to choose them")).to_be_visible()
    assert ui_strings_of_other_language(page, "en") == []
    page.get_by_role("tab", name="Hit testing").click()
    expect(page.get_by_label("Question")).to_be_visible()
    page.get_by_role("tab", name="Sharing").click()
    expect(page.get_by_text("Not shared with any other department.")).to_be_visible()
    assert ui_strings_of_other_language(page, "en") == []
    assert_accessible(page, "knowledge sharing (en)")
    page.goto(f"{site.url}/knowledge/catalog")
    expect(page.get_by_role("link", name=name)).to_be_visible()
    assert ui_strings_of_other_language(page, "en") == []
