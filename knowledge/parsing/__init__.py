"""Document parsing for the knowledge app: pure Python, no Django.

``detect_kind`` sniffs a file's format from its bytes; ``parse_document`` turns it into
an ordered list of text ``Block``s (NFC) with page numbers, raising ``ParseError`` with a
readable English + Vietnamese reason for anything it cannot or will not read.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from .base import (
    Block,
    BlockKind,
    FileKind,
    ParsedDocument,
    ParseError,
    ParseLimits,
    empty_file_error,
)
from .detect import SNIFF_BYTES, detect_kind, detect_path
from .office import parse_pptx, parse_xlsx
from .pdf import ocr_available, parse_pdf
from .text import decode_text, parse_csv, parse_markdown, parse_text
from .web import parse_html
from .word import parse_doc, parse_docx

__all__ = [
    "SNIFF_BYTES",
    "Block",
    "BlockKind",
    "FileKind",
    "ParseError",
    "ParseLimits",
    "ParsedDocument",
    "decode_text",
    "detect_kind",
    "detect_path",
    "ocr_available",
    "parse_document",
]

_PARSERS: dict[FileKind, Callable[[Path, ParseLimits], ParsedDocument]] = {
    FileKind.PDF: parse_pdf,
    FileKind.DOCX: parse_docx,
    FileKind.DOC: parse_doc,
    FileKind.XLSX: parse_xlsx,
    FileKind.PPTX: parse_pptx,
    FileKind.CSV: parse_csv,
    FileKind.HTML: parse_html,
    FileKind.MARKDOWN: parse_markdown,
    FileKind.TEXT: parse_text,
}


def parse_document(path: Path, kind: FileKind, *, limits: ParseLimits | None = None) -> ParsedDocument:
    """Parse ``path`` as ``kind`` (normally the result of ``detect_kind``).

    Every failure surfaces as ``ParseError``; unexpected library exceptions are wrapped as a
    "damaged file" error so callers never have to show a raw traceback.
    """
    limits = limits or ParseLimits()
    try:
        if path.stat().st_size == 0:
            raise empty_file_error()
    except OSError as exc:
        raise ParseError("unreadable", "the file could not be read", "không đọc được tệp", str(exc)) from exc
    parser = _PARSERS[FileKind(kind)]
    try:
        return parser(path, limits)
    except ParseError:
        raise
    except MemoryError as exc:
        raise ParseError("too_large", "the file is too large to process", "tệp quá lớn để xử lý") from exc
    except Exception as exc:
        from .base import corrupt_error

        raise corrupt_error(FileKind(kind), f"{type(exc).__name__}: {exc}") from exc
