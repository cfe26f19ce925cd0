"""Word documents: DOCX via python-docx (body order, styles, tables) and legacy DOC via a converter."""

from __future__ import annotations

import math
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from .archive import check_zip, require_member
from .base import (
    BlockKind,
    BlockSink,
    FileKind,
    ParsedDocument,
    ParseError,
    ParseLimits,
    clean_line,
    corrupt_error,
    empty_file_error,
    library_error,
    no_text_error,
    rows_to_text,
)
from .text import CHARS_PER_PAGE, decode_text, text_to_document

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_P, _TBL, _SDT, _SDT_CONTENT = f"{_W}p", f"{_W}tbl", f"{_W}sdt", f"{_W}sdtContent"
_TR, _TC, _T, _TAB, _BR, _CR = f"{_W}tr", f"{_W}tc", f"{_W}t", f"{_W}tab", f"{_W}br", f"{_W}cr"
_LRPB, _PPR, _PSTYLE, _NUMPR, _VAL, _TYPE = (
    f"{_W}lastRenderedPageBreak",
    f"{_W}pPr",
    f"{_W}pStyle",
    f"{_W}numPr",
    f"{_W}val",
    f"{_W}type",
)
_HEADING_STYLE_RE = re.compile(r"^(?:heading|tiêu đề|title)\s*(\d)?$", re.I)
_LIST_STYLE_RE = re.compile(r"^list\b", re.I)


def _paragraph_text(p: Any) -> tuple[str, int, int]:
    """Text of a ``w:p`` plus Word's rendered page breaks in it (total, and before any text)."""
    parts: list[str] = []
    rendered = leading = 0
    for el in p.iter(_T, _TAB, _BR, _CR, _LRPB):
        tag = el.tag
        if tag == _T:
            parts.append(el.text or "")
        elif tag == _LRPB:
            rendered += 1
            if not any(x.strip() for x in parts):
                leading += 1
        elif tag != _BR or el.get(_TYPE) != "page":
            parts.append(" ")
    return "".join(parts), rendered, leading


def _style_of(p: Any) -> tuple[str | None, bool]:
    ppr = p.find(_PPR)
    if ppr is None:
        return None, False
    style = ppr.find(_PSTYLE)
    return (style.get(_VAL) if style is not None else None), ppr.find(_NUMPR) is not None


def _cell_text(tc: Any) -> str:
    paragraphs = [_paragraph_text(p)[0] for p in tc.iter(_P)]
    return clean_line(" ".join(paragraphs))


class _DocxWalker:
    def __init__(self, styles: dict[str, str], limits: ParseLimits, use_rendered: bool) -> None:
        self.styles = styles
        self.sink = BlockSink(limits)
        self.use_rendered = use_rendered
        self.page = 1
        self.chars = 0

    def _page_now(self) -> int:
        return self.page if self.use_rendered else 1 + self.chars // CHARS_PER_PAGE

    def walk(self, parent: Any) -> None:
        for child in parent.iterchildren():
            tag = child.tag
            if tag == _P:
                self._paragraph(child)
            elif tag == _TBL:
                self._table(child)
            elif tag == _SDT:
                content = child.find(_SDT_CONTENT)
                if content is not None:
                    self.walk(content)

    def _paragraph(self, p: Any) -> None:
        text, rendered, leading = _paragraph_text(p)
        if self.use_rendered:
            # Breaks after the first text mean the paragraph continues on a later page.
            start_page = self.page + leading
            self.page += rendered
        else:
            start_page = 1 + self.chars // CHARS_PER_PAGE
        text = clean_line(text)
        if not text:
            return
        self.chars += len(text)
        style_id, numbered = _style_of(p)
        name = self.styles.get(style_id or "", style_id or "")
        heading = _HEADING_STYLE_RE.match(name)
        if heading:
            level = int(heading.group(1)) if heading.group(1) else 1
            self.sink.add(text, BlockKind.HEADING, level=level, page=start_page, clean=False)
        elif numbered or _LIST_STYLE_RE.match(name):
            self.sink.add(text, BlockKind.LIST_ITEM, page=start_page, clean=False)
        else:
            self.sink.add(text, BlockKind.PARAGRAPH, page=start_page, clean=False)

    def _table(self, tbl: Any) -> None:
        header: list[str] | None = None
        for tr in tbl.iterchildren(_TR):
            cells: list[str] = []
            for tc in tr.iterchildren(_TC):
                value = _cell_text(tc)
                if not cells or value != cells[-1]:  # merged cells repeat their value
                    cells.append(value)
            if not any(cells):
                continue
            if self.use_rendered:
                self.page += sum(1 for _ in tr.iter(_LRPB))
            if header is None:
                header = cells
                if len(cells) > 1:
                    self.sink.add(" | ".join(c for c in cells if c), BlockKind.ROW, page=self._page_now())
                    continue
                header = []
            text = rows_to_text(header, cells)
            self.chars += len(text)
            self.sink.add(text, BlockKind.ROW, page=self._page_now())


