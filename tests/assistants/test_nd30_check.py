"""The format checker against Nghị định 30/2020: every planted deviation caught, no finding on the
layouts real offices use, each kind of document judged by its own rules, .doc and PDF read as text."""

from __future__ import annotations

from typing import Any

import pytest
from docx.shared import Pt

from assistants.documents.nd30_check import DocumentKind, NotReadable, check_document
from tests.assistants.nd30_corpus import (
    DATA,
    Case,
    correct_cases,
    draft,
    planted_cases,
    real_files,
    replace,
    saved,
)

needs_data = pytest.mark.skipif(not DATA.exists(), reason="../shared/data is not beside the repository")


def codes(data: bytes) -> list[str]:
    return [deviation.code for deviation in check_document(data).deviations]


@pytest.mark.parametrize("case", correct_cases(), ids=lambda case: case.name)
def test_a_correct_variant_has_no_finding(case: Case) -> None:
    assert codes(case.build()) == []


@pytest.mark.parametrize("case", planted_cases(), ids=lambda case: case.name)
def test_each_planted_deviation_is_caught_alone(case: Case) -> None:
    result = check_document(case.build())
    assert {d.code for d in result.deviations} == case.expected, result.deviations
    assert result.kind == DocumentKind.ADMINISTRATIVE
    for deviation in result.deviations:
        assert deviation.rule.startswith("Phụ lục") and deviation.location


def test_a_malformed_date_is_reported_as_malformed_with_the_right_form() -> None:
    document = draft("cong_van")
    replace(document, "ngày 05 tháng 12 năm 2026", "ngày 05/02/2026")
    [deviation] = check_document(saved(document)).deviations
    assert deviation.code == "date_format"
    assert "ngày 05/02/2026" in deviation.message_vi
    assert "phải viết: ngày 05 tháng 02 năm 2026" in deviation.message_vi


def test_a_number_without_slash_is_malformed_not_missing() -> None:
    document = draft("quyet_dinh")
    replace(document, "Số: 12/", "Số: 12-")
    [deviation] = check_document(saved(document)).deviations
    assert deviation.code == "number_format" and "gạch chéo" in deviation.message_vi


def test_the_same_finding_is_reported_once_with_its_count() -> None:
    document = draft("quyet_dinh", recipients=[f"Sở {n}" for n in range(14)])
    for found in document.tables[-1].rows[0].cells[0].paragraphs:
        if found.text.startswith("-"):
            for run in found.runs:
                run.font.size = Pt(10)
    [deviation] = check_document(saved(document)).deviations
    assert deviation.code == "recipients_list_size" and deviation.count == 16  # 14, “Như trên” and “Lưu”


def test_signing_authorities_written_with_slashes_say_how_to_write_them() -> None:
    document = draft("quyet_dinh")
    replace(document, "TM. ỦY BAN", "T/M ỦY BAN")
    [deviation] = check_document(saved(document)).deviations
    assert deviation.code == "signing_authority_format"
    assert "T/M" in deviation.message_vi and "TM." in deviation.message_vi


def test_the_answer_names_the_kind_and_what_was_checked() -> None:
    result = check_document(saved(draft("quyet_dinh"))).as_dict()
    assert result["kind"] == "administrative" and result["kind_label"] == "văn bản hành chính"
    assert result["skipped"] == [] and result["source"] == "docx"
    assert "khổ giấy và lề trang" in result["checked"]


def _law(document: Any, number: str, title: str, subject: str) -> bytes:
    replace(document, "Số: 12/QĐ-UBND", number)
    replace(document, "QUYẾT ĐỊNH", title)
    replace(document, "Về việc tổ chức Hội nghị tổng kết công tác năm 2026", subject)
    return saved(document)


def test_a_law_with_its_own_number_line_and_title_on_two_lines_is_legal() -> None:
    result = check_document(_law(draft("quyet_dinh"), "Luật số: 45/2019/QH14", "BỘ LUẬT", "LAO ĐỘNG"))
    assert result.kind == DocumentKind.LEGAL and result.deviations == []
    assert {item["check"] for item in result.skipped} >= {"nơi nhận"}
    result = check_document(_law(draft("quyet_dinh"), "Số: 01/2019/NQ-HĐTP", "NGHỊ QUYẾT", "Hướng dẫn"))
    assert result.kind == DocumentKind.LEGAL and result.deviations == []


