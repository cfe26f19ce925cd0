"""Checking a DOCX against Nghị định 30/2020/NĐ-CP: page, margins, font and sizes, the parts of the
heading (Quốc hiệu, Tiêu ngữ, number and symbol, place and date), the signature and "Nơi nhận".

Each deviation says in Vietnamese what is wrong and which clause of the decree it breaks. Sizes are
read as the word processor would: the run's own, else its paragraph style's (and their bases), else
the document defaults.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from typing import Any

from docx import Document as open_document
from docx.document import Document as DocxDocument
from docx.oxml.ns import qn
from docx.table import Table
from docx.text.paragraph import Paragraph
from docx.text.run import Run

from assistants.documents.nd30 import (
    ABBREVIATIONS,
    FONT,
    MARGIN_TOLERANCE_MM,
    MARGINS_MM,
    MOTTO,
    NATIONAL_TITLE,
    PAGE_HEIGHT_MM,
    PAGE_TOLERANCE_MM,
    PAGE_WIDTH_MM,
    SIGNING_AUTHORITIES,
    SIZES,
)

EMU_PER_MM = 36000
MARGIN_NAMES = {"top": "trên", "bottom": "dưới", "left": "trái", "right": "phải"}
NUMBER_LINE = re.compile(r"^Số\s*:?\s*(?P<number>\d*)\s*/\s*(?P<symbol>.*)$")
DATE_LINE = re.compile(
    r"^(?P<place>[^,]+),\s*ngày\s+(?P<day>\d{1,2})\s+tháng\s+(?P<month>\d{1,2})\s+năm\s+(?P<year>\d{4})\.?$"
)
DATE_LIKE = re.compile(r"ngày.*tháng.*năm", re.IGNORECASE)
AUTHORITY_LIKE = re.compile(r"^(T\.?\s?M|K\.?\s?T|Q|T\.?\s?L|T\.?\s?U\.?\s?Q)\b\.?\s*", re.IGNORECASE)


# Types of legal documents (not administrative ones, so with no Phụ lục III abbreviation): their
# title is a title all the same.
LEGAL_TITLES = {"NGHỊ ĐỊNH", "THÔNG TƯ", "THÔNG TƯ LIÊN TỊCH", "LUẬT", "PHÁP LỆNH", "LỆNH"}


class NotADocx(ValueError):
    pass


@dataclass(frozen=True)
class Deviation:
    code: str
    message_vi: str
    rule: str
    location: str

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


@dataclass
class Item:
    paragraph: Paragraph
    text: str
    location: str
    table: int | None = None  # which table (from 1), None for a paragraph of the body
    row: int = 0
    column: int = 0


def open_docx(data: bytes) -> DocxDocument:
    if not data.startswith(b"PK"):
        raise NotADocx("Tệp không phải DOCX (Word 2007 trở lên).")
    try:
        return open_document(io.BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError) as error:
        raise NotADocx("Không đọc được tệp DOCX: tệp hỏng hoặc không phải văn bản Word.") from error


# --- reading what the word processor shows ------------------------------------------------------------


class Styles:
    def __init__(self, document: DocxDocument) -> None:
        defaults = document.styles.element.find(qn("w:docDefaults"))
        r_pr = defaults.find(qn("w:rPrDefault") + "/" + qn("w:rPr")) if defaults is not None else None
        self.default_font: str | None = None
        self.default_size: float | None = 10.0  # Word's own default when nothing says otherwise
        if r_pr is not None:
            fonts = r_pr.find(qn("w:rFonts"))
            if fonts is not None:
                theme = fonts.get(qn("w:asciiTheme"))
                self.default_font = fonts.get(qn("w:ascii")) or (f"phông chủ đề {theme}" if theme else None)
            size = r_pr.find(qn("w:sz"))
            if size is not None:
                self.default_size = int(size.get(qn("w:val"))) / 2

    def _from_style(self, run: Run, paragraph: Paragraph, attribute: str) -> Any:
        """The run's own value, else its character style's, else its paragraph style's (with bases)."""
        value = getattr(run.font, attribute)
        if value is not None:
            return value
        for style in (run.style, paragraph.style):
            while style is not None:
                value = getattr(style.font, attribute)
                if value is not None:
                    return value
                style = style.base_style
        return None

    def font(self, run: Run, paragraph: Paragraph) -> str | None:
        return self._from_style(run, paragraph, "name") or self.default_font

    def size(self, run: Run, paragraph: Paragraph) -> float | None:
        value = self._from_style(run, paragraph, "size")
        return value.pt if value is not None else self.default_size

    def flag(self, run: Run, paragraph: Paragraph, attribute: str) -> bool:
        return bool(self._from_style(run, paragraph, attribute))


