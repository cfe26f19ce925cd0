"""A drafted document as DOCX, laid out as Phụ lục I of Nghị định 30/2020/NĐ-CP prescribes.

Every run carries its font and size explicitly, so the file looks the same in any word processor
whatever its default styles, and the checker reads exactly what was written.
"""

from __future__ import annotations

import io
from typing import Any

from docx import Document as new_document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Mm, Pt
from docx.table import _Cell
from docx.text.paragraph import Paragraph

from assistants.documents.nd30 import (
    FONT,
    MARGINS_MM,
    MOTTO,
    NATIONAL_TITLE,
    PAGE_HEIGHT_MM,
    PAGE_WIDTH_MM,
    SIZES,
    DraftForm,
    date_line,
    number_line,
)

CENTER = WD_ALIGN_PARAGRAPH.CENTER
JUSTIFY = WD_ALIGN_PARAGRAPH.JUSTIFY
LEFT = WD_ALIGN_PARAGRAPH.LEFT
INDENT = Cm(1)  # mục II.6.e: the first line of a paragraph is indented 1 cm or 1.27 cm


def size(part: str) -> float:
    return SIZES[part][2]


def set_font(run_element: object, name: str = FONT) -> None:
    """ascii, hAnsi, eastAsia and cs: Word picks one by the characters in the run."""
    r_pr = run_element._element.get_or_add_rPr()  # type: ignore[attr-defined]
    fonts = r_pr.get_or_add_rFonts()
    for attribute in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attribute), name)


def add_run(paragraph: Paragraph, text: str, part: str, *, bold: bool = False, italic: bool = False) -> None:
    run = paragraph.add_run(text)
    set_font(run)
    run.font.size = Pt(size(part))
    run.font.bold = bold
    run.font.italic = italic


def new_paragraph(
    container: Any,
    text: str,
    part: str,
    *,
    bold: bool = False,
    italic: bool = False,
    align: int = CENTER,
    first_line_indent: bool = False,
    space_after: float = 0,
    space_before: float = 0,
) -> Paragraph:
    paragraph: Paragraph = container.add_paragraph()
    paragraph.alignment = align  # type: ignore[assignment]
    form = paragraph.paragraph_format
    form.space_after = Pt(space_after)
    form.space_before = Pt(space_before)
    form.line_spacing = 1.0
    if first_line_indent:
        form.first_line_indent = INDENT
    if text:
        add_run(paragraph, text, part, bold=bold, italic=italic)
    return paragraph


def _first_paragraph(cell: _Cell, text: str, part: str, **style: bool) -> Paragraph:
    """A new cell already holds one empty paragraph: use it rather than leave a blank line."""
    paragraph = cell.paragraphs[0]
    paragraph.alignment = CENTER
    paragraph.paragraph_format.space_after = Pt(0)
    add_run(paragraph, text, part, bold=style.get("bold", False), italic=style.get("italic", False))
    return paragraph


def _rule(container: Any, part: str, width: int) -> None:
    """The short solid line under the issuing body, the motto and the trích yếu."""
    new_paragraph(container, "_" * width, part)


def _heading(document: Any, form: DraftForm) -> None:
    table = document.add_table(rows=2, cols=2)
    table.autofit = False
    widths = (Mm(65), Mm(100))
    for row in table.rows:
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = width
    body_cell, nation_cell = table.rows[0].cells
    if form.superior_body:
        _first_paragraph(body_cell, form.superior_body.upper(), "superior_body")
        new_paragraph(body_cell, form.issuing_body.upper(), "issuing_body", bold=True)
    else:
        _first_paragraph(body_cell, form.issuing_body.upper(), "issuing_body", bold=True)
    _rule(body_cell, "issuing_body", 10)
    _first_paragraph(nation_cell, NATIONAL_TITLE, "national_title", bold=True)
    new_paragraph(nation_cell, MOTTO, "motto", bold=True)
    _rule(nation_cell, "motto", 24)
    number_cell, date_cell = table.rows[1].cells
    _first_paragraph(number_cell, number_line(form), "number")
    if not form.doc_type.title:
        # A công văn states its subject after "V/v", 6 pt below the number (mục II.5.b).
        new_paragraph(number_cell, f"V/v {form.subject}", "letter_subject", space_before=6)
    _first_paragraph(date_cell, date_line(form.place, form.date), "date", italic=True)


def _salutation(document: Any, form: DraftForm) -> None:
    if not form.salutation:
        return
    names = [name.rstrip(";.") for name in form.salutation]
    if len(names) == 1:
        new_paragraph(document, f"Kính gửi: {names[0]}.", "body", space_before=6, space_after=6)
        return
    new_paragraph(document, "Kính gửi:", "body", space_before=6)
    for index, name in enumerate(names):
        ending = "." if index == len(names) - 1 else ";"
        paragraph = new_paragraph(document, f"- {name}{ending}", "body", align=LEFT)
        paragraph.paragraph_format.left_indent = Cm(5)
    document.paragraphs[-1].paragraph_format.space_after = Pt(6)


