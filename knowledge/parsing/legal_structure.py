"""Recognise the structure of Vietnamese legal texts: Phần, Chương, Mục, Điều, Khoản, Điểm.

Matching is case-insensitive and accepts text without diacritics ("DIEU 8.", "Chuong II").
Used by the PDF reflow (to keep structural lines apart) and by the chunker.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

#: Ranks: smaller is higher in the hierarchy. A section (for small-to-big retrieval) is the
#: deepest heading whose rank is at most ``SECTION_RANK``.
RANK_PHU_LUC = 5
RANK_PHAN = 10
RANK_CHUONG = 20
RANK_MUC = 30
RANK_ROMAN = 35
RANK_DIEU = 40
RANK_KHOAN = 50
RANK_DIEM = 60
SECTION_RANK = RANK_DIEU

MAX_HEADING_CHARS = 200

_SEP = r"\s*[.:\-–—]?\s*"
_ROMAN = r"[IVXLCDM]{1,7}"
_PHU_LUC_RE = re.compile(
    rf"^(?:phụ\s*lục|phu\s*luc)(?:\s+(?:số\s+|so\s+)?({_ROMAN}|\d{{1,3}}[a-z]?)\b{_SEP}(.*)|\s*[.:\-–—]\s*(.*)|\s*)$",
    re.I,
)
_PHAN_RE = re.compile(rf"^(?:phần|phan)\s+(thứ\s+\w+|thu\s+\w+|{_ROMAN}|\d{{1,3}})\b{_SEP}(.*)$", re.I)
_CHUONG_RE = re.compile(rf"^(?:chương|chuong)\s+({_ROMAN}|\d{{1,3}}[a-z]?)\b{_SEP}(.*)$", re.I)
_MUC_RE = re.compile(rf"^(?:mục|muc)\s+(\d{{1,3}}|{_ROMAN})\b{_SEP}(.*)$", re.I)
_DIEU_RE = re.compile(r"^(?:điều|dieu)\s+(\d{1,4}[a-zđ]?)(?:\s*([.:])\s*(.*)|\s+(\S.*))?$", re.I)
_ROMAN_RE = re.compile(rf"^({_ROMAN})[.)]\s+(\S.*)$")
_KHOAN_RE = re.compile(r"^(\d{1,3})\.(?:\s+\S|$)")
_DIEM_RE = re.compile(r"^([a-zđ])\)\s+\S", re.I)

_WORDS = {
    RANK_PHU_LUC: "Phụ lục",
    RANK_PHAN: "Phần",
    RANK_CHUONG: "Chương",
    RANK_MUC: "Mục",
    RANK_DIEU: "Điều",
    RANK_KHOAN: "Khoản",
    RANK_DIEM: "Điểm",
}


@dataclass(frozen=True, slots=True)
class LegalHeading:
    rank: int
    number: str
    title: str
    #: True when the whole line is a heading; False when the line is body text that also
    #: opens a unit (Khoản, Điểm, or an Điều whose line carries its full content).
    is_heading: bool = True

    @property
    def label(self) -> str:
        """Short canonical label: "Chương II", "Điều 8", "Khoản 2", "Điểm a", "I"."""
        if self.rank == RANK_ROMAN:
            return self.number
        word = _WORDS[self.rank]
        return f"{word} {self.number}".strip()

    @property
    def full(self) -> str:
        """Label with title, as shown in a heading path: "Điều 8. Thể thức văn bản"."""
        if self.title and self.is_heading:
            return f"{self.label}. {self.title}"
        return self.label


def _canon_number(number: str) -> str:
    number = number.strip()
    if re.fullmatch(_ROMAN, number, re.I):
        return number.upper()
    return number.lower() if re.fullmatch(r"thứ\s+\w+|thu\s+\w+", number, re.I) else number


def _starts_upper(text: str) -> bool:
    for ch in text:
        if ch.isalpha():
            return ch.isupper()
        if ch.isdigit():
            return True
    return False


def match_heading(text: str, *, in_dieu: bool = False) -> LegalHeading | None:
    """Classify one line/paragraph. Khoản and Điểm are only recognised inside an Điều."""
    first = text[:1]
    if not first:
        return None
    if first.isdigit():
        if in_dieu:
            m = _KHOAN_RE.match(text)
            if m:
                return LegalHeading(RANK_KHOAN, m.group(1), "", is_heading=False)
        return None
    if in_dieu and len(text) > 2 and text[1] == ")":
        m = _DIEM_RE.match(text)
        if m:
            return LegalHeading(RANK_DIEM, m.group(1).lower(), "", is_heading=False)
    short = len(text) <= MAX_HEADING_CHARS
    lead = first.lower()
    if lead in "đd":
        m = _DIEU_RE.match(text)
        if m:
            number, punct, after_punct, bare = m.groups()
            title = (after_punct or "").strip()
            if punct is None and bare is not None:
                # "Điều 5 Phạm vi..." is a heading; "Điều 169 của Bộ luật..." is a sentence.
                if not _starts_upper(bare):
                    return None
                title = bare.strip()
            return LegalHeading(RANK_DIEU, number.lower(), title, is_heading=short)
        return None
    if not short:
        return None
    if lead in "cp":
        for rank, regex in ((RANK_CHUONG, _CHUONG_RE), (RANK_PHAN, _PHAN_RE), (RANK_PHU_LUC, _PHU_LUC_RE)):
            m = regex.match(text)
            if m:
                number = _canon_number(m.group(1) or "")
                title = next((g for g in m.groups()[1:] if g), "")
                return LegalHeading(rank, number, title.strip())
        return None
    if lead == "m":
        m = _MUC_RE.match(text)
        if m:
            return LegalHeading(RANK_MUC, _canon_number(m.group(1)), (m.group(2) or "").strip())
        return None
    if not in_dieu and first in "IVXLC":
        m = _ROMAN_RE.match(text)
        if m and _starts_upper(m.group(2)):
            return LegalHeading(RANK_ROMAN, m.group(1), m.group(2).strip())
    return None


def is_structural_start(text: str) -> bool:
    """Does this line open a new unit (for reflowing wrapped PDF lines)?"""
    return match_heading(text, in_dieu=True) is not None or match_heading(text) is not None


def slugify(text: str) -> str:
    """ASCII slug without Vietnamese diacritics: "Điều 8" -> "dieu-8"."""
    text = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")
