"""Reading a document as the lines a văn thư sees, for the format check (nd30_check).

A DOCX is read with its formatting: a paragraph split by Shift+Enter (``w:br``) is several lines
sharing the paragraph's format, each line with the runs that print it. A legacy .doc (through the
knowledge app's antiword/LibreOffice path) or a PDF's text layer give lines without formatting.
Every text is NFC: Vietnamese typed in combining marks (tổ hợp, NFD) compares as its precomposed form.
"""

from __future__ import annotations

import io
import re
import tempfile
import unicodedata
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _
from docx import Document as open_document
from docx.document import Document as DocxDocument
from docx.oxml.ns import qn
from docx.table import Table
from docx.text.paragraph import Paragraph
from docx.text.run import Run

from knowledge.parsing import FileKind, ParseError, ParseLimits, parse_document_isolated
from knowledge.parsing.isolated import run_isolated

# A line drawn with characters: the rule under the issuing body, the motto or the trích yếu.
RULE_LINE = re.compile(r"^[_\-–—‾=.\s]{3,}$")
# Where a converter's flattened text joins parts that stand on lines of their own.
TEXT_ANCHORS = re.compile(
    r"\s+(?=CỘNG HÒA XÃ HỘI|CỘNG HOÀ XÃ HỘI|Độc lập\s*[-–]|Số\s*:|V/v\s|Kính gửi|Nơi nhận\s*:)"
)
PDF_MAX_PAGES = 300
CHECK_LIMITS = ParseLimits(max_ocr_pages=0, memory_mb=1024, timeout_seconds=120.0)


class NotReadable(ValueError):
    """The file cannot be checked; the message says why, in the active language."""


@dataclass
class Line:
    text: str
    location: str
    paragraph: Paragraph | None = None  # None when read without formatting (DOC, PDF)
    runs: list[Run] = field(default_factory=list)
    table: int | None = None  # which table (from 1), None outside tables
    row: int = 0
    column: int = 0
    first: bool = True  # the paragraph's first line

    @property
    def container(self) -> tuple[int | None, int, int]:
        return (self.table, self.row, self.column)

    @property
    def is_rule(self) -> bool:
        return bool(RULE_LINE.match(self.text))


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


@dataclass
class Read:
    lines: list[Line]
    document: DocxDocument | None = None  # the DOCX, for page setup and styles
    source: str = "docx"  # docx, doc or pdf

    @property
    def formatted(self) -> bool:
        return self.document is not None


# --- DOCX ---------------------------------------------------------------------------------------------


def open_docx(data: bytes) -> DocxDocument:
    try:
        return open_document(io.BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError) as error:
        raise NotReadable(_("The DOCX file cannot be read: it is damaged or not a Word document.")) from error


def _paragraph_lines(paragraph: Paragraph) -> list[tuple[str, list[Run]]]:
    """The paragraph's lines, split where Shift+Enter (or a carriage return) breaks it."""
    lines: list[tuple[list[str], list[Run]]] = [([], [])]
    for element in paragraph._p.iter(qn("w:r")):
        run = Run(element, paragraph)
        for child in element:
            if child.tag == qn("w:t"):
                lines[-1][0].append(child.text or "")
                if (child.text or "").strip() and run not in lines[-1][1]:
                    lines[-1][1].append(run)
            elif child.tag == qn("w:tab"):
                lines[-1][0].append(" ")
            elif child.tag in (qn("w:br"), qn("w:cr")):
                lines.append(([], []))
    return [(" ".join(nfc("".join(parts)).split()), runs) for parts, runs in lines]


def _lines_of(paragraph: Paragraph, location: str, **where: int | None) -> Iterator[Line]:
    first = True
    for text, runs in _paragraph_lines(paragraph):
        if text:
            yield Line(text, location, paragraph, runs, first=first, **where)  # type: ignore[arg-type]
            first = False


def docx_lines(document: DocxDocument) -> list[Line]:
    """Every line with text, in document order; table cells read row by row."""
    found: list[Line] = []
    body_index = table_index = 0
    for child in document.element.body.iterchildren():
        if child.tag == qn("w:p"):
            body_index += 1
            location = _("Paragraph %(number)s") % {"number": body_index}
            found += _lines_of(Paragraph(child, document), location)
        elif child.tag == qn("w:tbl"):
            table_index += 1
            table = Table(child, document)
            for row_number, row in enumerate(table.rows, start=1):
                seen: set[int] = set()
                for column, cell in enumerate(row.cells, start=1):
                    if id(cell._tc) in seen:  # a merged cell appears once per grid column
                        continue
                    seen.add(id(cell._tc))
                    location = _("Table %(table)s, row %(row)s, column %(column)s") % {
                        "table": table_index,
                        "row": row_number,
                        "column": column,
                    }
                    for paragraph in cell.paragraphs:
                        found += _lines_of(
                            paragraph, location, table=table_index, row=row_number, column=column
                        )
    return found