def _runs(paragraph: Paragraph) -> list[Run]:
    return [run for run in paragraph.runs if run.text.strip()]


def _items(document: DocxDocument) -> Iterator[Item]:
    """Every paragraph with text, in document order; table cells read row by row."""
    body_index = table_index = 0
    for child in document.element.body.iterchildren():
        if child.tag == qn("w:p"):
            body_index += 1
            paragraph = Paragraph(child, document)
            if paragraph.text.strip():
                yield Item(paragraph, paragraph.text.strip(), f"Đoạn {body_index}")
        elif child.tag == qn("w:tbl"):
            table_index += 1
            table = Table(child, document)
            for row_number, row in enumerate(table.rows, start=1):
                seen: set[int] = set()
                for column, cell in enumerate(row.cells, start=1):
                    if id(cell._tc) in seen:  # a merged cell appears once per grid column
                        continue
                    seen.add(id(cell._tc))
                    for paragraph in cell.paragraphs:
                        if paragraph.text.strip():
                            location = f"Bảng {table_index}, hàng {row_number}, cột {column}"
                            yield Item(
                                paragraph, paragraph.text.strip(), location, table_index, row_number, column
                            )


# --- the checks ---------------------------------------------------------------------------------------


class Checker:
    def __init__(self, document: DocxDocument) -> None:
        self.document = document
        self.styles = Styles(document)
        self.items = list(_items(document))
        # The number and the date belong to the heading (ô 3 and 4): the heading table when the
        # document opens with one, else its first lines. A date quoted in the body is not the date.
        body = document.element.body
        opens_with_table = len(body) > 0 and body[0].tag == qn("w:tbl")
        self.heading_items = (
            [item for item in self.items if item.table == 1] if opens_with_table else self.items[:8]
        )
        self.found: list[Deviation] = []

    def add(self, code: str, message: str, rule: str, location: str) -> None:
        self.found.append(Deviation(code, message, rule, location))

    def sizes(self, item: Item) -> set[float]:
        return {size for run in _runs(item.paragraph) if (size := self.styles.size(run, item.paragraph))}

    def all_runs(self, item: Item, attribute: str) -> bool:
        runs = _runs(item.paragraph)
        return bool(runs) and all(self.styles.flag(run, item.paragraph, attribute) for run in runs)

    def check_size(self, item: Item, part: str, code: str, what: str, rule: str) -> None:
        least, most, _ = SIZES[part]
        wrong = sorted(size for size in self.sizes(item) if not least <= size <= most)
        if wrong:
            allowed = f"{least:g}" if least == most else f"từ {least:g} đến {most:g}"
            self.add(
                code,
                f"{what} dùng cỡ chữ {', '.join(f'{s:g}' for s in wrong)}; quy định là cỡ {allowed}.",
                rule,
                item.location,
            )

    def find(self, predicate: Any, *, heading: bool = False) -> Item | None:
        items = self.heading_items if heading else self.items
        return next((item for item in items if predicate(item)), None)

    def run(self) -> list[Deviation]:
        self.page()
        self.fonts()
        self.heading()
        self.number_and_symbol()
        self.date()
        self.body()
        self.signature_and_recipients()
        return self.found

    def page(self) -> None:
        section = self.document.sections[0]
        width = (section.page_width or 0) / EMU_PER_MM
        height = (section.page_height or 0) / EMU_PER_MM
        short, long = sorted((width, height))
        if abs(short - PAGE_WIDTH_MM) > PAGE_TOLERANCE_MM or abs(long - PAGE_HEIGHT_MM) > PAGE_TOLERANCE_MM:
            self.add(
                "page_size",
                f"Khổ giấy {width:.1f} × {height:.1f} mm, không phải khổ A4 (210 × 297 mm).",
                "Phụ lục I, mục I.1",
                "Thiết lập trang",
            )
        for side, (least, most) in MARGINS_MM.items():
            value = (getattr(section, f"{side}_margin") or 0) / EMU_PER_MM
            if not least - MARGIN_TOLERANCE_MM <= value <= most + MARGIN_TOLERANCE_MM:
                self.add(
                    f"margin_{side}",
                    f"Lề {MARGIN_NAMES[side]} là {value:.1f} mm; quy định cách mép {MARGIN_NAMES[side]} "
                    f"từ {least:g} đến {most:g} mm.",
                    "Phụ lục I, mục I.3",
                    "Thiết lập trang",
                )

    def fonts(self) -> None:
        wrong: dict[str, str] = {}
        for item in self.items:
            for run in _runs(item.paragraph):
                name = self.styles.font(run, item.paragraph) or "không xác định"
                # "Times New Roman Bold" and the like are faces of the same family.
                if not name.strip().lower().startswith(FONT.lower()):
                    wrong.setdefault(name, item.location)
        for name, location in wrong.items():
            self.add(
                "font",
                f"Dùng phông chữ “{name[:60]}”; văn bản phải dùng phông Times New Roman "
                "(Unicode, TCVN 6909:2001).",
                "Phụ lục I, mục I.4",
                location,
            )

    def heading(self) -> None:
        rule = "Phụ lục I, mục II.1.a"
        title = self.find(lambda i: i.text.upper() == NATIONAL_TITLE)
        if title is None:
            self.add("national_title_missing", f"Thiếu Quốc hiệu “{NATIONAL_TITLE}”.", rule, "Đầu văn bản")
        else:
            if title.text != NATIONAL_TITLE or not self.all_runs(title, "bold"):
                self.add(
                    "national_title_style",
                    "Quốc hiệu phải viết chữ in hoa, kiểu chữ đứng, đậm.",
                    rule,
                    title.location,
                )
            if title.table != 1 or title.column < 2:
                self.add(
                    "national_title_misplaced",
                    "Quốc hiệu phải ở trên cùng, bên phải trang đầu (ô số 1).",
                    "Phụ lục I, mục II.1.c và mục IV",
                    title.location,
                )
            self.check_size(title, "national_title", "national_title_size", "Quốc hiệu", rule)
        motto = self.find(lambda i: i.text.replace("–", "-").lower() == MOTTO.lower())
        rule = "Phụ lục I, mục II.1.b"
        if motto is None:
            self.add("motto_missing", f"Thiếu Tiêu ngữ “{MOTTO}”.", rule, "Đầu văn bản")
        else:
            if not self.all_runs(motto, "bold"):
                self.add("motto_style", "Tiêu ngữ phải trình bày kiểu chữ đứng, đậm.", rule, motto.location)
            self.check_size(motto, "motto", "motto_size", "Tiêu ngữ", rule)

    def document_title(self) -> str | None:
        """The type name printed above the trích yếu (bold capitals), if the document has one."""
        for item in self.items:
            if item.table is None and item.text.upper() in ABBREVIATIONS and item.text == item.text.upper():
                return item.text
        return None

    def number_and_symbol(self) -> None:
        rule = "Phụ lục I, mục II.3"
        item = self.find(lambda i: i.text.startswith("Số") and "/" in i.text, heading=True)
        if item is None:
            self.add("number_missing", "Thiếu số, ký hiệu của văn bản (“Số: …/…”).", rule, "Đầu văn bản")
            return
        self.check_size(item, "number", "number_size", "Số, ký hiệu", "Phụ lục I, mục II.3.c")
        match = NUMBER_LINE.match(item.text)
        if match is None or not item.text.startswith("Số:"):
            self.add(
                "number_format",
                "Số, ký hiệu phải viết “Số:” rồi số, dấu gạch chéo (/) và ký hiệu, ví dụ “Số: 12/QĐ-UBND”.",
                "Phụ lục I, mục II.3.c",
                item.location,
            )
            if match is None:
                return
        number, symbol = match["number"], match["symbol"].strip()
        if number and int(number) < 10 and not number.startswith("0"):
            self.add(
                "number_leading_zero",
                f"Số văn bản nhỏ hơn 10 phải ghi thêm số 0 phía trước (“0{number}”).",
                "Phụ lục I, mục II.3.c",
                item.location,
            )
        # Capitals, except the mixed-case abbreviations Phụ lục III itself prescribes (TTr, CTr, QyĐ).
        mixed = set(ABBREVIATIONS.values())
        groups = symbol.split("-")
        if re.search(r"\s", symbol) or any(g != g.upper() and g not in mixed for g in groups):
            self.add(
                "number_format",
                "Ký hiệu văn bản viết chữ in hoa, các nhóm chữ viết tắt nối bằng dấu gạch nối (-), "
                "không cách chữ.",
                "Phụ lục I, mục II.3.c",
                item.location,
            )
        first = symbol.split("-")[0].strip()[:20]
        title = self.document_title()
        known = {abbreviation.upper() for abbreviation in ABBREVIATIONS.values()}
        if title is not None and first.upper() != ABBREVIATIONS[title].upper():
            self.add(
                "wrong_abbreviation",
                f"Văn bản là {title.lower()} nên ký hiệu phải bắt đầu bằng “{ABBREVIATIONS[title]}”, "
                f"không phải “{first}”.",
                "Phụ lục III, mục I; Phụ lục I, mục II.3.b",
                item.location,
            )
        elif title is None and self.find(lambda i: i.text.startswith("V/v")) and first.upper() in known:
            self.add(
                "wrong_abbreviation",
                f"Công văn không có chữ viết tắt tên loại: ký hiệu gồm tên cơ quan và đơn vị soạn thảo "
                f"(ví dụ “Số: 123/UBND-VP”), không bắt đầu bằng “{first}”.",
                "Phụ lục I, mục II.3.b",
                item.location,
            )

    def date(self) -> None:
        rule = "Phụ lục I, mục II.4"
        item = self.find(lambda i: bool(DATE_LIKE.search(i.text)) and "," in i.text, heading=True)
        if item is None:
            if self.document_title() == "BIÊN BẢN":
                return  # Mẫu 1.9 (Phụ lục III): a biên bản states its time under the title
            self.add("date_missing", "Thiếu địa danh và thời gian ban hành văn bản.", rule, "Đầu văn bản")
            return
        match = DATE_LINE.match(item.text)
        if match is None:
            self.add(
                "date_format",
                "Địa danh và thời gian phải viết “Địa danh, ngày … tháng … năm …”, "
                "ví dụ “Gia Lai, ngày 05 tháng 12 năm 2026”.",
                "Phụ lục I, mục II.4.b-c",
                item.location,
            )
        else:
            day, month = match["day"], match["month"]
            if int(day) < 10 and not day.startswith("0"):
                self.add(
                    "date_leading_zero",
                    f"Ngày nhỏ hơn 10 phải ghi thêm số 0 phía trước (“ngày 0{day}”).",
                    "Phụ lục I, mục II.4.b",
                    item.location,
                )
            if int(month) < 3 and not month.startswith("0"):
                self.add(
                    "date_leading_zero",
                    f"Tháng 1 và tháng 2 phải ghi thêm số 0 phía trước (“tháng 0{month}”).",
                    "Phụ lục I, mục II.4.b",
                    item.location,
                )
            elif int(month) >= 3 and month.startswith("0"):
                self.add(
                    "date_format",
                    f"Chỉ tháng 1 và tháng 2 ghi thêm số 0; viết “tháng {int(month)}”.",
                    "Phụ lục I, mục II.4.b",
                    item.location,
                )
        if not self.all_runs(item, "italic"):
            self.add(
                "date_style",
                "Địa danh và thời gian ban hành phải trình bày kiểu chữ nghiêng.",
                "Phụ lục I, mục II.4.c",
                item.location,
            )
        self.check_size(item, "date", "date_size", "Địa danh và thời gian", "Phụ lục I, mục II.4.c")
        number = self.find(lambda i: i.text.startswith("Số") and "/" in i.text, heading=True)
        if number is not None and (number.table, number.row) != (item.table, item.row):
            self.add(
                "date_misplaced",
                "Địa danh và thời gian phải ở cùng một dòng với số, ký hiệu văn bản (ô số 4).",
                "Phụ lục I, mục II.4.c",
                item.location,
            )

    def body(self) -> None:
        title = self.document_title() or self.find(
            lambda i: i.table is None and i.text in LEGAL_TITLES and self.all_runs(i, "bold")
        )
        if title is None and self.find(lambda i: i.text.startswith("V/v")) is None:
            self.add(
                "title_missing",
                "Thiếu tên loại và trích yếu nội dung văn bản (công văn: trích yếu sau “V/v”).",
                "Phụ lục I, mục II.5",
                "Sau phần đầu văn bản",
            )
        least, most, _ = SIZES["body"]
        wrong = [
            (item, size)
            for item in self.items
            if item.table is None
            for size in sorted(self.sizes(item))
            if not least <= size <= most
        ]
        if wrong:
            item, size = wrong[0]
            self.add(
                "body_size",
                f"Nội dung văn bản dùng cỡ chữ {size:g} ({len(wrong)} chỗ); "
                f"quy định từ {least:g} đến {most:g}.",
                "Phụ lục I, mục II.5.b và II.6.e",
                item.location,
            )

    def signature_and_recipients(self) -> None:
        rule = "Phụ lục I, mục II.9"
        label = self.find(lambda i: i.text.lower().startswith("nơi nhận"))
        if label is None:
            self.add(
                "recipients_missing",
                "Thiếu phần “Nơi nhận:” (các nơi nhận và dòng “Lưu: VT, …”).",
                rule,
                "Cuối văn bản",
            )
        else:
            if not (self.all_runs(label, "italic") and self.all_runs(label, "bold")):
                self.add(
                    "recipients_label_style",
                    "Từ “Nơi nhận:” phải trình bày kiểu chữ nghiêng, đậm.",
                    "Phụ lục I, mục II.9.d",
                    label.location,
                )
            self.check_size(
                label, "recipients_label", "recipients_label_size", "“Nơi nhận:”", "Phụ lục I, mục II.9.d"
            )
            listed = [
                item
                for item in self.items
                if (item.table, item.row, item.column) == (label.table, label.row, label.column)
                and item.text.startswith("-")
            ]
            for item in listed:
                self.check_size(
                    item,
                    "recipients_list",
                    "recipients_list_size",
                    "Danh sách nơi nhận",
                    "Phụ lục I, mục II.9.d",
                )
            if not any(re.match(r"^-\s*Lưu\s*:", item.text) for item in listed):
                self.add(
                    "recipients_archive_missing",
                    "Dòng cuối của nơi nhận phải là “- Lưu: VT, …”.",
                    "Phụ lục I, mục II.9.d",
                    label.location,
                )
        self.signature(label)

    def signature(self, label: Item | None) -> None:
        rule = "Phụ lục I, mục II.7"
        if label is not None and label.table is not None:
            block = [
                i
                for i in self.items
                if (i.table, i.row) == (label.table, label.row) and i.column != label.column
            ]
            if not block:
                self.add(
                    "signature_missing",
                    "Thiếu quyền hạn, chức vụ và họ tên người ký bên phải phần “Nơi nhận”.",
                    rule,
                    label.location,
                )
            for item in block:
                self.check_size(item, "signature", "signature_size", "Phần chữ ký", "Phụ lục I, mục II.7.đ")
        for item in self.items:
            match = AUTHORITY_LIKE.match(item.text)
            if match is None or item.text != item.text.upper() or len(item.text) < 4:
                continue
            written = match.group(0).strip()[:10]
            if written not in SIGNING_AUTHORITIES and not any(
                item.text.startswith(a + " ") for a in SIGNING_AUTHORITIES
            ):
                self.add(
                    "signing_authority_format",
                    f"Quyền hạn ký viết “{written}”; phải dùng một trong: {', '.join(SIGNING_AUTHORITIES)}.",
                    "Phụ lục I, mục II.7.b",
                    item.location,
                )


def check_docx(data: bytes) -> list[Deviation]:
    """The deviations of a DOCX from Nghị định 30/2020; raises NotADocx for anything else."""
    return Checker(open_docx(data)).run()
