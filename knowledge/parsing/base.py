"""Core types shared by every parser: kinds, blocks, limits and errors.

Pure Python: no Django, no database. Everything a parser returns is NFC text.
"""

from __future__ import annotations

import enum
import re
import unicodedata
from dataclasses import dataclass, field


class FileKind(enum.StrEnum):
    """The format of an uploaded file, decided by its content (see ``detect_kind``)."""

    PDF = "pdf"
    DOCX = "docx"
    DOC = "doc"
    XLSX = "xlsx"
    PPTX = "pptx"
    CSV = "csv"
    HTML = "html"
    MARKDOWN = "markdown"
    TEXT = "text"

    @property
    def label(self) -> str:
        return _KIND_LABELS[self]


_KIND_LABELS: dict[FileKind, str] = {
    FileKind.PDF: "PDF",
    FileKind.DOCX: "Word (.docx)",
    FileKind.DOC: "Word 97-2003 (.doc)",
    FileKind.XLSX: "Excel (.xlsx)",
    FileKind.PPTX: "PowerPoint (.pptx)",
    FileKind.CSV: "CSV",
    FileKind.HTML: "HTML",
    FileKind.MARKDOWN: "Markdown",
    FileKind.TEXT: "Text",
}


class BlockKind(enum.StrEnum):
    HEADING = "heading"
    PARAGRAPH = "paragraph"
    LIST_ITEM = "list_item"
    TABLE = "table"
    ROW = "row"


@dataclass(frozen=True, slots=True)
class Block:
    """One unit of document text, in reading order.

    ``page`` is 1-based. It is the real page for PDF and PPTX (slide), the sheet
    number for XLSX, Word's last rendered pagination (or an estimate) for DOCX, and
    ``None`` when unknown.
    """

    text: str
    kind: BlockKind = BlockKind.PARAGRAPH
    level: int | None = None
    page: int | None = None


@dataclass(slots=True)
class ParsedDocument:
    kind: FileKind
    blocks: list[Block]
    page_count: int
    pages_estimated: bool = False
    ocr_pages: list[int] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n".join(b.text for b in self.blocks)

    @property
    def char_count(self) -> int:
        return sum(len(b.text) for b in self.blocks)


@dataclass(frozen=True, slots=True)
class ParseLimits:
    """Safety limits applied while parsing untrusted files."""

    max_pages: int = 3000
    max_zip_members: int = 10_000
    max_uncompressed_bytes: int = 500 * 1024 * 1024
    max_compression_ratio: float = 200.0
    max_text_chars: int = 20_000_000
    max_ocr_pages: int = 300
    ocr_timeout_seconds: float = 120.0
    converter_timeout_seconds: float = 120.0
    #: Elements inside elements (HTML, and the XML of Word/Excel/PowerPoint, which libxml2 caps at
    #: 256): real documents stay far below; a hostile one nests until a recursive reader overflows.
    max_nesting_depth: int = 200
    #: What a parse may allocate and how long it may take, in the child that runs it (isolated.py).
    memory_mb: int = 2048
    timeout_seconds: float = 1800.0


class ParseError(Exception):
    """A file could not be turned into text. Carries a readable reason in English and Vietnamese.

    ``str(error)`` is the English reason; ``reason_vi`` is meant for Vietnamese users;
    ``code`` is a stable machine-readable identifier; ``detail`` holds technical context.
    """

    def __init__(self, code: str, reason: str, reason_vi: str, detail: str = "") -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason
        self.reason_vi = reason_vi
        self.detail = detail

    @property
    def bilingual(self) -> str:
        return f"{self.reason_vi} ({self.reason})"

    def __repr__(self) -> str:
        return f"ParseError({self.code!r}, {self.reason!r})"


# Reusable errors -------------------------------------------------------------------------


def empty_file_error() -> ParseError:
    return ParseError("empty", "the file is empty", "tệp rỗng, không có nội dung")


def no_text_error() -> ParseError:
    return ParseError(
        "no_text", "no text could be extracted from the file", "không trích xuất được văn bản nào từ tệp"
    )