def test_a_legal_document_still_has_its_heading_checked() -> None:
    document = draft("quyet_dinh")
    replace(document, "Độc lập - Tự do - Hạnh phúc", "Độc lập-Tự do-Hạnh phúc")
    data = _law(document, "Số: 19/2019/NĐ-CP", "NGHỊ ĐỊNH", "Về họ, hụi")
    result = check_document(data)
    assert result.kind == DocumentKind.LEGAL
    assert [d.code for d in result.deviations] == ["motto_format"]


@needs_data
@pytest.mark.parametrize(
    ("name", "kind", "source"),
    [
        ("legal_samples/an_le_so_262018AL.docx", DocumentKind.COURT_PRECEDENT, "docx"),
        ("legal_samples/an_le_so_432021AL.pdf", DocumentKind.COURT_PRECEDENT, "pdf"),
        ("legal_samples/bo_luat_91_2015_QH13.docx", DocumentKind.LEGAL, "docx"),
        ("legal_samples/nghi_quyet_01_2019_NQ_HDTP.docx", DocumentKind.LEGAL, "docx"),
        ("nd30_2020/30_2020_ND_CP.docx", DocumentKind.LEGAL, "docx"),
        ("nd30_2020/Phuluc1.docx", DocumentKind.ANNEX, "docx"),
        ("nd30_2020/Phuluc3.doc", DocumentKind.ANNEX, "doc"),
        ("legal_samples/BNV-CCHC_2025_cong_van_lay_y_kien_textpdf.pdf", DocumentKind.ADMINISTRATIVE, "pdf"),
        ("labor_decrees/45_2019_QH14_333670.doc", DocumentKind.LEGAL, "doc"),
    ],
)
def test_real_documents_are_recognised(name: str, kind: DocumentKind, source: str) -> None:
    result = check_document((DATA / name).read_bytes())
    assert (result.kind, result.source) == (kind, source)


# What the issue lists as false findings: none may appear on a real document.
FALSE_FINDINGS = {
    "national_title_missing",
    "national_title_format",
    "motto_missing",
    "motto_format",
    "number_missing",
    "number_format",
    "wrong_abbreviation",
    "title_missing",
    "recipients_missing",
    "recipients_label_style",
    "recipients_archive_missing",
    "date_missing",
    "national_title_misplaced",
    "signer_name_missing",
}


@needs_data
def test_real_documents_raise_none_of_the_false_findings() -> None:
    found = {}
    for path in real_files():
        result = check_document(path.read_bytes())
        wrong = [d.code for d in result.deviations if d.code in FALSE_FINDINGS]
        if wrong:
            found[path.name] = wrong
    assert found == {}


@needs_data
def test_a_text_pdf_is_checked_as_text_and_says_what_was_skipped() -> None:
    result = check_document(
        (DATA / "legal_samples" / "BNV-CCHC_2025_cong_van_lay_y_kien_textpdf.pdf").read_bytes()
    )
    assert result.deviations == []
    skipped = {item["check"]: item["reason"] for item in result.skipped}
    assert set(skipped) == {
        "khổ giấy và lề trang",
        "phông chữ",
        "cỡ chữ và kiểu chữ (đậm, nghiêng) của từng thành phần",
        "vị trí các thành phần, đường kẻ dưới Tiêu ngữ, căn lề và giãn dòng của nội dung",
    }
    assert all("PDF" in reason for reason in skipped.values())


@needs_data
def test_a_doc_is_checked_as_text() -> None:
    result = check_document((DATA / "labor_decrees" / "45_2019_QH14_333670.doc").read_bytes())
    assert result.source == "doc" and result.deviations == []
    assert any("DOC" in item["reason"] for item in result.skipped)


@needs_data
def test_a_scanned_pdf_is_refused_with_the_reason() -> None:
    with pytest.raises(NotReadable, match="lớp chữ"):
        check_document((DATA / "legal_samples" / "QD_932_2025_QD-TTg_scanned.pdf").read_bytes())


def test_something_else_is_refused() -> None:
    with pytest.raises(NotReadable):
        check_document(b"plain text, not a document")
    with pytest.raises(NotReadable):
        check_document(b"PK\x03\x04 broken zip")
