"""Plain text, Markdown and CSV parsing, with encoding detection for Vietnamese text."""

from __future__ import annotations

import codecs
import csv
import io
import math
import re
import unicodedata
from pathlib import Path

from .base import (
    Block,
    BlockKind,
    BlockSink,
    FileKind,
    ParsedDocument,
    ParseError,
    ParseLimits,
    corrupt_error,
    empty_file_error,
    no_text_error,
    rows_to_text,
)

#: Characters per page used when a format has no real pagination.
CHARS_PER_PAGE = 3000

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def _vietnamese_letters() -> frozenset[str]:
    letters = set("ăâđêôơư")
    for base in "aăâeêioôơuưy":
        for tone in "\u0300\u0301\u0309\u0303\u0323":
            letters.add(unicodedata.normalize("NFC", base + tone))
    return frozenset(letters)


_VI_LETTERS = _vietnamese_letters()


def _score(text: str) -> float:
    """Higher when ``text`` looks like Vietnamese / ordinary prose."""
    if not text:
        return 0.0
    sample = text[:20000]
    lower = sample.lower()
    vi = sum(1 for ch in lower if ch in _VI_LETTERS)
    bad = sum(1 for ch in sample if ch == "\ufffd" or (ord(ch) < 32 and ch not in "\t\r\n\f"))
    odd = sum(1 for ch in sample if 0x80 <= ord(ch) < 0x250 and ch.lower() not in _VI_LETTERS)
    return (vi - 5 * bad - odd) / len(sample)


