"""The format checker's corpus: drafts with one planted deviation each, correct variants in the layouts
real offices use, and the real documents beside the repository. Shared by the tests and the bench
(tests/benchmarks/bench_format_check.py)."""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from assistants.documents.nd30 import DOCUMENT_TYPES, DraftForm, parse_form
from assistants.documents.nd30_render import render_docx

DATA = Path(__file__).resolve().parents[3] / "shared" / "data" / "documents"

BASE: dict[str, Any] = {
    "issuing_body": "Ủy ban nhân dân tỉnh Gia Lai",
    "issuer_abbreviation": "UBND",
    "unit_abbreviation": "VP",
    "number": 12,
    "place": "Gia Lai",
    "date": "2026-12-05",
    "subject": "Về việc tổ chức Hội nghị tổng kết công tác năm 2026",
    "salutation": ["Sở Tư pháp", "Sở Nội vụ"],
    "authority": "Chủ tịch Ủy ban nhân dân tỉnh Gia Lai",
    "basis": ["Căn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015"],
    "body": ["Ủy ban nhân dân tỉnh đề nghị các sở chuẩn bị báo cáo.", "Báo cáo gửi trước ngày 20."],
    "articles": ["Tổ chức Hội nghị tổng kết.", "Chánh Văn phòng chịu trách nhiệm thi hành."],
    "collective": "Ủy ban nhân dân",
    "signing_authority": "KT.",
    "authority_title": "Chủ tịch",
    "signer_position": "Phó Chủ tịch",
    "signer_name": "Nguyễn Văn An",
    "recipients": ["Thường trực Tỉnh ủy", "CT, các PCT UBND tỉnh"],
    "archive": "VT, VP",
}


def form_for(code: str, **changes: Any) -> DraftForm:
    form, problems = parse_form({**BASE, "doc_type": code, **changes})
    assert form is not None, problems
    return form


def draft(code: str, **changes: Any) -> Any:
    return Document(io.BytesIO(render_docx(form_for(code, **changes))))


def saved(document: Any) -> bytes:
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


# --- editing a draft ------------------------------------------------------------------------------------


def _paragraphs(document: Any) -> list[Any]:
    found = list(document.paragraphs)
    for table in document.tables:
        for row in table.rows:
            for cell in row.cells:
                found += cell.paragraphs
    return found


def paragraph(document: Any, start: str) -> Any:
    # A long name is broken by hand (Shift+Enter): compare the text with its breaks as spaces.
    return next(p for p in _paragraphs(document) if " ".join(p.text.split()).startswith(start))


def replace(document: Any, old: str, new: str) -> None:
    for found in _paragraphs(document):
        for run in found.runs:
            if old in run.text:
                run.text = run.text.replace(old, new)


def set_runs(found: Any, **values: Any) -> None:
    for run in found.runs:
        for name, value in values.items():
            setattr(run.font, name, value)


def join_with_breaks(first: Any, others: list[Any]) -> None:
    """Shift+Enter: the other paragraphs' runs move into the first, after a line break each."""
    for other in others:
        first.runs[-1]._r.append(OxmlElement("w:br"))
        for run in other.runs:
            first._p.append(run._r)
        other._p.getparent().remove(other._p)


def _nfd(document: Any) -> None:
    for found in _paragraphs(document):
        for run in found.runs:
            run.text = unicodedata.normalize("NFD", run.text)


def _motto_with_breaks(document: Any) -> None:
    title = paragraph(document, "CỘNG HÒA")
    join_with_breaks(title, [paragraph(document, "Độc lập"), paragraph(document, "____")])


def _recipients_with_breaks(document: Any) -> None:
    label = paragraph(document, "Nơi nhận:")
    cell = document.tables[-1].rows[0].cells[0]
    join_with_breaks(label, [p for p in cell.paragraphs if p.text.startswith("-")])


