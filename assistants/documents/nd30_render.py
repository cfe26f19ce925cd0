"""A drafted document as DOCX, laid out as Phụ lục I of Nghị định 30/2020/NĐ-CP prescribes.

Every run carries its font and size explicitly, so the file looks the same in any word processor
whatever its default styles, and the checker reads exactly what was written.
"""

from __future__ import annotations

import io
import math
import re
from typing import Any

from docx import Document as new_document
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Mm, Pt
from docx.table import Table, _Cell
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
from assistants.documents.nd30_layout import break_name, text_width_mm

CENTER = WD_ALIGN_PARAGRAPH.CENTER
JUSTIFY = WD_ALIGN_PARAGRAPH.JUSTIFY
LEFT = WD_ALIGN_PARAGRAPH.LEFT
INDENT = Cm(1)  # mục II.6.e: the first line of a paragraph is indented 1 cm or 1.27 cm
TEXT_WIDTH_MM = PAGE_WIDTH_MM - MARGINS_MM["left"][0] - MARGINS_MM["right"][0]
CELL_PADDING_MM = 1.0  # left and right, set on each table so that no word processor picks its own
TWIPS_PER_MM = 1440 / 25.4
SIGNATURE_WIDTH_MM = 85.0
SALUTATION_INDENT = Cm(5)  # where the dashes of several recipients line up, after "Kính gửi:"


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
    if text:
        add_run(paragraph, text, part, bold=style.get("bold", False), italic=style.get("italic", False))
    return paragraph


def _rule(container: Any, part: str, width: int) -> None:
    """The short solid line under the issuing body, the motto and the trích yếu."""
    new_paragraph(container, "_" * width, part)


def _twips(mm: float) -> str:
    return str(round(mm * TWIPS_PER_MM))


def _set(parent: Any, tag: str, **attributes: str) -> Any:
    """The child `tag` of `parent`, created if absent, with these w: attributes."""
    element = parent.find(qn(tag))
    if element is None:
        element = OxmlElement(tag)
        parent.append(element)
    for name, value in attributes.items():
        element.set(qn(f"w:{name}"), value)
    return element


def _fix_columns(table: Table, widths_mm: tuple[float, ...]) -> None:
    """The grid, the cell widths and a fixed layout: without them LibreOffice shares the width
    equally between the columns and wraps the Quốc hiệu; Word reads tcW, LibreOffice the grid."""
    properties = table._tbl.tblPr
    _set(properties, "w:tblW", w=_twips(sum(widths_mm)), type="dxa")
    _set(properties, "w:tblInd", w="0", type="dxa")
    _set(properties, "w:tblLayout", type="fixed")
    margins = _set(properties, "w:tblCellMar")
    for side in ("left", "right"):
        _set(margins, f"w:{side}", w=_twips(CELL_PADDING_MM), type="dxa")
    for column, width in zip(table._tbl.tblGrid.gridCol_lst, widths_mm, strict=True):
        column.set(qn("w:w"), _twips(width))
    for row in table.rows:
        for cell, width in zip(row.cells, widths_mm, strict=True):
            cell.width = Mm(width)


def _lines(paragraph: Paragraph, lines: list[str], part: str, *, bold: bool) -> None:
    """Lines of one paragraph separated by line breaks (Shift+Enter), as a văn thư breaks a name."""
    for index, line in enumerate(lines):
        if index:
            paragraph.runs[-1]._r.add_br()
        add_run(paragraph, line, part, bold=bold)


def heading_widths_mm() -> tuple[float, float]:
    """The right column holds the Quốc hiệu on one line (mục II.1.a), the motto and the date; the
    left column, for the names of the bodies, takes the rest of the line."""
    right = max(
        text_width_mm(NATIONAL_TITLE, size("national_title"), bold=True),
        text_width_mm(MOTTO, size("motto"), bold=True),
    )
    right = math.ceil(right + 2 * CELL_PADDING_MM + 3)  # 3 mm to spare for the renderer's rounding
    return TEXT_WIDTH_MM - right, right


def _name_lines(name: str, part: str, *, bold: bool) -> list[str]:
    width = heading_widths_mm()[0] - 2 * CELL_PADDING_MM - 2  # 2 mm to spare
    return break_name(name.upper(), width, size(part), bold=bold)


