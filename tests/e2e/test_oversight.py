"""The screens of department admins, IT auditors and org admins: members and API keys, the audit
log with its diff, usage and the configuration review, model providers and policies."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import (
    AUDITOR,
    DEPT_ADMIN,
    ORG_ADMIN,
    Site,
    assert_accessible,
    screenshot,
    settled,
    sign_in,
    ui_strings_of_other_language,
)

pytestmark = pytest.mark.e2e


def _checked(page: Any, name: str, language: str = "vi") -> None:
    screenshot(page, name)
    assert_accessible(page, name)
    assert ui_strings_of_other_language(page, language) == []


def test_department_admin_manages_members_and_api_keys(page: Any, site: Site) -> None:
    sign_in(page, site, DEPT_ADMIN)
    page.get_by_role("link", name="Quản trị đơn vị").click()
    expect(page.get_by_role("cell", name="canbo.tuphap@bureau.local")).to_be_visible()
    _checked(page, "40-admin-thanh-vien")

    page.get_by_role("tab", name="Khóa API").click()
    page.get_by_role("button", name="Tạo khóa API").click()
    dialog = page.get_by_role("dialog", name="Tạo khóa API")
    settled(page)
    dialog.get_by_label("Tên khóa").fill("Cổng dịch vụ công")
    dialog.get_by_role("button", name="Tạo khóa").click()
    secret = page.get_by_test_id("new-api-key")
    expect(secret).to_be_visible()
    key = secret.inner_text().strip()
    assert len(key) > 20
    # The creation form fades out behind the key; axe would measure its half-transparent labels.
    expect(page.get_by_role("dialog", name="Tạo khóa API")).to_have_count(0)
    _checked(page, "41-admin-khoa-api")
    page.get_by_role("button", name="Tôi đã lưu khóa").click()
    expect(page.get_by_test_id("new-api-key")).to_have_count(0)
    expect(page.get_by_role("cell", name="Cổng dịch vụ công")).to_be_visible()
    assert key not in page.inner_text("body"), "the key must be shown once only"

    page.get_by_role("tab", name="Mức sử dụng").click()
    expect(page.get_by_text("Token đầu vào")).to_be_visible()


def test_department_admin_reads_their_departments_audit_log(page: Any, site: Site) -> None:
    sign_in(page, site, DEPT_ADMIN)
    page.get_by_role("navigation").first.get_by_role("link", name="Kiểm tra (CNTT)").click()
    expect(page.locator(".ant-table-row").first).to_be_visible()
    # Their departments' log only: not the organization's reviews, usage or configuration review.
    expect(page.get_by_role("tab")).to_have_count(1)
    expect(page.get_by_role("tab", name="Nhật ký kiểm tra")).to_be_visible()
    expect(page.get_by_role("alert")).to_have_count(0)
    page.get_by_label("Đơn vị", exact=True).click()
    expect(page.get_by_role("option")).to_have_count(1)
    page.keyboard.press("Escape")
    _checked(page, "55-kiem-tra-nhat-ky-don-vi")
    page.goto(f"{site.url}/audit/usage")
    expect(page.get_by_test_id("forbidden-page")).to_be_visible()


def test_auditor_reads_the_log_with_diffs_usage_and_the_configuration_review(page: Any, site: Site) -> None:
    sign_in(page, site, AUDITOR)
    page.get_by_role("link", name="Kiểm tra (CNTT)").click()
    rows = page.locator(".ant-table-row")
    expect(rows.first).to_be_visible()
    _checked(page, "50-kiem-tra-nhat-ky")

    page.get_by_label("Hành động").fill("assistant.publish")
    page.get_by_role("button", name="Lọc").click()
    expect(rows.first.get_by_text("assistant.publish")).to_be_visible()
    rows.first.get_by_role("button", name="Chi tiết").click()
    drawer = page.get_by_role("dialog")
    expect(drawer.get_by_text("Trước và sau thay đổi")).to_be_visible()
    expect(drawer.get_by_role("columnheader", name="Trường")).to_be_visible()
    _checked(page, "51-kiem-tra-thay-doi")
    page.keyboard.press("Escape")

    page.get_by_role("tab", name="Duyệt xuất bản").click()
    expect(page.get_by_text("Không có yêu cầu nào đang chờ duyệt")).to_be_visible()
    _checked(page, "54-kiem-tra-duyet-xuat-ban")

    page.get_by_role("tab", name="Mức sử dụng").click()
    # The card's title (its chart, once the usage has loaded, repeats it as its table's caption).
    expect(page.locator(".ant-card-head-title", has_text="Theo đơn vị")).to_be_visible()
    _checked(page, "52-kiem-tra-su-dung")

    page.get_by_role("tab", name="Rà soát cấu hình").click()
    expect(page.get_by_role("columnheader", name="Cần lưu ý")).to_be_visible()
    expect(page.locator(".ant-table-row").first).to_be_visible()
    _checked(page, "53-kiem-tra-ra-soat-cau-hinh")


def test_auditor_screens_in_english(page: Any, site: Site) -> None:
    sign_in(page, site, AUDITOR, language="en")
    page.get_by_role("link", name="Audit (IT)").click()
    expect(page.locator(".ant-table-row").first).to_be_visible()
    # The events' targets are names people gave things (a provider called "Mặc định"): data.
    assert ui_strings_of_other_language(page, "en", data=".ant-table-tbody") == []
    page.get_by_role("tab", name="Configuration review").click()
    expect(page.get_by_role("columnheader", name="Attention")).to_be_visible()
    assert ui_strings_of_other_language(page, "en", data=".ant-table-tbody") == []


def test_org_admin_tests_a_provider_and_sets_policies(page: Any, site: Site) -> None:
    sign_in(page, site, ORG_ADMIN)
    page.get_by_role("link", name="Cài đặt tổ chức").click()
    row = page.locator(".ant-table-row").first
    expect(row).to_be_visible()
    row.get_by_role("button", name="Kiểm tra kết nối").click()
    expect(page.get_by_text("Kết nối được")).to_be_visible()
    _checked(page, "60-cai-dat-nha-cung-cap")

    page.get_by_role("tab", name="Chính sách").click()
    retention = page.get_by_label("Thời gian lưu hội thoại mặc định")
    retention.fill("180")
    page.get_by_role("button", name="Lưu").click()
    expect(page.get_by_text("Đã lưu chính sách")).to_be_visible()
    _checked(page, "61-cai-dat-chinh-sach")
    page.reload()
    expect(page.get_by_label("Thời gian lưu hội thoại mặc định")).to_have_value("180")