def _rule_in_small_underscores(document: Any) -> None:
    rules = [p for p in document.paragraphs if p.text.startswith("____")]
    for rule in rules:
        set_runs(rule, size=Pt(8))


def _recipients_in_a_sentence_and_a_table(document: Any) -> None:
    # the first paragraph of the body (Kính gửi's recipients hang: their indent is negative)
    body = next(p for p in document.paragraphs if (p.paragraph_format.first_line_indent or 0) > 0)
    sentence = body.insert_paragraph_before("Nơi nhận hồ sơ: Bộ phận Một cửa của Sở Tư pháp.")
    sentence.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    sentence.paragraph_format.first_line_indent = body.paragraph_format.first_line_indent
    for run in sentence.runs:
        run.font.name, run.font.size = "Times New Roman", Pt(14)
    table = document.add_table(rows=2, cols=2)
    for cell, text in zip(
        table.rows[0].cells + table.rows[1].cells, ["Hồ sơ", "Nơi nhận", "Tờ khai", "Sở Tư pháp"], strict=True
    ):
        run = cell.paragraphs[0].add_run(text)
        run.font.name, run.font.size = "Times New Roman", Pt(13)
    # The closing table stays the last thing in the document.
    body_element = document.element.body
    body_element.remove(table._tbl)
    document.tables[-1]._tbl.addprevious(table._tbl)


def _motto_line_drawn_as_border(document: Any) -> None:
    rule = paragraph(document, "____")
    motto = paragraph(document, "Độc lập")
    p_pr = motto._p.get_or_add_pPr()
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    bottom.set(qn("w:val"), "single")
    bottom.set(qn("w:sz"), "6")
    borders.append(bottom)
    p_pr.append(borders)
    rule._p.getparent().remove(rule._p)


def _old_spelling(document: Any) -> None:
    replace(document, "CỘNG HÒA", "CỘNG HOÀ")


@dataclass(frozen=True)
class Case:
    name: str
    code: str  # the document type of the draft
    alter: Callable[[Any], None]
    expected: frozenset[str] = frozenset()  # the deviations planted; none for a correct variant

    def build(self) -> bytes:
        document = draft(self.code)
        self.alter(document)
        return saved(document)


def _unchanged(document: Any) -> None:
    return None


CORRECT_VARIANTS: dict[str, Callable[[Any], None]] = {
    "as drafted": _unchanged,
    "Quốc hiệu and Tiêu ngữ split by Shift+Enter": _motto_with_breaks,
    "Nơi nhận and its list split by Shift+Enter": _recipients_with_breaks,
    "the spelling CỘNG HOÀ": _old_spelling,
    "text in NFD (tổ hợp)": _nfd,
    "rules typed as small underscores": _rule_in_small_underscores,
    "Nơi nhận in a body sentence and a table cell": _recipients_in_a_sentence_and_a_table,
    "the motto's line drawn as a border": _motto_line_drawn_as_border,
}
CORRECT_TYPES = ("quyet_dinh", "cong_van", "to_trinh", "bao_cao")


def correct_cases() -> list[Case]:
    return [
        Case(f"{code}: {name}", code, alter)
        for code in CORRECT_TYPES
        for name, alter in CORRECT_VARIANTS.items()
    ]


# --- planted deviations -----------------------------------------------------------------------------------


def _margins(document: Any) -> None:
    document.sections[0].left_margin = Mm(20)


def _letter(document: Any) -> None:
    document.sections[0].page_width, document.sections[0].page_height = Mm(215.9), Mm(279.4)


def _arial(document: Any) -> None:
    for found in document.paragraphs:
        set_runs(found, name="Arial")


def _body_12(document: Any) -> None:
    body = [p for p in document.paragraphs if p.paragraph_format.first_line_indent]
    set_runs(body[-1], size=Pt(12))


def _national_title_missing(document: Any) -> None:
    replace(document, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "")


