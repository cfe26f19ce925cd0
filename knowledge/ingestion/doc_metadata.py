"""Metadata of Vietnamese official documents: number and symbol, type, issuer, date, place and
subject (trích yếu), read from the header (and the signature block at the end). A part the document
does not state is None, never a guess."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from knowledge.search.legal_refs import _fold_upper, canonical_doc_number
from knowledge.search.text_normalization import fix_tone_marks, fold, unify_chars

__all__ = ["DOC_TYPES", "DocumentMetadata", "doc_type_from_number", "extract_document_metadata"]

# --------------------------------------------------------------------------------------------------
# Document metadata
# --------------------------------------------------------------------------------------------------

#: Official document types (display names), Luật Ban hành VBQPPL + Nghị định 30/2020 Phụ lục III.
DOC_TYPES: tuple[str, ...] = (
    "Hiến pháp", "Bộ luật", "Luật", "Pháp lệnh", "Lệnh", "Sắc lệnh", "Sắc luật",
    "Nghị quyết liên tịch", "Nghị quyết", "Nghị định", "Quyết định", "Thông tư liên tịch", "Thông tư",
    "Chỉ thị", "Quy chế", "Quy định", "Thông cáo", "Thông báo", "Hướng dẫn", "Chương trình",
    "Kế hoạch", "Phương án", "Đề án", "Dự án", "Báo cáo", "Biên bản", "Tờ trình", "Hợp đồng",
    "Công văn", "Công điện", "Bản ghi nhớ", "Bản thỏa thuận", "Giấy ủy quyền", "Giấy mời",
    "Giấy giới thiệu", "Giấy nghỉ phép", "Phiếu gửi", "Phiếu chuyển", "Phiếu báo", "Bản án", "Án lệ",
    "Kết luận",
)  # fmt: skip
_TYPE_BY_FOLD: dict[str, str] = {fold(t): t for t in DOC_TYPES}
_TYPE_FOLDS_LONGEST_FIRST = sorted(_TYPE_BY_FOLD, key=len, reverse=True)
# after a type name on the same (upper-case) line, these start the subject: "NGHỊ ĐỊNH VỀ ..."
_OPEN_TITLE_TYPES = frozenset({"luat", "bo luat", "phap lenh", "hien phap"})  # "LUẬT BƯU CHÍNH"
_TITLE_AFTER_TYPE = ("cua ", "ve ", "so ", "quy dinh", "ban hanh", "sua doi", "huong dan", "phe duyet")

# Abbreviations of the type in the symbol (Nghị định 30/2020 Phụ lục III, legal documents).
_TYPE_BY_ABBR: dict[str, str] = {
    "NĐ": "Nghị định", "ND": "Nghị định", "QĐ": "Quyết định", "QD": "Quyết định",
    "TT": "Thông tư", "TTLT": "Thông tư liên tịch", "NQ": "Nghị quyết", "NQLT": "Nghị quyết liên tịch",
    "CT": "Chỉ thị", "QC": "Quy chế", "QYĐ": "Quy định", "TC": "Thông cáo", "TB": "Thông báo",
    "HD": "Hướng dẫn", "CTR": "Chương trình", "KH": "Kế hoạch", "PA": "Phương án", "ĐA": "Đề án",
    "DA": "Dự án", "BC": "Báo cáo", "BB": "Biên bản", "TTR": "Tờ trình", "HĐ": "Hợp đồng",
    "CĐ": "Công điện", "GN": "Bản ghi nhớ", "TTH": "Bản thỏa thuận", "GUQ": "Giấy ủy quyền",
    "GM": "Giấy mời", "GGT": "Giấy giới thiệu", "GNP": "Giấy nghỉ phép", "PG": "Phiếu gửi",
    "PC": "Phiếu chuyển", "PB": "Phiếu báo", "AL": "Án lệ", "PL": "Pháp lệnh", "L": "Luật",
    "SL": "Sắc lệnh",
}  # fmt: skip


def doc_type_from_number(number: str) -> str | None:
    """Type implied by a number's symbol: "30/2020/NĐ-CP" → "Nghị định", "1234/UBND-VP" → "Công văn".

    A symbol without a year whose first part is not a type abbreviation is a công văn (Nghị định
    30/2020: "Số: .../viết tắt tên cơ quan-đơn vị soạn thảo"). "45/2019/QH14" is ambiguous → None.
    """
    canon = canonical_doc_number(number)
    if canon is None:
        return None
    if "/" in canon and "-" in canon.split("/", 1)[0]:  # old style 21-LCT/HĐNN8
        return _TYPE_BY_ABBR.get(canon.split("/", 1)[0].split("-", 1)[1])
    parts = canon.split("/")
    has_year = len(parts) == 3
    first = parts[-1].split("-", 1)[0]
    if first in _TYPE_BY_ABBR:
        return _TYPE_BY_ABBR[first]
    if not has_year:
        return "Công văn"
    return None


@dataclass(frozen=True)
class DocumentMetadata:
    """What the header of an official document says; None where it says nothing."""

    number: str | None = None  # "30/2020/NĐ-CP", as printed (NFC, dashes unified, no spaces)
    doc_type: str | None = None  # "Nghị định" (one of DOC_TYPES)
    issuer: str | None = None  # "BỘ LAO ĐỘNG - THƯƠNG BINH VÀ XÃ HỘI" (header lines joined)
    issuer_lines: tuple[str, ...] = field(default=())  # the header lines, e.g. ("UBND TỈNH X", "SỞ Y")
    issue_date: date | None = None
    place: str | None = None  # "Hà Nội"
    title: str | None = None  # trích yếu, "Về công tác văn thư"

    def as_dict(self) -> dict[str, str | list[str] | None]:
        """JSON-friendly dict (date as ISO string)."""
        return {
            "number": self.number,
            "doc_type": self.doc_type,
            "issuer": self.issuer,
            "issuer_lines": list(self.issuer_lines),
            "issue_date": self.issue_date.isoformat() if self.issue_date else None,
            "place": self.place,
            "title": self.title,
        }


_QUOC_HIEU_RE = re.compile(
    r"(?<!NƯỚC )(?<!nước )CỘNG\s+H(?:ÒA|OÀ)\s+XÃ\s+HỘI\s+CHỦ\s+NGHĨA\s+VIỆT\s+NAM", re.IGNORECASE
)
_TIEU_NGU_RE = re.compile(r"Độc\s+lập\s*-\s*Tự\s+do\s*-\s*Hạnh\s+phúc", re.IGNORECASE)
_DECORATION_RE = re.compile(r"[-_=*~.]{3,}|\*\*|[|]")
_QH_MARK, _TN_MARK = "\x00QH\x00", "\x00TN\x00"
_NUMBER_RE = re.compile(
    r"(?<![^\s(])(?:(?:Bộ luật|Luật|Pháp lệnh|Lệnh|Án lệ|Bản án) số|Số|SỐ)\s*:?\s*"
    r"(\d{1,5}\s*[/-]\s*[^\s,;)]+(?:\s\d{1,2}(?![\d/]))?)"  # "QH 11" → "QH11"
)
_DATE_WORDS_RE = re.compile(
    r"(?:ngày|ngay)\s*(\d{1,2})\s+(?:tháng|thang)\s+(\d{1,2})\s+(?:năm|nam)\s+(\d{4})", re.IGNORECASE
)
_DATE_NUM_RE = re.compile(r"(?:ngày|ngay)\s*(\d{1,2})\s*([/.-])\s*(\d{1,2})\s*\2\s*(\d{4})", re.IGNORECASE)
_PLACE_DATE_RE = re.compile(r"^(?P<place>[^\W\d_][^,\d]{0,58}?)\s*,\s*(?=(?:ngày|ngay)\s*\d)", re.IGNORECASE)
_BODY_START_RE = re.compile(
    r"^(?:căn\s+cứ|can\s+cu|xét\s|theo\s+đề\s+nghị|chương\s|phần\s+thứ|điều\s+\d|mục\s+\d|kính\s+gửi"
    r"|quyết\s+định\s*:|quyết\s+nghị\s*:|lời\s+nói\s+đầu)",
    re.IGNORECASE,
)
_VV_RE = re.compile(r"^(?:V/v|Về\s+việc)\s*:?\s*(.+)$", re.IGNORECASE)
_ENACT_RE = re.compile(
    r"(?:^|[.;]\s+)([^\W\d_][^.;\n]{1,100}?)\s+ban\s+hành\s+(?:Hiến pháp|Bộ luật|Luật|Pháp lệnh|Nghị quyết"
    r"|Nghị định|Thông tư|Quyết định|Chỉ thị)\b",
    re.MULTILINE,
)
_HEAD_OF_ORG_RE = re.compile(
    r"^(?:Bộ\s+trưởng|Chủ\s+tịch|Thủ\s+trưởng|Giám\s+đốc|Chánh\s+án|Viện\s+trưởng|Tổng\s+cục\s+trưởng"
    r"|Cục\s+trưởng|Trưởng\s+ban|Tổng\s+giám\s+đốc)\s+(?=\w)",
    re.IGNORECASE,
)
_NOT_ISSUER = frozenset(
    fold(w).upper() for w in ("MẬT", "TỐI MẬT", "TUYỆT MẬT", "KHẨN", "THƯỢNG KHẨN", "HỎA TỐC", "DỰ THẢO")
)
_MAX_TITLE_LINES = 4


def _clean_lines(text: str) -> list[str]:
    """Header text → stripped lines; decorations, table pipes, Quốc hiệu and Tiêu ngữ on lines of
    their own ("" stands for a blank or decoration line)."""
    s = unify_chars(text)
    s = _QUOC_HIEU_RE.sub(f"\n{_QH_MARK}\n", s)
    s = _TIEU_NGU_RE.sub(f"\n{_TN_MARK}\n", s)
    s = re.sub(r"(?<![^\s|])(?=(?:Số|SỐ)\s*:)", "\n", s)
    s = _DECORATION_RE.sub("\n\n", s)
    lines: list[str] = []
    for raw in s.split("\n"):
        line = re.sub(r"^(?:#+|[-*+]\s)\s*", "", raw.strip()).strip(" *")
        line = " ".join(line.split())
        if not line and lines and lines[-1] == "":
            continue
        lines.append(line)
    return lines


def _is_upper_line(line: str) -> bool:
    return any(c.isalpha() for c in line) and line == line.upper()


def _match_type(line: str) -> tuple[str, str] | None:
    """(type, rest-of-line) if an upper-case line is a document-type title line."""
    if not _is_upper_line(line) or line.endswith(":"):
        return None
    f = fold(line)
    for tf in _TYPE_FOLDS_LONGEST_FIRST:
        if f == tf:
            return _TYPE_BY_FOLD[tf], ""
        rest = f[len(tf) + 1 :]
        if f.startswith(tf + " ") and (tf in _OPEN_TITLE_TYPES or rest.startswith(_TITLE_AFTER_TYPE)):
            return _TYPE_BY_FOLD[tf], line.split(None, len(tf.split()))[-1]
    return None


def _parse_date(line: str) -> date | None:
    m = _DATE_WORDS_RE.search(line)
    if m:
        d, mo, y = int(m.group(1)), int(m.group(2)), int(m.group(3))
    else:
        m2 = _DATE_NUM_RE.search(line)
        if not m2:
            return None
        d, mo, y = int(m2.group(1)), int(m2.group(3)), int(m2.group(4))
    try:
        return date(y, mo, d)
    except ValueError:
        return None


def _place_and_date(line: str) -> tuple[str | None, date | None] | None:
    """For a header date line ("Hà Nội, ngày 05 tháng 3 năm 2020" or "ngày 5/3/2020")."""
    m = _PLACE_DATE_RE.match(line)
    rest = line[m.end() :] if m else line
    if not re.match(r"(?:ngày|ngay)\s*\d", rest, re.IGNORECASE):
        return None
    if m is None:  # a bare date line must hold nothing else ("ngày 5 tháng 3 năm 2020 của ..." is prose)
        dm = _DATE_WORDS_RE.match(rest) or _DATE_NUM_RE.match(rest)
        if dm is None or re.search(r"\w", rest[dm.end() :]):
            return None
    d = _parse_date(rest)
    if d is None:
        return None
    place = fix_tone_marks(m.group("place").strip()) if m else None
    return place, d


def _clean_number(raw: str) -> str | None:
    num = re.sub(r"\s+", "", raw).rstrip("._-:")
    return num if any(c.isalpha() for c in num) else None


def _join_issuer(lines: Sequence[str]) -> str:
    s = " ".join(lines)
    s = re.sub(r"\s*-\s*", " - ", s)
    return fix_tone_marks(" ".join(s.split()))


def _extract(lines: list[str], whole: bool) -> DocumentMetadata:
    # the header region ends where the body starts (Căn cứ..., Chương I, Điều 1, ...)
    end = len(lines)
    for i, line in enumerate(lines):
        if _BODY_START_RE.match(line) and not whole:
            end = i
            break
    region = lines[:end]

    number: str | None = None
    number_idx: int | None = None
    place: str | None = None
    issue_date: date | None = None
    date_idx: int | None = None
    type_idx: int | None = None
    doc_type: str | None = None
    title_parts: list[str] = []
    title: str | None = None

    for i, line in enumerate(region):
        if number is None:
            if re.fullmatch(r"(?:.*\s)?(?:Số|SỐ)\s*:?", line) and i + 1 < len(region):
                line = line + " " + region[i + 1]  # "Số:" with the number on the next line
            m = _NUMBER_RE.search(line)
            if m:
                number = _clean_number(m.group(1))
                if number is not None:
                    number_idx = i
        if issue_date is None:
            pd = _place_and_date(line)
            if pd is not None:
                place, issue_date = pd
                date_idx = i
        if doc_type is None and not whole:
            mt = _match_type(line)
            if mt is not None:
                doc_type, rest = mt
                type_idx = i
                if rest:
                    title_parts.append(rest)

    if not whole:
        # "Án lệ số 26/2018/AL về ..." as the first line
        first = next((ln for ln in region if ln), "")
        m = re.match(r"^(Án lệ|Bản án)\s+số\s*:?\s*(\S+)\s*(.*)$", first, re.IGNORECASE)
        if doc_type is None and m:
            doc_type = _TYPE_BY_FOLD[fold(m.group(1))]
            number = number or _clean_number(m.group(2))
            if m.group(3):
                title_parts.append(m.group(3))
        if type_idx is not None:
            for line in region[type_idx + 1 :]:
                if not line:
                    if title_parts:
                        break
                    continue
                if (
                    len(title_parts) >= _MAX_TITLE_LINES
                    or line in (_QH_MARK, _TN_MARK)
                    or line.endswith(":")
                    or re.match(r"(?:Số|SỐ)\s*:", line)
                    or (title_parts and (len(line) > 250 or line.endswith((".", ";"))))
                    # "THỦ TƯỚNG CHÍNH PHỦ" (authority line) under a sentence-case subject
                    or (title_parts and _is_upper_line(line) and not _is_upper_line(title_parts[-1]))
                ):
                    break
                title_parts.append(line)
        if not title_parts:
            for i, line in enumerate(region):
                vv = _VV_RE.match(line)
                if vv:
                    title_parts.append("V/v " + vv.group(1).strip())
                    for nxt in region[i + 1 : i + _MAX_TITLE_LINES]:
                        if not nxt or nxt in (_QH_MARK, _TN_MARK) or _parse_date(nxt) or _is_upper_line(nxt):
                            break
                        title_parts.append(nxt)
                    if doc_type is None:
                        doc_type = "Công văn"
                    break
        if title_parts:
            title = fix_tone_marks(" ".join(" ".join(title_parts).split())).strip(" .;") or None

    # issuer: the block of upper-case lines nearest before the number line (or the first block),
    # counted only if a header marker (number, Quốc hiệu, Tiêu ngữ, date line) follows it
    markers = {i for i in (number_idx, date_idx) if i is not None}
    markers |= {i for i, ln in enumerate(region) if ln in (_QH_MARK, _TN_MARK)}
    if number_idx is not None:
        limit = number_idx
    else:
        limit = min(i for i in (date_idx, type_idx, end) if i is not None)
    blocks: list[list[str]] = []
    current: list[str] = []
    for i, line in enumerate(region[:limit]):
        candidate = (
            i not in markers
            and _is_upper_line(line)
            and _fold_upper(line) not in _NOT_ISSUER
            and _match_type(line) is None
        )
        if candidate:
            current.append(line)
            continue
        if current and line:
            if i in markers:
                blocks.append(current)
            current = []
    if current and limit in markers:
        blocks.append(current)
    issuer_lines: tuple[str, ...] = ()
    if blocks:
        chosen = blocks[-1] if number_idx is not None else blocks[0]
        issuer_lines = tuple(_join_issuer([ln]) for ln in chosen)
    issuer = _join_issuer(issuer_lines) if issuer_lines else None

    return DocumentMetadata(
        number=number,
        doc_type=doc_type,
        issuer=issuer,
        issuer_lines=issuer_lines,
        issue_date=issue_date,
        place=place,
        title=title,
    )


def _enacting_issuer(text: str) -> str | None:
    """Issuer from the enacting sentence: "Chính phủ ban hành Nghị định ..." → "CHÍNH PHỦ"."""
    m = _ENACT_RE.search(unify_chars(text))
    if not m:
        return None
    who = _HEAD_OF_ORG_RE.sub("", m.group(1).strip())
    who = " ".join(who.split())
    if not who or len(who.split()) > 15:
        return None
    return _join_issuer([who.upper()])


def extract_document_metadata(text_head: str, text_tail: str | None = None) -> DocumentMetadata:
    """Metadata from the first ~3000 characters of an official document.

    Reads "Số: 30/2020/NĐ-CP" (also "Luật số:", "Bộ luật số:"), the type title line in capitals
    ("NGHỊ ĐỊNH", "THÔNG TƯ", ...; else the type implied by the symbol, "V/v" → Công văn), the
    issuer header lines before the number (else the enacting sentence "Chính phủ ban hành ..."),
    "<Nơi>, ngày 05 tháng 3 năm 2020" / "ngày 5/3/2020", and the subject under the type line.
    Decorations, markdown marks, table pipes and both tone-mark styles are tolerated.

    ``text_tail``: optionally the end of the document, for conversions that moved the header table
    to the end (the .md of Nghị định 30/2020): number, issuer, date and place missing from the head
    are taken from it. Nothing is ever guessed: a part that is not written is None.
    """
    head = _extract(_clean_lines(text_head), whole=False)
    number, issuer, issuer_lines = head.number, head.issuer, head.issuer_lines
    issue_date, place = head.issue_date, head.place
    if text_tail and (number is None or issuer is None or issue_date is None):
        tail = _extract(_clean_lines(text_tail), whole=True)
        number = number or tail.number
        if issuer is None and tail.issuer is not None:
            issuer, issuer_lines = tail.issuer, tail.issuer_lines
        if issue_date is None and tail.issue_date is not None:
            issue_date, place = tail.issue_date, tail.place
    if issuer is None:
        issuer = _enacting_issuer(text_head)
        issuer_lines = (issuer,) if issuer else ()
    doc_type = head.doc_type or (doc_type_from_number(number) if number else None)
    return DocumentMetadata(
        number=number,
        doc_type=doc_type,
        issuer=issuer,
        issuer_lines=issuer_lines,
        issue_date=issue_date,
        place=place,
        title=head.title,
    )