def _heading(document: Any, form: DraftForm) -> None:
    table = document.add_table(rows=2, cols=2)
    table.autofit = False
    _fix_columns(table, heading_widths_mm())
    body_cell, nation_cell = table.rows[0].cells
    issuing = _name_lines(form.issuing_body, "issuing_body", bold=True)
    if form.superior_body:
        superior = _first_paragraph(body_cell, "", "superior_body")
        _lines(
            superior,
            _name_lines(form.superior_body, "superior_body", bold=False),
            "superior_body",
            bold=False,
        )
        _lines(new_paragraph(body_cell, "", "issuing_body"), issuing, "issuing_body", bold=True)
    else:
        _lines(_first_paragraph(body_cell, "", "issuing_body"), issuing, "issuing_body", bold=True)
    _rule(body_cell, "issuing_body", 10)
    _first_paragraph(nation_cell, NATIONAL_TITLE, "national_title", bold=True)
    new_paragraph(nation_cell, MOTTO, "motto", bold=True)
    _rule(nation_cell, "motto", 24)
    number_cell, date_cell = table.rows[1].cells
    _first_paragraph(number_cell, number_line(form), "number")
    if not form.doc_type.title:
        # A công văn states its subject after "V/v", 6 pt below the number (mục II.5.b).
        new_paragraph(number_cell, f"V/v {form.subject}", "letter_subject", space_before=6)
    # A biên bản is dated under its title instead (Mẫu 1.9).
    date = "" if form.doc_type.minutes else date_line(form.place, form.date)
    _first_paragraph(date_cell, date, "date", italic=True)


def _page_numbers(section: Any) -> None:
    """Phụ lục I, mục I.7: from the second page, Arabic numerals, centred in the top margin,
    13 to 14 pt; the first page has a header of its own, empty."""
    section.different_first_page_header_footer = True
    section.header_distance = Mm(10)
    section.first_page_header.is_linked_to_previous = False
    paragraph = section.header.paragraphs[0]
    paragraph.alignment = CENTER
    for kind, text in (("begin", ""), ("instr", " PAGE "), ("separate", ""), ("text", "2"), ("end", "")):
        run = paragraph.add_run()
        set_font(run)
        run.font.size = Pt(size("page_number"))
        if kind == "instr":
            instruction = OxmlElement("w:instrText")
            instruction.set(qn("xml:space"), "preserve")
            instruction.text = text
            run._r.append(instruction)
        elif kind == "text":
            run.text = text
        else:
            field_char = OxmlElement("w:fldChar")
            field_char.set(qn("w:fldCharType"), kind)
            run._r.append(field_char)


def _salutation(document: Any, form: DraftForm) -> None:
    """Mục II.9.a: one recipient on the line of "Kính gửi:"; several on lines of their own, the
    dashes aligned under each other right after the colon."""
    if not form.salutation or form.doc_type.minutes:
        return
    names = form.salutation
    if len(names) == 1:
        new_paragraph(document, f"Kính gửi: {names[0]}.", "body", space_before=6, space_after=6)
        return
    label = "Kính gửi:"
    label_width = Mm(text_width_mm(label + "  ", size("body")) + 1)
    for index, name in enumerate(names):
        ending = "." if index == len(names) - 1 else ";"
        paragraph = new_paragraph(document, "", "body", align=LEFT, space_before=6 if index == 0 else 0)
        paragraph.paragraph_format.left_indent = SALUTATION_INDENT
        if index == 0:
            # A hanging first line: the label in the margin of the list, then a tab to the list.
            paragraph.paragraph_format.first_line_indent = -label_width
            paragraph.paragraph_format.tab_stops.add_tab_stop(SALUTATION_INDENT, WD_TAB_ALIGNMENT.LEFT)
            add_run(paragraph, f"{label}\t", "body")
        add_run(paragraph, f"- {name}{ending}", "body")
    document.paragraphs[-1].paragraph_format.space_after = Pt(6)


def _ended(text: str) -> str:
    """The last line of the content ends with "./." (the Mẫu of Phụ lục III)."""
    return text if text.endswith("./.") else text.rstrip(".") + "./."


# "I. KẾT QUẢ", "II. NHIỆM VỤ", "1. Công tác tuyên truyền", "2.1. Về nhân sự": the headings of the
# parts and items of a báo cáo or kế hoạch (mục II.6.đ), set in bold.
SECTION_HEADING = re.compile(r"^(?:[IVXLC]+|\d+(?:\.\d+)*)\.\s+\S")
HEADING_MOST_CHARACTERS = 120


def _section_paragraph(document: Any, text: str) -> None:
    """A heading alone on its line is bold; a numbered item that goes on after a colon has its
    heading bold and the rest plain; a long numbered paragraph only its number."""
    paragraph = new_paragraph(document, "", "body", align=JUSTIFY, first_line_indent=True, space_after=6)
    head, colon, rest = text.partition(":")
    if colon and rest.strip() and len(head) <= HEADING_MOST_CHARACTERS:
        add_run(paragraph, head + colon, "body", bold=True)
        add_run(paragraph, rest, "body")
    elif len(text) <= HEADING_MOST_CHARACTERS:
        add_run(paragraph, text, "body", bold=True)
    else:
        number, _space, rest = text.partition(" ")
        add_run(paragraph, number + " ", "body", bold=True)
        add_run(paragraph, rest, "body")


