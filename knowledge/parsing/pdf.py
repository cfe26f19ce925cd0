"""PDF parsing via pypdfium2: text layer per page, OCR for scanned pages when available."""

from __future__ import annotations

import functools
import re
import shutil
from pathlib import Path
from typing import Any

from .base import (
    BlockKind,
    BlockSink,
    FileKind,
    ParsedDocument,
    ParseError,
    ParseLimits,
    clean_line,
    corrupt_error,
    no_text_error,
    too_many_pages_error,
)
from .legal_structure import is_structural_start

#: A page with fewer non-space characters than this has no usable text layer.
MIN_TEXT_CHARS = 20
OCR_LANG = "vie"
OCR_DPI = 300


def ocr_missing_error() -> ParseError:
    return ParseError(
        "ocr_unavailable",
        "scanned pages need OCR, which is not installed",
        "các trang được scan cần nhận dạng ký tự (OCR) nhưng OCR chưa được cài đặt",
    )


@functools.cache
def ocr_available() -> bool:
    """True when the tesseract binary, pytesseract and the Vietnamese language data exist."""
    if shutil.which("tesseract") is None:
        return False
    try:
        import pytesseract

        return OCR_LANG in pytesseract.get_languages(config="")
    except Exception:
        return False


def ocr_page(page: Any, timeout: float) -> str:
    import pytesseract

    bitmap = page.render(scale=OCR_DPI / 72)
    image = bitmap.to_pil()
    try:
        return str(pytesseract.image_to_string(image, lang=OCR_LANG, timeout=timeout))
    except RuntimeError as exc:  # pytesseract raises RuntimeError on timeout
        raise ParseError(
            "ocr_timeout",
            "OCR took too long on a scanned page",
            "nhận dạng ký tự (OCR) một trang scan mất quá nhiều thời gian",
            str(exc),
        ) from exc
    finally:
        image.close()
        bitmap.close()


# Reflow: PDF text arrives as visual lines; rebuild paragraphs. -----------------------------

_PAGE_NO_RE = re.compile(r"^(?:-\s*)?(?:trang\s+|page\s+)?\d{1,4}(?:\s*/\s*\d{1,4})?(?:\s*-)?$", re.I)
_STARTS_BLOCK_RE = re.compile(r"^(?:\d{1,3}(?:\.\d{1,3})*[.)]\s|[a-zđ]\)\s|[-–—•+*·▪●◦]\s)", re.I)
_ENDS_SENTENCE_RE = re.compile(r"[.:;!?…]['\"”’)\]]*$")


def _is_upper(line: str) -> bool:
    """All cased characters are capitals (and there are some): a title-like line."""
    return line.isupper() and sum(1 for c in line[:12] if c.isalpha()) >= 3


def reflow(lines: list[str]) -> list[str]:
    """Join wrapped lines into paragraphs, keeping structural starts (Điều, 1., a), -) apart."""
    paragraphs: list[str] = []
    current = ""
    last_upper = False
    for line in lines:
        line_upper = _is_upper(line)
        if not current:
            current, last_upper = line, line_upper
            continue
        first = line[0]
        new = bool(_STARTS_BLOCK_RE.match(line)) or is_structural_start(line)
        if (
            not new
            and _ENDS_SENTENCE_RE.search(current[-6:])
            and (first.isupper() or first.isdigit() or first in "\"“'([")
        ):
            new = True
        if not new and last_upper != line_upper:
            new = True
        last_upper = line_upper
        if new:
            paragraphs.append(current)
            current = line
        elif current.endswith("-") and not current.endswith(" -"):
            current = current + line
        else:
            current = f"{current} {line}"
    if current:
        paragraphs.append(current)
    return paragraphs


def _page_lines(text: str) -> list[str]:
    lines = [clean_line(x) for x in text.splitlines()]
    lines = [x for x in lines if x]
    # Drop running page numbers at the top or bottom of the page.
    if lines and _PAGE_NO_RE.match(lines[0]):
        lines.pop(0)
    if lines and _PAGE_NO_RE.match(lines[-1]):
        lines.pop()
    return lines


def _emit_page(sink: BlockSink, text: str, page: int) -> None:
    for para in reflow(_page_lines(text)):
        kind = BlockKind.LIST_ITEM if para[:1] in "-–—•+*·▪●◦" and para[1:2] == " " else BlockKind.PARAGRAPH
        sink.add(para, kind, page=page, clean=False)


def parse_pdf(path: Path, limits: ParseLimits) -> ParsedDocument:
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as exc:
        if "password" in str(exc).lower():
            raise ParseError(
                "encrypted", "the PDF is password-protected", "tệp PDF được bảo vệ bằng mật khẩu", str(exc)
            ) from exc
        raise corrupt_error(FileKind.PDF, str(exc)) from exc
    try:
        return _parse_open_pdf(pdf, limits)
    finally:
        pdf.close()


def _parse_open_pdf(pdf: Any, limits: ParseLimits) -> ParsedDocument:
    import pypdfium2 as pdfium

    count = len(pdf)
    if count == 0:
        raise corrupt_error(FileKind.PDF, "no pages")
    if count > limits.max_pages:
        raise too_many_pages_error(count, limits.max_pages)
    texts: list[str] = []
    scanned: list[int] = []
    for index in range(count):
        try:
            page = pdf[index]
            textpage = page.get_textpage()
            text = textpage.get_text_range()
            textpage.close()
            page.close()
        except pdfium.PdfiumError as exc:
            raise corrupt_error(FileKind.PDF, f"page {index + 1}: {exc}") from exc
        texts.append(text)
        if len("".join(text.split())) < MIN_TEXT_CHARS:
            scanned.append(index)
    warnings: list[str] = []
    ocr_pages: list[int] = []
    if scanned:
        if ocr_available():
            if len(scanned) > limits.max_ocr_pages:
                raise ParseError(
                    "too_many_scanned_pages",
                    f"the PDF has {len(scanned)} scanned pages, "
                    f"more than the OCR limit of {limits.max_ocr_pages}",
                    f"tệp PDF có {len(scanned)} trang scan, vượt giới hạn OCR {limits.max_ocr_pages} trang",
                )
            for index in scanned:
                page = pdf[index]
                try:
                    texts[index] = ocr_page(page, limits.ocr_timeout_seconds)
                finally:
                    page.close()
                ocr_pages.append(index + 1)
        elif len(scanned) * 2 >= count:
            raise ocr_missing_error()
        else:
            numbers = ", ".join(str(i + 1) for i in scanned)
            warnings.append(f"pages without a text layer were skipped (OCR not installed): {numbers}")
    sink = BlockSink(limits)
    for index, text in enumerate(texts):
        _emit_page(sink, text, index + 1)
    if not sink.blocks:
        raise no_text_error()
    return ParsedDocument(
        kind=FileKind.PDF, blocks=sink.blocks, page_count=count, ocr_pages=ocr_pages, warnings=warnings
    )
