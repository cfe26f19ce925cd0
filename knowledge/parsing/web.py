"""HTML parsing via BeautifulSoup + lxml: drops script/style/nav, keeps h1-h6 as headings."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from .base import (
    BlockKind,
    BlockSink,
    FileKind,
    ParsedDocument,
    ParseLimits,
    clean_line,
    no_text_error,
    rows_to_text,
    too_deep_error,
)
from .text import _estimate, decode_text, read_bytes

_DROP = {
    "script",
    "style",
    "nav",
    "noscript",
    "template",
    "head",
    "svg",
    "iframe",
    "form",
    "button",
    "select",
    "object",
    "embed",
    "canvas",
    "footer",
    "aside",
}
_HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
_LEAF_BLOCKS = {
    "p",
    "pre",
    "blockquote",
    "dt",
    "dd",
    "caption",
    "figcaption",
    "address",
    "summary",
    "td",
    "th",
}
_INLINE = {
    "a",
    "abbr",
    "b",
    "bdi",
    "bdo",
    "cite",
    "code",
    "data",
    "dfn",
    "em",
    "font",
    "i",
    "kbd",
    "label",
    "mark",
    "q",
    "s",
    "samp",
    "small",
    "span",
    "strong",
    "sub",
    "sup",
    "time",
    "u",
    "var",
    "wbr",
    "del",
    "ins",
    "strike",
    "tt",
    "big",
    "img",
}
_META_CHARSET_RE = re.compile(rb"<meta[^>]+charset", re.I)


class _Walker:
    def __init__(self, sink: BlockSink, max_depth: int) -> None:
        self.sink = sink
        self.buffer: list[str] = []
        self.max_depth = max_depth

    def flush(self) -> None:
        if self.buffer:
            for line in "".join(self.buffer).split("\n"):
                self.sink.add(line)
            self.buffer = []

    def walk(self, node: Any, depth: int = 0) -> None:
        from bs4.element import Comment, Doctype, NavigableString, Tag

        if depth > self.max_depth:
            raise too_deep_error(self.max_depth)
        for child in node.children:
            if isinstance(child, (Comment, Doctype)):
                continue
            if isinstance(child, NavigableString):
                self.buffer.append(str(child))
                continue
            if not isinstance(child, Tag):
                continue
            name = (child.name or "").lower()
            if name in _DROP:
                continue
            if name == "br":
                self.buffer.append("\n")
            elif name in _INLINE:
                self.buffer.append(child.get_text(" "))
            elif name in _HEADINGS:
                self.flush()
                self.sink.add(child.get_text(" "), BlockKind.HEADING, level=_HEADINGS[name])
            elif name == "li":
                self.flush()
                nested = list(child.find_all(["ul", "ol"], recursive=False))
                for sub in nested:
                    sub.extract()
                self.sink.add(child.get_text(" "), BlockKind.LIST_ITEM)
                for sub in nested:
                    self.walk(sub, depth + 1)
            elif name == "table":
                self.flush()
                self._table(child)
            elif name in _LEAF_BLOCKS:
                self.flush()
                for line in child.get_text(" ").split("\n"):
                    self.sink.add(line)
            else:
                self.flush()
                self.walk(child, depth + 1)
                self.flush()

    def _table(self, table: Any) -> None:
        header: list[str] | None = None
        for tr in table.find_all("tr"):
            if tr.find_parent("table") is not table:
                continue
            cells = [clean_line(c.get_text(" ")) for c in tr.find_all(["td", "th"], recursive=False)]
            if not any(cells):
                continue
            if header is None:
                header = cells
                self.sink.add(" | ".join(c for c in cells if c), BlockKind.ROW)
            else:
                self.sink.add(rows_to_text(header, cells), BlockKind.ROW, clean=False)


def parse_html(path: Path, limits: ParseLimits) -> ParsedDocument:
    from bs4 import BeautifulSoup

    data = read_bytes(path)
    markup: str | bytes = data if _META_CHARSET_RE.search(data[:4096]) else decode_text(data)
    soup = BeautifulSoup(markup, "lxml")
    sink = BlockSink(limits)
    walker = _Walker(sink, limits.max_nesting_depth)
    walker.walk(soup.body if soup.body is not None else soup)
    walker.flush()
    if not sink.blocks:
        raise no_text_error()
    return _estimate(sink.blocks, FileKind.HTML, sum(len(b.text) for b in sink.blocks), [])