def corrupt_error(kind: FileKind, detail: str = "") -> ParseError:
    return ParseError(
        "corrupt",
        f"the {kind.label} file is damaged or truncated and cannot be read",
        f"tệp {kind.label} bị hỏng hoặc không đầy đủ, không thể đọc được",
        detail,
    )


def zip_bomb_error(detail: str = "") -> ParseError:
    return ParseError(
        "zip_bomb",
        "archive expands too much (possible ZIP bomb)",
        "tệp nén giải nén ra quá lớn (có thể là ZIP bomb)",
        detail,
    )


def too_many_pages_error(pages: int, limit: int) -> ParseError:
    return ParseError(
        "too_many_pages",
        f"the document has {pages} pages, more than the limit of {limit}",
        f"tài liệu có {pages} trang, vượt giới hạn {limit} trang",
    )


def too_much_text_error(limit: int) -> ParseError:
    return ParseError(
        "too_much_text",
        f"the document contains more than {limit} characters of text",
        f"tài liệu chứa hơn {limit} ký tự văn bản",
    )


def too_deep_error(limit: int) -> ParseError:
    return ParseError(
        "too_deep",
        f"the document is nested more than {limit} levels deep",
        f"tài liệu lồng nhau quá {limit} cấp",
    )


def library_error(kind: FileKind, exc: BaseException) -> ParseError:
    """A reading library's exception as a ParseError: libxml2's depth guard has its own reason."""
    detail = f"{type(exc).__name__}: {exc}"
    if "Excessive depth" in str(exc):
        return ParseError(*_args(too_deep_error(256)), detail)
    if "amplification" in str(exc):  # libxml2's and expat's guards against "billion laughs"
        return ParseError(
            "entity_bomb",
            "the document's XML expands far beyond its size (possible entity bomb)",
            "XML của tài liệu tự mở rộng quá lớn so với kích thước (có thể là entity bomb)",
            detail,
        )
    return corrupt_error(kind, detail)


def _args(error: ParseError) -> tuple[str, str, str]:
    return error.code, error.reason, error.reason_vi


# Text helpers ----------------------------------------------------------------------------

_WS_RE = re.compile(r"[ \t\u00a0\u2000-\u200b\u202f\u205f\u3000]+")
_CTRL_RE = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f\ufeff\ufffe]")


def clean_line(text: str) -> str:
    """NFC-normalise, drop control characters and collapse runs of spaces on one line."""
    if not text.isascii():
        text = unicodedata.normalize("NFC", text)
    text = _CTRL_RE.sub("", text)
    return _WS_RE.sub(" ", text).strip()


class TextBudget:
    """Counts extracted characters and raises once ``max_text_chars`` is exceeded."""

    __slots__ = ("limit", "used")

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.used = 0

    def add(self, text: str) -> None:
        self.used += len(text)
        if self.used > self.limit:
            raise too_much_text_error(self.limit)


class BlockSink:
    """Collects blocks, skipping empty text and enforcing the text budget."""

    __slots__ = ("blocks", "budget")

    def __init__(self, limits: ParseLimits) -> None:
        self.blocks: list[Block] = []
        self.budget = TextBudget(limits.max_text_chars)

    def add(
        self,
        text: str,
        kind: BlockKind = BlockKind.PARAGRAPH,
        *,
        level: int | None = None,
        page: int | None = None,
        clean: bool = True,
    ) -> None:
        if clean:
            text = clean_line(text)
        if not text:
            return
        self.budget.add(text)
        self.blocks.append(Block(text, kind, level, page))


def rows_to_text(header: list[str], row: list[str]) -> str:
    """Render a table row as ``"Header1: v1; Header2: v2"`` (plain ``" | "`` when no header)."""
    parts: list[str] = []
    for i, value in enumerate(row):
        if not value:
            continue
        name = header[i] if i < len(header) else ""
        parts.append(f"{name}: {value}" if name and name != value else value)
    return "; ".join(parts)