def guess_utf16(sample: bytes) -> str | None:
    """Recognise UTF-16 without a BOM: one byte of most code units is NUL (ASCII letters, spaces)."""
    if len(sample) < 4:
        return None
    sample = sample[: len(sample) // 2 * 2]
    half = len(sample) // 2
    for encoding, zeros, other in (
        ("utf-16-le", sample[1::2].count(0), sample[0::2].count(0)),
        ("utf-16-be", sample[0::2].count(0), sample[1::2].count(0)),
    ):
        if zeros >= half * 0.3 and other <= half * 0.05:
            try:
                text = sample.decode(encoding)
            except UnicodeDecodeError:
                continue
            printable = sum(1 for ch in text if ch.isprintable() or ch in "\t\r\n\f")
            if printable >= len(text) * 0.95:
                return encoding
    return None


def decode_text(data: bytes) -> str:
    """Decode bytes of unknown encoding (UTF-8/16/32 with or without BOM, cp1258, ...) to NFC."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return _finish(data[len(bom) :].decode(encoding, "replace"))
    try:
        return _finish(data.decode("utf-8"))
    except UnicodeDecodeError:
        pass
    utf16 = guess_utf16(data[:8192])
    if utf16 is not None:
        return _finish(data.decode(utf16, "replace"))
    from charset_normalizer import from_bytes

    candidates = ["cp1258", "utf-8"]
    best = from_bytes(data[:200_000]).best()
    if best is not None and best.encoding:
        candidates.insert(0, best.encoding)
    decoded = []
    for encoding in candidates:
        try:
            text = unicodedata.normalize("NFC", data.decode(encoding, "replace"))
        except LookupError:
            continue
        decoded.append((_score(text), text))
    decoded.sort(key=lambda item: item[0], reverse=True)
    return _finish(decoded[0][1])


def _finish(text: str) -> str:
    text = text.lstrip("\ufeff")
    if not text.isascii():
        text = unicodedata.normalize("NFC", text)
    return text


def read_bytes(path: Path) -> bytes:
    data = path.read_bytes()
    if not data.strip(b" \t\r\n\x00\xef\xbb\xbf\xff\xfe"):
        raise empty_file_error()
    return data


_BULLET_RE = re.compile(r"^[-–—•+*·▪●◦]\s")


def _estimate(blocks: list[Block], kind: FileKind, total_chars: int, warnings: list[str]) -> ParsedDocument:
    if not blocks:
        raise no_text_error()
    return ParsedDocument(
        kind=kind,
        blocks=blocks,
        page_count=max(1, math.ceil(total_chars / CHARS_PER_PAGE)),
        pages_estimated=True,
        warnings=warnings,
    )


def text_to_document(text: str, kind: FileKind, limits: ParseLimits) -> ParsedDocument:
    """One block per non-empty line; form feeds start a new (real) page."""
    sink = BlockSink(limits)
    pages = text.split("\f")
    paged = len(pages) > 1
    for number, page_text in enumerate(pages, start=1):
        for line in page_text.splitlines():
            stripped = line.strip()
            if not stripped:
                continue
            block_kind = BlockKind.LIST_ITEM if _BULLET_RE.match(stripped) else BlockKind.PARAGRAPH
            sink.add(stripped, block_kind, page=number if paged else None)
    if paged and sink.blocks:
        return ParsedDocument(kind=kind, blocks=sink.blocks, page_count=len(pages))
    return _estimate(sink.blocks, kind, len(text), [])


def parse_text(path: Path, limits: ParseLimits) -> ParsedDocument:
    return text_to_document(decode_text(read_bytes(path)), FileKind.TEXT, limits)


# Markdown ---------------------------------------------------------------------------------

_MD_HEADING_RE = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_MD_SETEXT_RE = re.compile(r"^(=+|-+)\s*$")
_MD_LIST_RE = re.compile(r"^(?:[-*+]\s+(?:\[[ xX]\]\s+)?)(.*)$")
_MD_ORDERED_RE = re.compile(r"^\d{1,3}[.)]\s+\S")
_MD_LINK_RE = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_MD_EMPH_RE = re.compile(r"(\*\*|__|`)")
_MD_TABLE_SEP_RE = re.compile(r"^\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?$")
_MD_FENCE_RE = re.compile(r"^(```|~~~)")


def _md_inline(text: str) -> str:
    return _MD_EMPH_RE.sub("", _MD_LINK_RE.sub(r"\1", text))


def _md_cells(line: str) -> list[str]:
    return [_md_inline(c.strip()) for c in line.strip().strip("|").split("|")]


def parse_markdown(path: Path, limits: ParseLimits) -> ParsedDocument:
    text = decode_text(read_bytes(path))
    sink = BlockSink(limits)
    lines = text.splitlines()
    header: list[str] | None = None
    in_fence = False
    for i, raw in enumerate(lines):
        line = raw.strip()
        if _MD_FENCE_RE.match(line):
            in_fence = not in_fence
            continue
        if in_fence:
            sink.add(raw)
            continue
        if not line.startswith("|"):
            header = None
        if not line or line in {"---", "***", "___"}:
            continue
        heading = _MD_HEADING_RE.match(line)
        if heading:
            sink.add(_md_inline(heading.group(2)), BlockKind.HEADING, level=len(heading.group(1)))
            continue
        nxt = lines[i + 1].strip() if i + 1 < len(lines) else ""
        if nxt and _MD_SETEXT_RE.match(nxt) and not line.startswith(("|", "-", "*")):
            sink.add(_md_inline(line), BlockKind.HEADING, level=1 if nxt[0] == "=" else 2)
            continue
        if _MD_SETEXT_RE.match(line):
            continue
        if line.startswith("|"):
            if _MD_TABLE_SEP_RE.match(line):
                continue
            cells = _md_cells(line)
            if header is None:
                header = cells
                if i + 1 < len(lines) and _MD_TABLE_SEP_RE.match(lines[i + 1].strip()):
                    continue
            sink.add(rows_to_text(header, cells), BlockKind.ROW)
            continue
        if line.startswith(">"):
            line = line.lstrip("> ")
        bullet = _MD_LIST_RE.match(line)
        if bullet and line[:1] in "-*+" and len(line) > 1 and line[1] == " ":
            sink.add(_md_inline(bullet.group(1)), BlockKind.LIST_ITEM)
        elif _MD_ORDERED_RE.match(line):
            sink.add(_md_inline(line), BlockKind.LIST_ITEM)
        else:
            sink.add(_md_inline(line))
    return _estimate(sink.blocks, FileKind.MARKDOWN, len(text), [])


# CSV ----------------------------------------------------------------------------------------


def _sniff_dialect(sample: str) -> type[csv.Dialect] | csv.Dialect:
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t|")
    except csv.Error:
        first = sample.splitlines()[0] if sample else ""
        counts = {d: first.count(d) for d in ",;\t|"}
        delimiter = max(counts, key=lambda d: counts[d])

        class _Fallback(csv.excel):
            pass

        _Fallback.delimiter = delimiter if counts[delimiter] else ","
        return _Fallback


def parse_csv(path: Path, limits: ParseLimits) -> ParsedDocument:
    text = decode_text(read_bytes(path))
    sink = BlockSink(limits)
    dialect = _sniff_dialect(text[:65536])
    header: list[str] | None = None
    rows = 0
    try:
        for record in csv.reader(io.StringIO(text), dialect):
            cells = [unicodedata.normalize("NFC", c.strip()) for c in record]
            if not any(cells):
                continue
            if header is None:
                header = cells
                continue
            rows += 1
            sink.add(rows_to_text(header, cells), BlockKind.ROW)
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):
            limit = csv.field_size_limit()
            raise ParseError(
                "field_too_long",
                f"a field of the CSV file is longer than the limit of {limit} characters",
                f"một ô của tệp CSV dài hơn giới hạn {limit} ký tự",
                str(exc),
            ) from exc
        raise corrupt_error(FileKind.CSV, str(exc)) from exc
    if header is not None and rows == 0:
        sink.add(" | ".join(c for c in header if c), BlockKind.ROW)
    if not sink.blocks:
        raise ParseError("no_text", "the CSV file has no data rows", "tệp CSV không có dòng dữ liệu nào")
    return _estimate(sink.blocks, FileKind.CSV, len(text), [])
