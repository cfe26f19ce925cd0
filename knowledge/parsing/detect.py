"""Decide a file's format from its content (magic bytes), not from its name."""

from __future__ import annotations

import codecs
import struct
import zipfile
from pathlib import Path, PurePath

from .archive import ooxml_kind_from_names, unsupported_archive_error
from .base import FileKind, ParseError, empty_file_error
from .text import guess_utf16

#: How many bytes callers should pass to ``detect_kind``.
SNIFF_BYTES = 64 * 1024

_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
_CSV_EXT = {".csv", ".tsv", ".tab"}
_MD_EXT = {".md", ".markdown", ".mdown", ".mkd"}
_HTML_EXT = {".html", ".htm", ".xhtml"}
_BINARY_CTRL = set(range(0x09)) | {0x0B} | set(range(0x0E, 0x1B)) | set(range(0x1C, 0x20))


def unknown_format_error(detail: str = "") -> ParseError:
    return ParseError(
        "unknown_format",
        "unsupported file format: the content is not PDF, Word, Excel, PowerPoint, HTML, CSV or text",
        "định dạng tệp không được hỗ trợ: nội dung không phải PDF, Word, Excel, PowerPoint, HTML, CSV "
        "hay văn bản thuần",
        detail,
    )


def _zip_member_names(head: bytes) -> list[str]:
    """Member names from the local file headers present in ``head``."""
    names: list[str] = []
    pos = head.find(b"PK\x03\x04")
    while pos != -1 and pos + 30 <= len(head):
        name_len, extra_len = struct.unpack_from("<HH", head, pos + 26)
        raw = head[pos + 30 : pos + 30 + name_len]
        names.append(raw.decode("utf-8", "replace"))
        pos = head.find(b"PK\x03\x04", pos + 30 + name_len + extra_len)
    return names


def _ole2_kind(head: bytes) -> FileKind:
    def has(name: str) -> bool:
        return name.encode("utf-16-le") in head

    if has("EncryptedPackage"):
        raise ParseError(
            "encrypted", "the document is password-protected", "tài liệu được bảo vệ bằng mật khẩu"
        )
    if has("WordDocument"):
        return FileKind.DOC
    if has("Workbook") or has("Book"):
        raise ParseError(
            "legacy_excel",
            "legacy Excel .xls files are not supported; save as .xlsx",
            "không hỗ trợ tệp Excel cũ .xls; hãy lưu lại dưới dạng .xlsx",
        )
    if has("PowerPoint Document"):
        raise ParseError(
            "legacy_powerpoint",
            "legacy PowerPoint .ppt files are not supported; save as .pptx",
            "không hỗ trợ tệp PowerPoint cũ .ppt; hãy lưu lại dưới dạng .pptx",
        )
    return FileKind.DOC


def _looks_textual(head: bytes) -> bool:
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return True
    if head.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return True
    sample = head[:8192]
    if any(b in _BINARY_CTRL for b in sample):
        # UTF-16 without a BOM: every other byte is NUL for Latin/Vietnamese text.
        return guess_utf16(sample) is not None
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        decoder.decode(sample, final=False)
        return True
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(sample).best()
    return best is not None


def _is_html(head: bytes) -> bool:
    start = head[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if start.startswith((b"<!doctype html", b"<html")):
        return True
    if start.startswith(b"<?xml") and b"<html" in start:
        return True
    return b"<html" in start[:1024] and b"<body" in head.lower()


def detect_kind(data_head: bytes, filename: str) -> FileKind:
    """Return the file's kind from its first bytes (pass at least ``SNIFF_BYTES``).

    The name's extension is only used to choose between text-like kinds (CSV, Markdown,
    HTML, plain text). Raises ``ParseError`` for empty or unknown binary content.
    """
    if not data_head:
        raise empty_file_error()
    ext = PurePath(filename).suffix.lower()
    if b"%PDF-" in data_head[:1024]:
        return FileKind.PDF
    if data_head.startswith(_ZIP_MAGICS):
        kind = ooxml_kind_from_names(_zip_member_names(data_head))
        if kind is None:
            raise unsupported_archive_error()
        return kind
    if data_head.startswith(_OLE2_MAGIC):
        return _ole2_kind(data_head)
    if data_head.lstrip().startswith(b"{\\rtf"):
        raise ParseError(
            "rtf",
            "RTF documents are not supported; save as .docx",
            "không hỗ trợ tệp RTF; hãy lưu lại dưới dạng .docx",
        )
    if not _looks_textual(data_head):
        raise unknown_format_error(f"first bytes {data_head[:8].hex()}")
    if ext in _HTML_EXT or _is_html(data_head):
        return FileKind.HTML
    if ext in _CSV_EXT:
        return FileKind.CSV
    if ext in _MD_EXT:
        return FileKind.MARKDOWN
    return FileKind.TEXT


def detect_path(path: Path) -> FileKind:
    """Like ``detect_kind`` but reads the file; ZIP archives are judged by their full directory."""
    with path.open("rb") as fh:
        head = fh.read(SNIFF_BYTES)
    if head.startswith(_ZIP_MAGICS):
        try:
            with zipfile.ZipFile(path) as zf:
                names = zf.namelist()
        except (zipfile.BadZipFile, OSError, ValueError, EOFError):
            return detect_kind(head, path.name)
        kind = ooxml_kind_from_names(names)
        if kind is None:
            raise unsupported_archive_error()
        return kind
    return detect_kind(head, path.name)
