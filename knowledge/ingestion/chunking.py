"""Structure-aware chunking of parsed documents (pure Python, no Django).

Vietnamese legal texts are cut along their own structure: Phần › Chương › Mục › Điều ›
Khoản › Điểm, recognised by regex on the text (``knowledge.parsing.legal_structure``), so it works the
same for PDF, DOCX without heading styles, plain text and Markdown. Other documents follow
their headings (Markdown ``#``, HTML ``h1-h6``, Word heading styles).

A *section* is the unit for small-to-big retrieval: the Điều in legal texts (or the
deepest Phần/Chương/Mục/Phụ lục/roman-numbered part when there is no Điều), the deepest
heading elsewhere. Chunks never cross a section boundary; overlap is taken only from the
previous chunk of the same section. The section can be rebuilt exactly by concatenating
``chunk.text[chunk.overlap_chars:]`` of its chunks with newlines.

Token counting is an approximation tuned for Vietnamese and multilingual sub-word
tokenizers: every whitespace-separated word (a Vietnamese syllable) counts as
``TOKENS_PER_WORD`` (1.3) tokens, rounded up. It costs one ``str.split``. Text is only ever
cut on whitespace, never inside a word.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from knowledge.parsing.base import BlockKind, ParsedDocument
from knowledge.parsing.legal_structure import (
    RANK_CHUONG,
    RANK_DIEU,
    RANK_KHOAN,
    RANK_MUC,
    RANK_PHAN,
    RANK_PHU_LUC,
    RANK_ROMAN,
    SECTION_RANK,
    match_heading,
    slugify,
)

TOKENS_PER_WORD = 1.3
PATH_SEPARATOR = " › "
#: Start a new chunk at a Khoản once the current chunk is at least this full.
KHOAN_BREAK_FILL = 0.6
#: A last chunk smaller than this fraction of the budget is merged into the previous one.
TAIL_MERGE_FILL = 0.15
_TITLED_RANKS = {RANK_PHU_LUC, RANK_PHAN, RANK_CHUONG, RANK_MUC}
_SENTENCE_RE = re.compile(r"(?<=[.!?…;])\s+")
_ENDS_SENTENCE_RE = re.compile(r"[.;,!?…]['\"”’)\]]*$")


def count_tokens(text: str) -> int:
    """Approximate token count: whitespace-separated words × 1.3, rounded up."""
    words = len(text.split())
    return math.ceil(words * TOKENS_PER_WORD) if words else 0


def _words_for(tokens: int) -> int:
    return max(1, int(tokens / TOKENS_PER_WORD))


@dataclass(frozen=True, slots=True)
class ChunkDraft:
    ordinal: int
    text: str
    #: Full headings from the top, e.g. ["Chương II. SOẠN THẢO ...", "Điều 8. Thể thức văn bản", "Khoản 2"].
    heading_path: list[str]
    #: Short labels of the same path, e.g. ["Chương II", "Điều 8", "Khoản 2"].
    short_path: list[str]
    page_start: int | None
    page_end: int | None
    token_count: int
    #: Stable id of the parent section (the Điều for legal texts), e.g. "chuong-ii/dieu-8".
    section_key: str
    section_title: str
    #: Length in characters of the whole section's text (for small-to-big retrieval).
    section_chars: int
    #: How many leading characters of ``text`` repeat the previous chunk (overlap).
    overlap_chars: int = 0

    @property
    def heading_display(self) -> str:
        """ "Chương II › Điều 8 › Khoản 2"."""
        return PATH_SEPARATOR.join(self.short_path)

    @property
    def embedding_text(self) -> str:
        """Heading path + text: what should be embedded for retrieval."""
        if not self.heading_path:
            return self.text
        return f"{PATH_SEPARATOR.join(self.heading_path)}\n{self.text}"


# Internal model -------------------------------------------------------------------------------

_Entry = tuple[int, str, str]  # rank, full heading, short label


@dataclass(slots=True)
class _Unit:
    text: str
    tokens: int
    path: tuple[_Entry, ...]
    page: int | None
    opens_khoan: bool = False


@dataclass(slots=True)
class _Section:
    key_parts: tuple[str, ...]
    path: tuple[_Entry, ...]
    key: str = ""
    units: list[_Unit] = field(default_factory=list)


def _is_upper_line(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 3 and all(c.isupper() for c in letters)


def _is_legal(doc: ParsedDocument) -> bool:
    found = 0
    structural = {RANK_PHU_LUC, RANK_PHAN, RANK_CHUONG, RANK_MUC, RANK_ROMAN, RANK_DIEU}
    for block in doc.blocks:
        first = block.text[:1]
        if first and first in "ĐđDdCcPpMmIVX":
            heading = match_heading(block.text)
            if heading is not None and heading.is_heading and heading.rank in structural:
                found += 1
                if found >= 2:
                    return True
    return False


class _Builder:
    def __init__(self, legal: bool) -> None:
        self.legal = legal
        self.stack: list[_Entry] = []
        self.sections: list[_Section] = []
        self.used_keys: dict[str, int] = {}

    def push(self, rank: int, full: str, short: str) -> None:
        while self.stack and self.stack[-1][0] >= rank:
            self.stack.pop()
        self.stack.append((rank, full, short))

    def in_dieu(self) -> bool:
        return any(entry[0] == RANK_DIEU for entry in self.stack)

    def ensure_section(self) -> _Section:
        path = tuple(e for e in self.stack if e[0] <= SECTION_RANK) if self.legal else tuple(self.stack)
        key_parts = tuple(e[2] for e in path)
        if self.sections and self.sections[-1].key_parts == key_parts:
            return self.sections[-1]
        base = "/".join(slugify(p)[:48] for p in key_parts) or ("preamble" if self.legal else "document")
        seen = self.used_keys.get(base, 0) + 1
        self.used_keys[base] = seen
        section = _Section(key_parts, path, base if seen == 1 else f"{base}~{seen}")
        self.sections.append(section)
        return section

    def add(self, text: str, page: int | None, opens_khoan: bool = False) -> None:
        section = self.ensure_section()
        section.units.append(_Unit(text, count_tokens(text), tuple(self.stack), page, opens_khoan))


def _build_sections(doc: ParsedDocument) -> list[_Section]:
    legal = _is_legal(doc)
    builder = _Builder(legal)
    has_headings = any(b.kind == BlockKind.HEADING for b in doc.blocks)
    pending_title: int | None = None
    for block in doc.blocks:
        text = block.text
        if not legal:
            if block.kind == BlockKind.HEADING:
                builder.push((block.level or 1) * 10, text, text[:80])
            elif not has_headings and len(text) <= 120 and _is_upper_line(text):
                builder.push(70, text, text[:80])
            else:
                builder.add(text, block.page)
            continue
        heading = match_heading(text, in_dieu=builder.in_dieu())
        if pending_title is not None:
            index, pending_title = pending_title, None
            if (
                heading is None
                and len(text) <= 200
                and (
                    block.kind == BlockKind.HEADING
                    or _is_upper_line(text)
                    or not _ENDS_SENTENCE_RE.search(text)
                )
            ):
                rank, _, short = builder.stack[index]
                builder.stack[index] = (rank, f"{short}. {text}", short)
                continue
        if heading is None:
            builder.add(text, block.page)
            continue
        if heading.rank >= RANK_KHOAN:
            builder.push(heading.rank, heading.label, heading.label)
            builder.add(text, block.page, opens_khoan=heading.rank == RANK_KHOAN)
            continue
        builder.push(heading.rank, heading.full, heading.label)
        if not heading.is_heading:
            builder.add(text, block.page)
        elif heading.rank == RANK_DIEU:
            builder.ensure_section()
        elif not heading.title and heading.rank in _TITLED_RANKS:
            pending_title = len(builder.stack) - 1
    return builder.sections


# Splitting and packing ------------------------------------------------------------------------


def _split_words(text: str, max_tokens: int) -> list[str]:
    words = text.split()
    step = _words_for(max_tokens)
    return [" ".join(words[i : i + step]) for i in range(0, len(words), step)]


def _sentences(text: str) -> list[str]:
    pieces: list[str] = []
    for piece in _SENTENCE_RE.split(text):
        if pieces and len(piece.split()) < 4:
            pieces[-1] = f"{pieces[-1]} {piece}"
        else:
            pieces.append(piece)
    return pieces


def _split_unit(unit: _Unit, max_tokens: int) -> list[_Unit]:
    """Split an over-long unit on sentence boundaries, then on word boundaries."""
    if unit.tokens <= max_tokens:
        return [unit]
    parts: list[str] = []
    current: list[str] = []
    current_tokens = 0
    for sentence in _sentences(unit.text):
        tokens = count_tokens(sentence)
        if tokens > max_tokens:
            if current:
                parts.append(" ".join(current))
                current, current_tokens = [], 0
            parts.extend(_split_words(sentence, max_tokens))
            continue
        if current and current_tokens + tokens > max_tokens:
            parts.append(" ".join(current))
            current, current_tokens = [], 0
        current.append(sentence)
        current_tokens += tokens
    if current:
        parts.append(" ".join(current))
    return [
        _Unit(p, count_tokens(p), unit.path, unit.page, unit.opens_khoan and i == 0)
        for i, p in enumerate(parts)
    ]


def _pack(units: list[_Unit], chunk_tokens: int, overlap_tokens: int) -> list[list[_Unit]]:
    capacity = chunk_tokens - overlap_tokens
    pieces = [piece for unit in units for piece in _split_unit(unit, capacity)]
    groups: list[list[_Unit]] = []
    current: list[_Unit] = []
    used = 0
    for unit in pieces:
        limit = chunk_tokens if not groups else capacity
        full = used + unit.tokens > limit
        if current and (full or (unit.opens_khoan and used >= KHOAN_BREAK_FILL * limit)):
            groups.append(current)
            current, used = [], 0
        current.append(unit)
        used += unit.tokens
    if current:
        if (
            groups
            and used < TAIL_MERGE_FILL * chunk_tokens
            and sum(u.tokens for u in groups[-1]) + used + overlap_tokens <= chunk_tokens
        ):
            groups[-1].extend(current)
        else:
            groups.append(current)
    return groups


def _overlap_text(previous: list[_Unit], overlap_tokens: int) -> str:
    if overlap_tokens <= 0:
        return ""
    tail: list[str] = []
    used = 0
    for unit in reversed(previous):
        for sentence in reversed(_sentences(unit.text)):
            tokens = count_tokens(sentence)
            if used + tokens > overlap_tokens:
                if not tail:
                    words = sentence.split()
                    return " ".join(words[-_words_for(overlap_tokens) :])
                return " ".join(reversed(tail))
            tail.append(sentence)
            used += tokens
    return " ".join(reversed(tail))


def _common_path(units: list[_Unit]) -> tuple[_Entry, ...]:
    path = units[0].path
    for unit in units[1:]:
        n = 0
        for a, b in zip(path, unit.path, strict=False):
            if a != b:
                break
            n += 1
        path = path[:n]
    return path


def chunk_document(
    doc: ParsedDocument, *, chunk_tokens: int = 400, overlap_tokens: int = 60
) -> list[ChunkDraft]:
    """Cut ``doc`` into chunks of at most ~``chunk_tokens`` tokens along its structure."""
    if chunk_tokens < 20:
        raise ValueError("chunk_tokens must be at least 20")
    if not 0 <= overlap_tokens <= chunk_tokens // 2:
        raise ValueError("overlap_tokens must be between 0 and chunk_tokens / 2")
    chunks: list[ChunkDraft] = []
    for section in _build_sections(doc):
        section_title = section.path[-1][1] if section.path else ""
        units = section.units
        if not units:
            if section.path and section.path[-1][0] == RANK_DIEU:  # an Điều with only its title
                units = [_Unit(section_title, count_tokens(section_title), section.path, None)]
            else:
                continue
        section_chars = sum(len(u.text) for u in units) + len(units) - 1
        previous: list[_Unit] | None = None
        for group in _pack(units, chunk_tokens, overlap_tokens):
            body = "\n".join(u.text for u in group)
            overlap = _overlap_text(previous, overlap_tokens) if previous else ""
            text = f"{overlap}\n{body}" if overlap else body
            path = _common_path(group)
            if len(path) < len(section.path):
                path = section.path
            pages = [u.page for u in group if u.page is not None]
            chunks.append(
                ChunkDraft(
                    ordinal=len(chunks),
                    text=text,
                    heading_path=[e[1] for e in path],
                    short_path=[e[2] for e in path],
                    page_start=min(pages) if pages else None,
                    page_end=max(pages) if pages else None,
                    token_count=count_tokens(text),
                    section_key=section.key,
                    section_title=section_title,
                    section_chars=section_chars,
                    overlap_chars=len(overlap) + 1 if overlap else 0,
                )
            )
            previous = group
    return chunks


def section_text(chunks: list[ChunkDraft], section_key: str) -> str:
    """Rebuild a section's full text from its chunks (drops the overlaps)."""
    return "\n".join(c.text[c.overlap_chars :] for c in chunks if c.section_key == section_key)