# --- DOC and PDF: text only ---------------------------------------------------------------------------


def text_lines(texts: list[str]) -> list[Line]:
    """Lines of a converter's text. Antiword draws a table as "|cell|cell|" rows: each cell keeps its
    column (rows are not told apart), so the heading's two columns stay apart."""
    found: list[Line] = []
    table = 0
    in_table = False
    for number, raw in enumerate(texts, start=1):
        raw = nfc(raw)
        location = _("Line %(number)s") % {"number": number}
        if raw.strip().startswith("|") and raw.strip().endswith("|") and raw.count("|") >= 3:
            if not in_table:
                table, in_table = table + 1, True
            for column, cell in enumerate(raw.strip().strip("|").split("|"), start=1):
                text = " ".join(cell.split())
                if text:
                    found.append(Line(text, location, table=table, row=1, column=column))
            continue
        in_table = False
        for part in TEXT_ANCHORS.split(raw):
            text = " ".join(part.split())
            if text:
                found.append(Line(text, location))
    return found


def _pdf_text(path: Path) -> list[str]:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(path))
    try:
        pages = []
        for index in range(min(len(pdf), PDF_MAX_PAGES)):
            page = pdf[index]
            textpage = page.get_textpage()
            pages.append(textpage.get_text_range())
            textpage.close()
            page.close()
        return pages
    finally:
        pdf.close()


def pdf_lines(data: bytes) -> list[Line]:
    with tempfile.TemporaryDirectory(prefix="bureau-check-") as folder:
        path = Path(folder, "document.pdf")
        path.write_bytes(data)
        try:
            pages = run_isolated(
                lambda: _pdf_text(path),
                memory_mb=CHECK_LIMITS.memory_mb,
                timeout=CHECK_LIMITS.timeout_seconds,
            )
        except ParseError as error:
            raise NotReadable(
                _("The PDF file cannot be read: %(reason)s") % {"reason": error.reason_vi}
            ) from None
        except Exception:
            raise NotReadable(_("The PDF file cannot be read: it is damaged.")) from None
    # A scan has no text on its first page: the heading, which every check starts from, is an image.
    if not pages or len("".join(pages[0].split())) < 20:
        raise NotReadable(
            _("The PDF has no text layer (it is a scan): only a PDF with text or a Word file can be checked.")
        )
    return text_lines([line for page in pages for line in page.splitlines()])


def doc_lines(data: bytes) -> list[Line]:
    with tempfile.TemporaryDirectory(prefix="bureau-check-") as folder:
        path = Path(folder, "document.doc")
        path.write_bytes(data)
        try:
            parsed, _extra = parse_document_isolated(path, FileKind.DOC, limits=CHECK_LIMITS)
        except ParseError as error:
            raise NotReadable(
                _("The .doc file cannot be read: %(reason)s") % {"reason": error.reason_vi}
            ) from None
    return text_lines([line for block in parsed.blocks for line in block.text.splitlines()])


def read_document(data: bytes) -> Read:
    """The lines of a DOCX (with formatting), a .doc or a PDF (text only), told apart by content."""
    if data.startswith(b"PK"):
        document = open_docx(data)
        return Read(docx_lines(document), document, "docx")
    if b"%PDF-" in data[:1024]:
        return Read(pdf_lines(data), None, "pdf")
    if data.startswith(b"\xd0\xcf\x11\xe0"):  # the OLE2 container of Word 97-2003
        return Read(doc_lines(data), None, "doc")
    raise NotReadable(_("Only Word (.docx, .doc) and PDF files with a text layer can be checked."))


# --- formatting as the word processor shows it --------------------------------------------------------


class Styles:
    """A value is the run's (or paragraph's) own, else its style's (with bases), else the defaults."""

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

    def paragraph_format(self, paragraph: Paragraph, attribute: str) -> Any:
        value = getattr(paragraph.paragraph_format, attribute)
        style = paragraph.style
        while value is None and style is not None:
            value = getattr(style.paragraph_format, attribute)
            style = style.base_style
        return value