def _minutes_opening(document: Any, form: DraftForm) -> None:
    """Mẫu 1.9: when and where, who attended, who chaired and who took the minutes, under the title."""
    day = date_line("", form.date).removeprefix(", ")
    started = f"{form.start_time}, {day}" if form.start_time else day
    lines = [f"Thời gian bắt đầu: {started}.", f"Địa điểm: {form.venue}."]
    if form.attendees:
        lines.append("Thành phần tham dự: " + "; ".join(form.attendees) + ".")
    lines += [
        f"Chủ trì (chủ tọa): {form.signer_name}.",
        f"Thư ký (người ghi biên bản): {form.secretary}.",
        "Nội dung (theo diễn biến cuộc họp/hội nghị/hội thảo):",
    ]
    for line in lines:
        new_paragraph(document, line, "body", align=JUSTIFY, first_line_indent=True, space_after=6)


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
    if form.doc_type.minutes:
        _minutes_opening(document, form)
    body = list(form.body)
    if form.doc_type.minutes:
        ended = f"kết thúc vào {form.end_time}, {date_line('', form.date).removeprefix(', ')}"
        body.append(f"Cuộc họp {ended}" if form.end_time else "Cuộc họp kết thúc cùng ngày")
    for index, text in enumerate(body):
        last = index == len(body) - 1
        if form.doc_type.sections and not last and SECTION_HEADING.match(text):
            _section_paragraph(document, text)
            continue
        text = _ended(text) if last else text
        new_paragraph(document, text, "body", align=JUSTIFY, first_line_indent=True, space_after=6)


def _recipients(cell: _Cell, form: DraftForm, *, first: bool) -> None:
    # mục II.9.d: "Nơi nhận:" italic bold 12 on the line of the signer's authority; the list in 11.
    text, part = "Nơi nhận:", "recipients_label"
    if first:
        label = _first_paragraph(cell, text, part, bold=True, italic=True)
    else:
        label = new_paragraph(cell, text, part, bold=True, italic=True, space_before=12)
    label.alignment = LEFT
    names = list(form.recipients)
    addressed = form.salutation and not form.doc_type.minutes
    if addressed and not any(name.lower() == "như trên" for name in names):
        names.insert(0, "Như trên")  # mục II.9.b: those under "Kính gửi"
    for name in names:
        new_paragraph(cell, f"- {name};", "recipients_list", align=LEFT)
    new_paragraph(cell, f"- Lưu: {form.archive}.", "recipients_list", align=LEFT)


def _signature_block(cell: _Cell, lines: list[str], name: str) -> None:
    _first_paragraph(cell, lines[0], "signature", bold=True)
    for line in lines[1:]:
        new_paragraph(cell, line, "signature", bold=bool(line))
    for _blank in range(3):  # room for the signature and the seal (ô 7c, 8)
        new_paragraph(cell, "", "signature")
    new_paragraph(cell, name, "signature", bold=True)


def _authority_lines(form: DraftForm) -> list[str]:
    if form.doc_type.minutes:
        # Mẫu 1.9: the chair signs as CHỦ TỌA, with a position of government if given (note 5).
        position = form.signer_position.upper()
        return ["CHỦ TỌA", *([position] if position and position not in {"CHỦ TỌA", "CHỦ TOẠ"} else [])]
    lines = []
    if form.collective:
        lines.append(f"TM. {form.collective.upper()}")
    if form.signing_authority == "Q.":
        lines.append(f"Q. {form.signer_position.upper()}")
    else:
        if form.signing_authority:
            lines.append(f"{form.signing_authority} {form.authority_title.upper()}")
        lines.append(form.signer_position.upper())
    return lines


def _signature_and_recipients(document: Any, form: DraftForm) -> None:
    table = document.add_table(rows=1, cols=2)
    table.autofit = False
    _fix_columns(table, (TEXT_WIDTH_MM - SIGNATURE_WIDTH_MM, SIGNATURE_WIDTH_MM))
    left, right = table.rows[0].cells
    authority = _authority_lines(form)
    if form.doc_type.minutes:
        # Mẫu 1.9: the secretary signs on the left, the chair on the right, the two names on one
        # line; "Nơi nhận" below, on the left.
        _signature_block(left, ["THƯ KÝ"] + [""] * (len(authority) - 1), form.secretary)
        _recipients(left, form, first=False)
    else:
        _recipients(left, form, first=True)
    _signature_block(right, authority, form.signer_name)


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
    _page_numbers(section)
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