def _national_title_lower(document: Any) -> None:
    replace(document, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Cộng hòa xã hội chủ nghĩa Việt Nam")


def _national_title_not_bold(document: Any) -> None:
    set_runs(paragraph(document, "CỘNG HÒA"), bold=False)


def _motto_without_hyphens(document: Any) -> None:
    replace(document, "Độc lập - Tự do - Hạnh phúc", "Độc lập Tự do Hạnh phúc")


def _motto_without_line(document: Any) -> None:
    rule = paragraph(document, "Độc lập")._p.getnext()
    rule.getparent().remove(rule)


def _issuing_body_not_bold(document: Any) -> None:
    set_runs(paragraph(document, "ỦY BAN NHÂN DÂN TỈNH"), bold=False)


def _number_without_slash(document: Any) -> None:
    replace(document, "Số: 12/", "Số: 12-")


def _number_without_colon(document: Any) -> None:
    replace(document, "Số: 12/", "Số 12/")


def _number_without_zero(document: Any) -> None:
    replace(document, "Số: 12/", "Số: 7/")


def _numeric_date(document: Any) -> None:
    replace(document, "ngày 05 tháng 12 năm 2026", "ngày 05/12/2026")


def _date_without_zero(document: Any) -> None:
    replace(document, "ngày 05", "ngày 5")


def _date_upright(document: Any) -> None:
    set_runs(paragraph(document, "Gia Lai, ngày"), italic=False)


def _date_missing(document: Any) -> None:
    replace(document, "Gia Lai, ngày 05 tháng 12 năm 2026", "")


def _wrong_type(document: Any) -> None:
    replace(document, "12/QĐ-UBND", "12/TB-UBND")


def _cv(document: Any) -> None:
    replace(document, "12/UBND-VP", "12/CV-UBND")


def _no_salutation(document: Any) -> None:
    for found in list(document.paragraphs):
        if found.text.startswith("Kính gửi") or found.text.startswith("- Sở"):
            found._p.getparent().remove(found._p)


def _subject_not_bold(document: Any) -> None:
    set_runs(paragraph(document, BASE["subject"]), bold=False)


def _body_left(document: Any) -> None:
    for found in document.paragraphs:
        if found.paragraph_format.first_line_indent:
            found.alignment = WD_ALIGN_PARAGRAPH.LEFT


def _body_no_indent(document: Any) -> None:
    for found in document.paragraphs:
        if found.paragraph_format.first_line_indent:
            found.paragraph_format.first_line_indent = None


def _body_double(document: Any) -> None:
    for found in document.paragraphs:
        if found.paragraph_format.first_line_indent:
            found.paragraph_format.line_spacing = 2.0


def _t_l(document: Any) -> None:
    replace(document, "KT. CHỦ TỊCH", "T/L CHỦ TỊCH")


def _t_m(document: Any) -> None:
    replace(document, "TM. ỦY BAN", "T/M ỦY BAN")


def _no_signer_name(document: Any) -> None:
    replace(document, "Nguyễn Văn An", "")


def _no_recipients(document: Any) -> None:
    for found in document.tables[-1].rows[0].cells[0].paragraphs:
        for run in found.runs:
            run.text = ""


def _no_archive(document: Any) -> None:
    replace(document, "- Lưu: VT, VP.", "- Lưu trữ.")


def _recipients_label_upright(document: Any) -> None:
    set_runs(paragraph(document, "Nơi nhận:"), italic=False)


def _recipients_list_13(document: Any) -> None:
    for found in document.tables[-1].rows[0].cells[0].paragraphs:
        if found.text.startswith("-"):
            set_runs(found, size=Pt(13))


PLANTED: list[tuple[str, Callable[[Any], None], set[str], tuple[str, ...]]] = [
    ("left margin 20 mm", _margins, {"margin_left"}, ("quyet_dinh", "cong_van")),
    ("Letter paper", _letter, {"page_size"}, ("quyet_dinh", "cong_van")),
    ("Arial", _arial, {"font"}, ("quyet_dinh", "cong_van")),
    ("body in 12 pt", _body_12, {"body_size"}, ("quyet_dinh", "cong_van")),
    ("no Quốc hiệu", _national_title_missing, {"national_title_missing"}, ("quyet_dinh", "cong_van")),
    ("Quốc hiệu in lower case", _national_title_lower, {"national_title_format"}, ("quyet_dinh", "cong_van")),
    ("Quốc hiệu not bold", _national_title_not_bold, {"national_title_style"}, ("quyet_dinh",)),
    ("Tiêu ngữ without hyphens", _motto_without_hyphens, {"motto_format"}, ("quyet_dinh", "cong_van")),
    (
        "Tiêu ngữ without its line",
        _motto_without_line,
        {"motto_underline_missing"},
        ("quyet_dinh", "cong_van"),
    ),
    ("issuing body not bold", _issuing_body_not_bold, {"issuing_body_style"}, ("quyet_dinh", "cong_van")),
    ("number without slash", _number_without_slash, {"number_format"}, ("quyet_dinh", "cong_van")),
    ("“Số” without colon", _number_without_colon, {"number_format"}, ("quyet_dinh",)),
    (
        "number without leading zero",
        _number_without_zero,
        {"number_leading_zero"},
        ("quyet_dinh", "cong_van"),
    ),
    ("date as 05/12/2026", _numeric_date, {"date_format"}, ("quyet_dinh", "cong_van")),
    ("day without leading zero", _date_without_zero, {"date_leading_zero"}, ("quyet_dinh",)),
    ("date not italic", _date_upright, {"date_style"}, ("quyet_dinh",)),
    ("no date", _date_missing, {"date_missing"}, ("quyet_dinh", "cong_van")),
    ("QĐ numbered as TB", _wrong_type, {"wrong_abbreviation"}, ("quyet_dinh",)),
    ("công văn numbered CV", _cv, {"wrong_abbreviation"}, ("cong_van",)),
    ("no Kính gửi", _no_salutation, {"salutation_missing"}, ("cong_van", "to_trinh")),
    ("trích yếu not bold", _subject_not_bold, {"subject_style"}, ("quyet_dinh", "to_trinh")),
    ("body left-aligned", _body_left, {"body_alignment"}, ("quyet_dinh", "cong_van")),
    ("body without first-line indent", _body_no_indent, {"body_indent"}, ("quyet_dinh", "cong_van")),
    ("body double-spaced", _body_double, {"body_line_spacing"}, ("quyet_dinh", "cong_van")),
    ("T/L for TL.", _t_l, {"signing_authority_format"}, ("quyet_dinh",)),
    ("T/M for TM.", _t_m, {"signing_authority_format"}, ("quyet_dinh",)),
    ("no signer name", _no_signer_name, {"signer_name_missing"}, ("quyet_dinh", "cong_van")),
    ("no Nơi nhận", _no_recipients, {"recipients_missing"}, ("quyet_dinh", "cong_van")),
    ("no Lưu line", _no_archive, {"recipients_archive_missing"}, ("quyet_dinh", "cong_van")),
    ("Nơi nhận not italic", _recipients_label_upright, {"recipients_label_style"}, ("quyet_dinh",)),
    ("recipients in 13 pt", _recipients_list_13, {"recipients_list_size"}, ("quyet_dinh",)),
]


def planted_cases() -> list[Case]:
    return [
        Case(f"{code}: {name}", code, alter, frozenset(expected))
        for name, alter, expected, codes in PLANTED
        for code in codes
    ]


def real_files() -> list[Path]:
    """The real documents beside the repository: legal samples, the decree and its annexes."""
    return sorted(
        path
        for folder in ("legal_samples", "nd30_2020")
        for path in (DATA / folder).glob("*")
        if path.suffix in (".docx", ".doc", ".pdf") and "scanned" not in path.name
    )


assert set(CORRECT_TYPES) <= set(DOCUMENT_TYPES)
