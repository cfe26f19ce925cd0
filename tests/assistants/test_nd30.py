"""Drafting and checking administrative documents against Nghị định 30/2020/NĐ-CP, read back with
python-docx as a word processor would show them."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from docx import Document
from docx.shared import Mm, Pt

from assistants.documents.nd30 import DOCUMENT_TYPES, DraftForm, date_line, parse_form
from assistants.documents.nd30_check import Deviation, NotADocx, check_docx
from assistants.documents.nd30_render import render_docx

BASE: dict[str, Any] = {
    "issuing_body": "Ủy ban nhân dân tỉnh Gia Lai",
    "superior_body": "",
    "issuer_abbreviation": "UBND",
    "unit_abbreviation": "VP",
    "number": 12,
    "place": "Gia Lai",
    "date": "2026-12-05",
    "subject": "Về việc tổ chức Hội nghị tổng kết công tác năm 2026",
    "salutation": ["Sở Tư pháp", "Sở Nội vụ"],
    "authority": "Chủ tịch Ủy ban nhân dân tỉnh Gia Lai",
    "basis": [
        "Căn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015",
        "Theo đề nghị của Giám đốc Sở Nội vụ",
    ],
    "body": ["Ủy ban nhân dân tỉnh đề nghị các sở chuẩn bị báo cáo.", "Báo cáo gửi trước ngày 20."],
    "articles": [
        "Tổ chức Hội nghị tổng kết.",
        "Chánh Văn phòng và Giám đốc các sở chịu trách nhiệm thi hành.",
    ],
    "collective": "Ủy ban nhân dân",
    "signing_authority": "KT.",
    "authority_title": "Chủ tịch",
    "signer_position": "Phó Chủ tịch",
    "signer_name": "Nguyễn Văn An",
    "recipients": ["Thường trực Tỉnh ủy", "CT, các PCT UBND tỉnh"],
    "archive": "VT, VP",
    "venue": "Phòng họp số 2, Ủy ban nhân dân tỉnh",
    "secretary": "Trần Thị Bình",
}


def form_for(code: str, **changes: Any) -> DraftForm:
    form, problems = parse_form({**BASE, "doc_type": code, **changes})
    assert form is not None, problems
    return form


def open_docx(data: bytes) -> Any:
    return Document(io.BytesIO(data))


def saved(document: Any) -> bytes:
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def mm(length: Any) -> float:
    return round(length.mm, 1)


def cell_lines(cell: Any) -> list[str]:
    return [p.text for p in cell.paragraphs if p.text.strip()]


def paragraph_with(cell_or_doc: Any, text: str) -> Any:
    return next(p for p in cell_or_doc.paragraphs if p.text.startswith(text))


def runs_of(paragraph: Any) -> list[Any]:
    runs = [r for r in paragraph.runs if r.text.strip()]
    assert runs, paragraph.text
    return runs


def assert_style(paragraph: Any, size: float, *, bold: bool = False, italic: bool = False) -> None:
    for run in runs_of(paragraph):
        assert run.font.name == "Times New Roman"
        assert run.font.size == Pt(size), (paragraph.text, run.font.size)
        assert bool(run.font.bold) is bold, paragraph.text
        assert bool(run.font.italic) is italic, paragraph.text


@pytest.mark.parametrize("code", list(DOCUMENT_TYPES))
def test_each_type_is_laid_out_as_phu_luc_i(code: str) -> None:
    doc_type = DOCUMENT_TYPES[code]
    document = open_docx(render_docx(form_for(code)))
    section = document.sections[0]
    # Word stores twentieths of a point: compare to a tenth of a millimetre.
    assert (mm(section.page_width), mm(section.page_height)) == (210.0, 297.0)
    assert (mm(section.top_margin), mm(section.bottom_margin)) == (20.0, 20.0)
    assert (mm(section.left_margin), mm(section.right_margin)) == (30.0, 15.0)

    heading, closing = document.tables
    bodies, nation = heading.rows[0].cells
    # Broken by hand between word groups, as a văn thư does (the PDF tests see where).
    assert cell_lines(bodies)[0] == "ỦY BAN NHÂN DÂN\nTỈNH GIA LAI"
    assert_style(paragraph_with(bodies, "ỦY BAN"), 13, bold=True)
    assert cell_lines(nation)[:2] == ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc"]
    assert_style(paragraph_with(nation, "CỘNG HÒA"), 13, bold=True)
    assert_style(paragraph_with(nation, "Độc lập"), 14, bold=True)
    assert cell_lines(nation)[2].startswith("____")  # the line under the motto

    number_cell, date_cell = heading.rows[1].cells
    expected_symbol = "UBND-VP" if code == "cong_van" else f"{doc_type.abbreviation}-UBND"
    assert cell_lines(number_cell)[0] == f"Số: 12/{expected_symbol}"
    assert_style(paragraph_with(number_cell, "Số:"), 13)
    if doc_type.minutes:
        assert cell_lines(date_cell) == []  # Mẫu 1.9 dates a biên bản under its title
    else:
        assert cell_lines(date_cell) == ["Gia Lai, ngày 05 tháng 12 năm 2026"]
        assert_style(paragraph_with(date_cell, "Gia Lai"), 14, italic=True)

    top_level = [p for p in document.paragraphs if p.text.strip()]
    if code == "cong_van":
        # "V/v" stands for "Về việc": the subject is not introduced twice.
        assert cell_lines(number_cell)[1] == "V/v Tổ chức Hội nghị tổng kết công tác năm 2026"
        assert_style(paragraph_with(number_cell, "V/v"), 13)
    else:
        assert top_level[0].text == doc_type.title and top_level[1].text == BASE["subject"]
        assert_style(top_level[0], 14, bold=True)
        assert_style(top_level[1], 14, bold=True)
    texts = [p.text for p in top_level]
    if not doc_type.minutes:
        assert "Kính gửi:\t- Sở Tư pháp;" in texts and "- Sở Nội vụ." in texts
    if doc_type.articles:
        assert doc_type.decision_word in texts
        assert texts[-1] == "Điều 2. Chánh Văn phòng và Giám đốc các sở chịu trách nhiệm thi hành./."
        assert runs_of(top_level[-1])[0].text == "Điều 2. " and runs_of(top_level[-1])[0].font.bold
        assert "Căn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015;" in texts
    elif doc_type.minutes:
        assert texts[-1] == "Cuộc họp kết thúc cùng ngày./."
    else:
        assert texts[-1] == "Báo cáo gửi trước ngày 20./."
        assert_style(top_level[-1], 14)
    for paragraph in top_level:
        assert all(r.font.size in (Pt(13), Pt(14)) for r in runs_of(paragraph))

    recipients, signature = closing.rows[0].cells
    label = paragraph_with(recipients, "Nơi nhận:")
    assert_style(label, 12, bold=True, italic=True)
    listed = cell_lines(recipients)[cell_lines(recipients).index("Nơi nhận:") + 1 :]
    if not doc_type.minutes:
        assert listed[0] == "- Như trên;"
    assert "- Thường trực Tỉnh ủy;" in listed and listed[-1] == "- Lưu: VT, VP."
    for line in listed:
        assert_style(paragraph_with(recipients, line), 11)
    if doc_type.minutes:
        assert cell_lines(recipients)[:2] == ["THƯ KÝ", "Trần Thị Bình"]
        assert cell_lines(signature) == ["CHỦ TỌA", "PHÓ CHỦ TỊCH", "Nguyễn Văn An"]
        return
    assert cell_lines(signature) == ["TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH", "Nguyễn Văn An"]
    for line in cell_lines(signature):
        assert_style(paragraph_with(signature, line), 14, bold=True)


def test_small_numbers_and_early_months_take_a_leading_zero() -> None:
    document = open_docx(render_docx(form_for("quyet_dinh", number=5, date="2026-02-03")))
    number_cell, date_cell = document.tables[0].rows[1].cells
    assert cell_lines(number_cell)[0] == "Số: 05/QĐ-UBND"
    assert cell_lines(date_cell)[0] == "Gia Lai, ngày 03 tháng 02 năm 2026"
    # From March the month has no leading zero (Phụ lục I, mục II.4.b).
    assert (
        date_line("Gia Lai", form_for("cong_van", date="2026-03-09").date)
        == "Gia Lai, ngày 09 tháng 3 năm 2026"
    )


def test_an_unregistered_draft_leaves_room_for_the_number() -> None:
    document = open_docx(render_docx(form_for("to_trinh", number=None)))
    line = cell_lines(document.tables[0].rows[1].cells[0])[0]
    assert re.fullmatch(r"Số: +/TTr-UBND", line)


@pytest.mark.parametrize(
    ("authority", "lines"),
    [
        (
            {"signing_authority": "TM.", "authority_title": "Ủy ban nhân dân", "collective": ""},
            ["TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH", "Nguyễn Văn An"],
        ),
        (
            {"signing_authority": "Q.", "collective": "", "signer_position": "Giám đốc"},
            ["Q. GIÁM ĐỐC", "Nguyễn Văn An"],
        ),
        (
            {"signing_authority": "TL.", "collective": "", "signer_position": "Chánh Văn phòng"},
            ["TL. CHỦ TỊCH", "CHÁNH VĂN PHÒNG", "Nguyễn Văn An"],
        ),
        (
            {"signing_authority": "TUQ.", "collective": "", "signer_position": "Giám đốc Sở Nội vụ"},
            ["TUQ. CHỦ TỊCH", "GIÁM ĐỐC SỞ NỘI VỤ", "Nguyễn Văn An"],
        ),
        (
            {"signing_authority": "", "collective": "", "signer_position": "Chủ tịch"},
            ["CHỦ TỊCH", "Nguyễn Văn An"],
        ),
    ],
)
def test_signing_authorities(authority: dict[str, str], lines: list[str]) -> None:
    changes = {"signer_position": "Chủ tịch", **authority}
    data = render_docx(form_for("thong_bao", **changes))
    assert cell_lines(open_docx(data).tables[1].rows[0].cells[1]) == lines
    assert check_docx(data) == []


def test_missing_required_fields_are_listed() -> None:
    form, problems = parse_form({"doc_type": "cong_van", "place": "Gia Lai", "subject": "Xin ý kiến"})
    assert form is None
    assert problems.missing == [
        "issuing_body",
        "issuer_abbreviation",
        "date",
        "unit_abbreviation",
        "salutation",
        "body",
        "signer_position",
        "signer_name",
        "recipients",
    ]
    form, problems = parse_form(
        {**BASE, "doc_type": "quyet_dinh", "articles": [], "basis": [], "authority": ""}
    )
    assert form is None and problems.missing == ["authority", "basis", "articles"]
    form, problems = parse_form(
        {**BASE, "doc_type": "quyet_dinh", "signing_authority": "KT.", "authority_title": ""}
    )
    assert form is None and problems.missing == ["authority_title"]
    form, problems = parse_form({**BASE})
    assert problems.missing == ["doc_type"]


def test_invalid_values_are_reported() -> None:
    form, problems = parse_form(
        {**BASE, "doc_type": "sac_lenh", "date": "05/12/2026", "number": -3, "issuer_abbreviation": "UB ND"}
    )
    assert form is None
    assert set(problems.invalid) == {"doc_type", "date", "number", "issuer_abbreviation"}
    assert "date" not in problems.missing


# --- checking -------------------------------------------------------------------------------------


def codes(deviations: list[Deviation]) -> list[str]:
    return [d.code for d in deviations]


@pytest.mark.parametrize("code", list(DOCUMENT_TYPES))
def test_a_correct_draft_has_no_deviation(code: str) -> None:
    assert check_docx(render_docx(form_for(code))) == []


def _correct() -> Any:
    return open_docx(render_docx(form_for("quyet_dinh")))


def _wrong_margins(document: Any) -> None:
    document.sections[0].left_margin = Mm(20)
    document.sections[0].top_margin = Mm(30)


def _wrong_font(document: Any) -> None:
    for paragraph in document.paragraphs:
        for run in paragraph.runs:
            run.font.name = "Arial"


def _wrong_size(document: Any) -> None:
    paragraph = next(p for p in document.paragraphs if p.text.startswith("Điều 1."))
    for run in paragraph.runs:
        run.font.size = Pt(12)


def _replace_in_cell(document: Any, old: str, new: str) -> None:
    for table in document.tables:
        for row in table.rows:
            for cell in row.cells:
                for paragraph in cell.paragraphs:
                    if old in paragraph.text:
                        for run in paragraph.runs:
                            run.text = run.text.replace(old, new)


def _date_without_zero(document: Any) -> None:
    _replace_in_cell(document, "ngày 05", "ngày 5")


def _wrong_abbreviation(document: Any) -> None:
    _replace_in_cell(document, "12/QĐ-UBND", "12/TB-UBND")


def _no_recipients(document: Any) -> None:
    cell = document.tables[1].rows[0].cells[0]
    for paragraph in cell.paragraphs:
        for run in paragraph.runs:
            run.text = ""


def _letter_page(document: Any) -> None:
    document.sections[0].page_width = Mm(215.9)
    document.sections[0].page_height = Mm(279.4)


def _number_without_zero(document: Any) -> None:
    _replace_in_cell(document, "12/QĐ", "7/QĐ")


def _upright_date(document: Any) -> None:
    cell = document.tables[0].rows[1].cells[1]
    for run in cell.paragraphs[0].runs:
        run.font.italic = False


def _misspelt_authority(document: Any) -> None:
    _replace_in_cell(document, "KT. CHỦ TỊCH", "K.T CHỦ TỊCH")


def _no_date(document: Any) -> None:
    # The căn cứ still quotes a date ("ngày 19 tháng 6 năm 2015"): that is not the date of issue.
    _replace_in_cell(document, "Gia Lai, ngày 05 tháng 12 năm 2026", "")


def _no_national_title(document: Any) -> None:
    _replace_in_cell(document, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "")


@pytest.mark.parametrize(
    ("alter", "expected"),
    [
        (_wrong_margins, {"margin_left", "margin_top"}),
        (_wrong_font, {"font"}),
        (_wrong_size, {"body_size"}),
        (_date_without_zero, {"date_leading_zero"}),
        (_wrong_abbreviation, {"wrong_abbreviation"}),
        (_no_recipients, {"recipients_missing"}),
        (_letter_page, {"page_size"}),
        (_number_without_zero, {"number_leading_zero"}),
        (_upright_date, {"date_style"}),
        (_misspelt_authority, {"signing_authority_format"}),
        (_no_national_title, {"national_title_missing"}),
        (_no_date, {"date_missing"}),
    ],
)
def test_each_planted_deviation_is_found(alter: Any, expected: set[str]) -> None:
    document = _correct()
    alter(document)
    found = check_docx(saved(document))
    assert set(codes(found)) == expected, found
    for deviation in found:
        assert deviation.rule.startswith("Phụ lục") and deviation.message_vi and deviation.location


def test_a_type_abbreviation_on_a_cong_van_is_wrong() -> None:
    document = open_docx(render_docx(form_for("cong_van")))
    _replace_in_cell(document, "12/UBND-VP", "12/CV-UBND")
    # "CV" is no abbreviation of Phụ lục III, but the commonest wrong one on a công văn.
    [deviation] = check_docx(saved(document))
    assert deviation.code == "wrong_abbreviation" and "“CV”" in deviation.message_vi
    _replace_in_cell(document, "12/CV-UBND", "12/TB-UBND")
    [deviation] = check_docx(saved(document))
    assert deviation.code == "wrong_abbreviation" and "Công văn" in deviation.message_vi


def test_the_messages_explain_in_vietnamese() -> None:
    document = _correct()
    _letter_page(document)
    _wrong_font(document)
    found = {d.code: d for d in check_docx(saved(document))}
    assert "A4" in found["page_size"].message_vi and found["page_size"].rule == "Phụ lục I, mục I.1"
    assert "Arial" in found["font"].message_vi and "Times New Roman" in found["font"].message_vi


def test_something_else_than_a_docx_is_refused() -> None:
    with pytest.raises(NotADocx):
        check_docx(b"%PDF-1.7 not a word file")
    with pytest.raises(NotADocx):
        check_docx(b"PK\x03\x04 broken zip")


# --- what the model wrote twice, section headings, biên bản ----------------------------------------


def test_prefixes_the_layout_prints_are_not_printed_twice() -> None:
    form = form_for(
        "cong_van",
        subject="V/v tổ chức Hội nghị tổng kết",
        salutation=["Kính gửi: Sở Tư pháp;", "- Sở Nội vụ."],
        recipients=["Nơi nhận:", "- Như trên;", "- Thường trực Tỉnh ủy;", "- Lưu: VT, VP."],
        archive="",
    )
    assert form.subject == "Tổ chức Hội nghị tổng kết"
    assert form.salutation == ["Sở Tư pháp", "Sở Nội vụ"]
    assert form.recipients == ["Như trên", "Thường trực Tỉnh ủy"] and form.archive == "VT, VP"
    document = open_docx(render_docx(form))
    number_cell = document.tables[0].rows[1].cells[0]
    assert cell_lines(number_cell)[1] == "V/v Tổ chức Hội nghị tổng kết"
    texts = [p.text for p in document.paragraphs if p.text.strip()]
    assert texts[:2] == ["Kính gửi:\t- Sở Tư pháp;", "- Sở Nội vụ."]
    listed = cell_lines(document.tables[1].rows[0].cells[0])
    assert listed == ["Nơi nhận:", "- Như trên;", "- Thường trực Tỉnh ủy;", "- Lưu: VT, VP."]

    form = form_for(
        "quyet_dinh",
        subject="V/v thành lập tổ công tác",
        articles=["Điều 1. Thành lập tổ công tác.", "Điều 2: Quyết định có hiệu lực từ ngày ký."],
        salutation=["Kính gửi: Sở Tư pháp"],
        authority_title="KT. Chủ tịch",
        collective="TM. Ủy ban nhân dân",
    )
    assert form.subject == "Về việc thành lập tổ công tác"
    texts = [p.text for p in open_docx(render_docx(form)).paragraphs if p.text.strip()]
    assert "Điều 1. Thành lập tổ công tác." in texts
    assert "Điều 2. Quyết định có hiệu lực từ ngày ký./." in texts
    assert "Kính gửi: Sở Tư pháp." in texts
    signature = cell_lines(open_docx(render_docx(form)).tables[1].rows[0].cells[1])
    assert signature[:2] == ["TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH"]


@pytest.mark.parametrize("code", ["bao_cao", "ke_hoach"])
def test_section_headings_are_bold(code: str) -> None:
    body = [
        "I. KẾT QUẢ THỰC HIỆN",
        "1. Công tác tuyên truyền: đã tổ chức 25 hội nghị với 3.000 lượt người tham dự.",
        "Các sở đã triển khai đầy đủ.",
        "2. Công tác kiểm tra",
        "II. NHIỆM VỤ NĂM 2027",
        "Tiếp tục thực hiện.",
    ]
    paragraphs = {p.text: p for p in open_docx(render_docx(form_for(code, body=body))).paragraphs}
    for heading in ("I. KẾT QUẢ THỰC HIỆN", "2. Công tác kiểm tra", "II. NHIỆM VỤ NĂM 2027"):
        assert all(run.font.bold for run in runs_of(paragraphs[heading])), heading
    head, rest = runs_of(paragraphs[body[1]])
    assert (head.text, bool(head.font.bold)) == ("1. Công tác tuyên truyền:", True)
    assert not rest.font.bold
    assert not any(run.font.bold for run in runs_of(paragraphs["Các sở đã triển khai đầy đủ."]))
    assert check_docx(render_docx(form_for(code, body=body))) == []


def test_a_bien_ban_needs_its_venue_and_secretary() -> None:
    form, problems = parse_form({**BASE, "doc_type": "bien_ban", "venue": "", "secretary": "", "place": ""})
    assert form is None and problems.missing == ["venue", "secretary"]
    form = form_for("bien_ban", attendees=["- Lãnh đạo Ủy ban nhân dân tỉnh", "Giám đốc các sở"])
    texts = [p.text for p in open_docx(render_docx(form)).paragraphs if p.text.strip()]
    assert texts[3:6] == [
        "Thời gian bắt đầu: ngày 05 tháng 12 năm 2026.",
        "Địa điểm: Phòng họp số 2, Ủy ban nhân dân tỉnh.",
        "Thành phần tham dự: Lãnh đạo Ủy ban nhân dân tỉnh; Giám đốc các sở.",
    ]
    assert "Kính gửi" not in " ".join(texts)