def _ended(text: str) -> str:
    """The last line of the content ends with "./." (the Mẫu of Phụ lục III)."""
    return text if text.endswith("./.") else text.rstrip(".") + "./."


def _content(document: Any, form: DraftForm) -> None:
    if form.doc_type.articles:
        new_paragraph(document, form.authority.upper(), "body", bold=True, space_before=6, space_after=6)
        for index, basis in enumerate(form.basis):
            ending = "." if index == len(form.basis) - 1 else ";"
            text = basis.rstrip(";.") + ending
            new_paragraph(document, text, "body", italic=True, align=JUSTIFY, first_line_indent=True)
        new_paragraph(document, form.doc_type.decision_word, "body", bold=True, space_before=6, space_after=6)
        for index, article in enumerate(form.articles, start=1):
            text = _ended(article) if index == len(form.articles) else article
            paragraph = new_paragraph(
                document, "", "body", align=JUSTIFY, first_line_indent=True, space_after=6
            )
            add_run(paragraph, f"Điều {index}. ", "body", bold=True)
            add_run(paragraph, text, "body")
        return
    for index, text in enumerate(form.body):
        text = _ended(text) if index == len(form.body) - 1 else text
        new_paragraph(document, text, "body", align=JUSTIFY, first_line_indent=True, space_after=6)


def _signature_and_recipients(document: Any, form: DraftForm) -> None:
    table = document.add_table(rows=1, cols=2)
    table.autofit = False
    recipients_cell, signature_cell = table.rows[0].cells
    recipients_cell.width, signature_cell.width = Mm(80), Mm(85)
    # mục II.9.d: "Nơi nhận:" italic bold 12 on the line of the signer's authority; the list in 11.
    label = _first_paragraph(recipients_cell, "Nơi nhận:", "recipients_label", bold=True, italic=True)
    label.alignment = LEFT
    names = [name.strip().lstrip("-").strip().rstrip(";.") for name in form.recipients]
    if form.salutation and not any(name.lower() == "như trên" for name in names):
        names.insert(0, "Như trên")  # mục II.9.b: those under "Kính gửi"
    for name in names:
        new_paragraph(recipients_cell, f"- {name};", "recipients_list", align=LEFT)
    archive = form.archive.removeprefix("Lưu:").strip().rstrip(".")
    new_paragraph(recipients_cell, f"- Lưu: {archive}.", "recipients_list", align=LEFT)
    lines = []
    if form.collective:
        lines.append(f"TM. {form.collective.upper()}")
    if form.signing_authority == "Q.":
        lines.append(f"Q. {form.signer_position.upper()}")
    else:
        if form.signing_authority:
            lines.append(f"{form.signing_authority} {form.authority_title.upper()}")
        lines.append(form.signer_position.upper())
    _first_paragraph(signature_cell, lines[0], "signature", bold=True)
    for line in lines[1:]:
        new_paragraph(signature_cell, line, "signature", bold=True)
    for _blank in range(3):  # room for the signature and the seal (ô 7c, 8)
        new_paragraph(signature_cell, "", "signature")
    new_paragraph(signature_cell, form.signer_name, "signature", bold=True)


def render_docx(form: DraftForm) -> bytes:
    document = new_document()
    section = document.sections[0]
    section.page_width, section.page_height = Mm(PAGE_WIDTH_MM), Mm(PAGE_HEIGHT_MM)
    section.top_margin = Mm(MARGINS_MM["top"][0])
    section.bottom_margin = Mm(MARGINS_MM["bottom"][0])
    section.left_margin = Mm(MARGINS_MM["left"][0])
    section.right_margin = Mm(MARGINS_MM["right"][0])
    normal = document.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(size("body"))
    _heading(document, form)
    if form.doc_type.title:
        new_paragraph(document, form.doc_type.title, "title", bold=True, space_before=12)
        new_paragraph(document, form.subject, "title", bold=True)
        _rule(document, "title", 12)
    _salutation(document, form)
    _content(document, form)
    new_paragraph(document, "", "body")
    _signature_and_recipients(document, form)
    document.core_properties.title = f"{form.doc_type.label}: {form.subject}"[:250]
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def draft_filename(form: DraftForm) -> str:
    """An ASCII-safe name: the type code and the date, e.g. quyet_dinh_2026-12-05.docx."""
    return f"{form.doc_type.code}_{form.date.isoformat()}.docx"
