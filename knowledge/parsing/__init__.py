"""Document parsing for the knowledge app: pure Python, no Django.

``detect_kind`` sniffs a file's format from its bytes; ``parse_document`` turns it into
an ordered list of text ``Block``s (NFC) with page numbers, raising ``ParseError`` with a
readable English + Vietnamese reason for anything it cannot or will not read.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from .base import (
    Block,
    BlockKind,
    FileKind,
    ParsedDocument,
    ParseError,
    ParseLimits,
    empty_file_error,
    library_error,
    too_deep_error,
)
from .detect import SNIFF_BYTES, detect_kind, detect_path
from .isolated import run_isolated
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
    "parse_document_isolated",
]

T = TypeVar("T")

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
    except RecursionError as exc:
        raise too_deep_error(limits.max_nesting_depth) from exc
    except Exception as exc:
        raise library_error(FileKind(kind), exc) from exc


def parse_document_isolated(
    path: Path,
    kind: FileKind,
    *,
    limits: ParseLimits,
    extra: Callable[[], T] | None = None,
    tick: Callable[[], None] | None = None,
    tick_every: float = 20.0,
) -> tuple[ParsedDocument, T | None]:
    """``parse_document`` in a child process under ``limits.memory_mb`` and
    ``limits.timeout_seconds`` (see isolated.py); ``extra`` runs there too, after the parse, for
    more reading of the same untrusted file (its tables)."""

    def work() -> tuple[ParsedDocument, T | None]:
        parsed = parse_document(path, kind, limits=limits)
        return parsed, extra() if extra is not None else None

    return run_isolated(
        work, memory_mb=limits.memory_mb, timeout=limits.timeout_seconds, tick=tick, tick_every=tick_every
    )