def parse_docx(path: Path, limits: ParseLimits) -> ParsedDocument:
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    if path.stat().st_size == 0:
        raise empty_file_error()
    names = check_zip(path, FileKind.DOCX, limits)
    require_member(names, "word/document.xml", FileKind.DOCX)
    try:
        document = docx.Document(str(path))
    except (PackageNotFoundError, KeyError, ValueError, OSError) as exc:
        raise corrupt_error(FileKind.DOCX, f"{type(exc).__name__}: {exc}") from exc
    except Exception as exc:  # lxml.etree.XMLSyntaxError, zipfile errors, ...
        raise library_error(FileKind.DOCX, exc) from exc
    styles = {s.style_id: s.name or "" for s in document.styles if s.style_id}
    body = document.element.body
    total_chars = sum(len(t.text or "") for t in body.iter(_T))
    rendered_breaks = sum(1 for _ in body.iter(_LRPB))
    # Trust Word's last rendered pagination only when it looks complete.
    use_rendered = rendered_breaks > 0 and (rendered_breaks + 1) * 2 * CHARS_PER_PAGE >= total_chars
    walker = _DocxWalker(styles, limits, use_rendered)
    walker.walk(body)
    blocks = walker.sink.blocks
    if not blocks:
        raise no_text_error()
    page_count = walker.page if use_rendered else max(1, math.ceil(total_chars / CHARS_PER_PAGE))
    return ParsedDocument(
        kind=FileKind.DOCX, blocks=blocks, page_count=page_count, pages_estimated=not use_rendered
    )


# Legacy .doc ---------------------------------------------------------------------------------


def converter_missing_error() -> ParseError:
    return ParseError(
        "converter_unavailable",
        "legacy .doc needs a converter (LibreOffice or antiword), which is not installed",
        "tệp .doc cũ cần trình chuyển đổi (LibreOffice hoặc antiword) nhưng chưa được cài đặt",
    )


def _run(cmd: list[str], timeout: float) -> bytes | None:
    try:
        done = subprocess.run(cmd, capture_output=True, timeout=timeout, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if done.returncode != 0 or not done.stdout.strip():
        return None
    return done.stdout


def _libreoffice(path: Path, limits: ParseLimits) -> ParsedDocument | None:
    binary = shutil.which("libreoffice") or shutil.which("soffice")
    if binary is None:
        return None
    with tempfile.TemporaryDirectory(prefix="bureau-doc-") as tmp:
        profile = Path(tmp, "profile").as_uri()
        cmd = [
            binary,
            f"-env:UserInstallation={profile}",
            "--headless",
            "--convert-to",
            "docx",
            "--outdir",
            tmp,
            str(path),
        ]
        try:
            subprocess.run(cmd, capture_output=True, timeout=limits.converter_timeout_seconds, check=False)
        except (OSError, subprocess.TimeoutExpired):
            return None
        out = Path(tmp, path.stem + ".docx")
        if not out.exists():
            return None
        doc = parse_docx(out, limits)
    doc.kind = FileKind.DOC
    return doc


def parse_doc(path: Path, limits: ParseLimits) -> ParsedDocument:
    """Legacy Word 97-2003: antiword, then catdoc, then LibreOffice, whichever is installed."""
    if path.stat().st_size == 0:
        raise empty_file_error()
    tried = False
    timeout = limits.converter_timeout_seconds
    antiword = shutil.which("antiword")
    if antiword:
        tried = True
        out = _run([antiword, "-w", "0", "-m", "UTF-8.txt", str(path)], timeout)
        if out is not None:
            return text_to_document(decode_text(out), FileKind.DOC, limits)
    catdoc = shutil.which("catdoc")
    if catdoc:
        tried = True
        out = _run([catdoc, "-w", "-d", "utf-8", str(path)], timeout)
        if out is not None:
            return text_to_document(decode_text(out), FileKind.DOC, limits)
    if shutil.which("libreoffice") or shutil.which("soffice"):
        tried = True
        doc = _libreoffice(path, limits)
        if doc is not None:
            return doc
    if not tried:
        raise converter_missing_error()
    raise corrupt_error(FileKind.DOC, "no converter could read the file")
