"""How a report-style sheet is laid out, as a provincial office prints it: title rows above a
header band (two rows joined, "Dự toán - Năm 2026"), signature and note rows below the table, and
rows that repeat sums — group rows (I, II), subtotals ("Cộng huyện A"), items that sum their
sub-items, the TỔNG CỘNG row — each given its kind, so that a sum over the detail rows alone is the
true total."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from knowledge.ingestion.table_values import ColumnType, Value, parse_date, parse_number


class RowKind(StrEnum):
    DETAIL = "chi_tiet"
    GROUP = "nhom"  # "I  Huyện A": a heading, often carrying its group's sums
    SUBTOTAL = "cong"  # "Cộng huyện A"
    TOTAL = "tong_cong"  # "TỔNG CỘNG"


# --- the header band ------------------------------------------------------------------------------


def _filled(cells: list[Any]) -> int:
    return sum(1 for v in cells if v is not None)


def _at(cells: list[Any], index: int) -> Any:
    return cells[index] if index < len(cells) else None


def _label_like(value: Any) -> bool:
    """A header cell of a second header row: words, or a year ("2026")."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value).is_integer() and 1900 <= value <= 2100
    if isinstance(value, str):
        return parse_number(value) is None or re.fullmatch(r"(19|20)\d\d", value) is not None
    return False


def _continues_header(top: list[Any], below: list[Any]) -> bool:
    """Whether ``below`` is the second row of a header over two rows with merged cells: it names
    columns under a horizontally merged cell (empty above it) and leaves empty those merged
    vertically (filled above), and holds only labels."""
    width = max(len(top), len(below))
    under_merge = any(_at(top, i) is None and _at(below, i) is not None for i in range(width))
    beside_merge = any(_at(top, i) is not None and _at(below, i) is None for i in range(width))
    return under_merge and beside_merge and all(_label_like(v) for v in below if v is not None)


_NUMBERING_CELL = re.compile(r"^\(?(\d{1,2}|[A-Z])(\s*=.*)?\)?$")


def _numbering_row(cells: list[Any], *, report: bool) -> bool:
    """The row of column numbers printed under a form's header: "A | B | 1 | 2 | 3=1+2"."""
    values = [str(int(v)) if isinstance(v, int | float) else str(v) for v in cells if v is not None]
    matches = [_NUMBERING_CELL.match(v) for v in values]
    if len(values) < 2 or not all(matches):
        return False
    numbers = [int(m.group(1)) for m in matches if m and m.group(1).isdigit()]
    if len(numbers) < 2 or numbers != list(range(numbers[0], numbers[0] + len(numbers))):
        return False
    # A plain table's first row may be 1, 2, 3 too: only a report or a form's marks make it numbering.
    return report or any(not v.isdigit() for v in values)


def _cell_text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(str(value).split())


def _header_names(top: list[Any], below: list[Any] | None) -> list[Any]:
    """One name per column; under a merged cell the two rows are joined: "Dự toán - Năm 2026"."""
    if below is None:
        return top
    names: list[Any] = []
    group: Any = None
    for i in range(max(len(top), len(below))):
        upper, lower = _at(top, i), _at(below, i)
        if upper is not None:
            group = upper if lower is not None else None
        label = upper if upper is not None else group
        parts = [_cell_text(v) for v in (label, lower) if v is not None]
        names.append(" - ".join(parts) if parts else None)
    return names


@dataclass
class HeaderBand:
    titles: list[str]
    names: list[Any]
    size: int  # rows taken by the titles, the header and a numbering row


def header_band(head: list[list[Any]]) -> HeaderBand:
    """Title rows hold one cell (or a few, far fewer than the table's columns); the header is the
    first row that fills at least half as many columns as the widest row."""
    widest = max(_filled(row) for row in head)
    start = 0
    while start < len(head) - 1 and (
        _filled(head[start]) < min(2, widest) or 2 * _filled(head[start]) < widest
    ):
        start += 1
    titles = [_cell_text(v) for row in head[:start] for v in row if v is not None]
    top = head[start]
    below = head[start + 1] if start + 1 < len(head) else None
    if below is not None and not _continues_header(top, below):
        below = None
    size = start + (2 if below is not None else 1)
    if size < len(head) and _numbering_row(head[size], report=bool(titles) or below is not None):
        size += 1
    return HeaderBand(titles=titles, names=_header_names(top, below), size=size)


# --- the footer band ------------------------------------------------------------------------------

# Under a report's table: a note, the place and date, the signers' titles, "(Ký, họ tên)" and names.
_SIGNER = re.compile(
    r"^((người|cán bộ) (lập( biểu| bảng| báo cáo)?|kiểm tra|kiểm soát|duyệt|tổng hợp|soát xét)"
    r"|kế toán( trưởng)?|thủ quỹ|thủ trưởng( đơn vị| cơ quan)?|(tm|kt|tl|tuq|q)\. .+"
    r"|(phó )?(giám đốc|chủ tịch|trưởng phòng|trưởng ban|chánh văn phòng|hiệu trưởng)\b.*"
    r"|xác nhận\b.*|đại diện\b.*|lãnh đạo\b.*)$"
)
_SIGN_HINT = re.compile(r"^\((ký|đã ký)\b.*")  # "(Ký, họ tên)", "(Ký tên, đóng dấu)"
_NOTE = re.compile(r"^[*\-\s]*(ghi chú|lưu ý|chú thích|nơi nhận|nguồn|(số tiền )?bằng chữ)\b")
_DATE_LINE = re.compile(r"\bngày\b.*\btháng\b.*\bnăm\b|,\s*ngày\s+\d{1,2}/\d{1,2}/\d{4}$")
FOOTER_NOTE_CHARS = 200


def _plain_text(text: str) -> str:
    return " ".join(text.lower().split()).strip(" :.")


def _is_datum(value: Any) -> bool:
    """A figure or a date: what a data row holds and a footer row does not."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float | dt.date):
        return True
    return isinstance(value, str) and (
        parse_number(value, "vi") is not None
        or parse_number(value, "en") is not None
        or parse_date(value) is not None
    )


def _footer_line(cells: list[Any]) -> bool:
    for value in cells:
        if isinstance(value, str):
            text = _plain_text(value)
            if _SIGNER.match(text) or _SIGN_HINT.match(text) or _NOTE.match(text) or _DATE_LINE.search(text):
                return True
    return False


def footer_start(rows: list[list[Any]]) -> int:
    """Where the footer band begins (len(rows) when there is none): the first row of notes, date or
    signatures below the last row holding a figure or a date, from which on no row holds one. Left
    in the rows, its words would turn a number column into text ("KẾ TOÁN TRƯỞNG" under a column of
    sums). A table with no figure or date at all keeps every row: nothing marks where its data ends."""
    start = len(rows)
    for i in range(len(rows) - 1, -1, -1):
        if any(_is_datum(v) for v in rows[i]):
            return start
        if _footer_line(rows[i]):
            start = i
    return len(rows)


def footer_notes(rows: list[list[Any]]) -> list[str]:
    """What the footer says, for the table's title: notes and the date as written, each signer as
    "Người lập biểu: Nguyễn Văn An" (the name stands in the title's column, rows below it)."""
    notes: list[str] = []
    signers: dict[int, list[str]] = {}  # column → [title, name…]
    for cells in rows:
        texts = [(i, _cell_text(v)) for i, v in enumerate(cells) if v is not None and _cell_text(v)]
        titles = any(_SIGNER.match(_plain_text(text)) for _, text in texts)
        for i, text in texts:
            if _SIGN_HINT.match(_plain_text(text)):
                continue
            if titles:
                title = text.capitalize() if text.isupper() else text
                if len(signers.get(i, [])) == 1:  # a title over two lines: "KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC"
                    title = f"{signers[i][0]}, {title}"
                signers[i] = [title]
            elif i in signers:
                signers[i].append(text)
            else:
                notes.append(text)
    notes += [
        f"{entry[0]}: {' '.join(entry[1:])}" if len(entry) > 1 else entry[0] for entry in signers.values()
    ]
    return [note[:FOOTER_NOTE_CHARS] for note in notes]


# --- row kinds ------------------------------------------------------------------------------------

_TOTAL = re.compile(r"^(tổng cộng\b.*|tổng số|tổng|cộng chung|toàn tỉnh)$")
# "Cộng huyện A", "Cộng (I)", "Cộng:", but not "Cộng đồng", "Cộng tác viên", "Cộng hòa".
_SUBTOTAL = re.compile(r"^cộng(\s*[:(].*|\s+(?!(đồng|tác|hòa|hoà|sản|sự|hưởng)\b)\S.*)?$")
_ROMAN = re.compile(r"^(?=[IVXLC])C{0,3}(XC|XL|L?X{0,3})(IX|IV|V?I{0,3})$")
_GROUP_MARK = re.compile(r"^([IVXLC]+|[A-Z])([.)](\s*\S.*)?)?$")


def _row_kind(cells: list[Any]) -> RowKind:
    """TOTAL or SUBTOTAL by the row's label; any other row is a detail row until its numbering and
    figures say otherwise (row_kinds)."""
    labels = [v for v in cells[:3] if isinstance(v, str)]
    for label in labels:
        text = " ".join(label.lower().split()).strip(" :.")
        if _TOTAL.match(text):
            return RowKind.TOTAL
        if _SUBTOTAL.match(text):
            return RowKind.SUBTOTAL
    return RowKind.DETAIL


# The numbering of a row's first cell (or of its label when the first cell is empty): "I", "A", "1",
# "1.1", "a)", "-". A report nests them: I > 1 > a) > -, or A > I > 1 > 1.1.
_DOTTED = re.compile(r"^\d{1,3}((?:\.\d{1,3})+)\.?(\s+\S.*)?$")
_ARABIC = re.compile(r"^\d{1,3}[.)]?(\s+\S.*)?$")
_LOWER = re.compile(r"^[a-zđ]([.)](\s*\S.*)?)?$")
_BULLET = re.compile(r"^([-+*•–])")
_NESTS_BARE = ("roman", "upper")  # rows with no numbering may sit directly under these
# Columns whose parent value is not the sum of its sub-items' values.
_NOT_ADDITIVE = re.compile(r"%|tỷ lệ|tỉ lệ|so sánh|bình quân|trung bình|đơn giá|^(stt|tt|số tt|số thứ tự)$")


def _numbering(cells: list[Any], labelled: tuple[bool, bool]) -> tuple[str, str] | None:
    """(style, label) of the row's numbering, or None when it has none. ``labelled``: whether the
    first and second columns hold labels (text, or the first an STT column of whole numbers) rather
    than figures, where "1.250.000" is a number and not item 1.250.000."""
    cell = cells[0] if cells and labelled[0] else None
    if isinstance(cell, int) and not isinstance(cell, bool):
        return ("arabic", str(cell)) if 0 < cell < 1000 else None
    if cells and cells[0] is None and len(cells) > 1 and labelled[1]:
        cell = cells[1]
    if not isinstance(cell, str) or not cell.strip():
        return None
    text = cell.strip()
    if mark := _GROUP_MARK.match(text):
        if len(mark.group(1)) == 1:
            return "letter", mark.group(1)
        if _ROMAN.match(mark.group(1)):
            return "roman", mark.group(1)
    if mark := _DOTTED.match(text):
        return f"dotted{mark.group(1).count('.')}", text
    if _ARABIC.match(text):
        return "arabic", text
    if _LOWER.match(text):
        return "lower", text
    if mark := _BULLET.match(text):
        return f"bullet{mark.group(1)}", text
    return None


def _letter_style(letter: str, open_levels: list[tuple[str, int, str]]) -> str:
    """A lone capital: the next of A, B, C… when that list is open, else a Roman numeral if it is one."""
    if any(style == "upper" and ord(letter) - ord(label[0]) == 1 for style, _, label in open_levels):
        return "upper"
    return "roman" if letter in "IVXLC" else "upper"


def _outline(
    rows: list[list[Any]], kinds: list[RowKind], labelled: tuple[bool, bool]
) -> tuple[list[str | None], dict[int, list[int]]]:
    """Each row's numbering style and each row's sub-items. A numbering of a style not open yet opens
    a level under the row above (a) under 1, "-" under a)); one already open closes the levels below
    it. A row with no numbering closes the levels below the nearest group (I, A) and sits under it;
    a subtotal or total row closes them all."""
    styles: list[str | None] = []
    children: dict[int, list[int]] = {}
    open_levels: list[tuple[str, int, str]] = []  # (style, row, label), outermost first
    for i, row in enumerate(rows):
        if kinds[i] is not RowKind.DETAIL:
            open_levels.clear()
            styles.append(None)
            continue
        numbering = _numbering(row, labelled)
        if numbering is None:
            while open_levels and open_levels[-1][0] not in _NESTS_BARE:
                open_levels.pop()
            if open_levels:
                children.setdefault(open_levels[-1][1], []).append(i)
            styles.append(None)
            continue
        style, label = numbering
        if style == "letter":
            style = _letter_style(label, open_levels)
        level = next((d for d, (s, _, _) in enumerate(open_levels) if s == style), None)
        if level is not None:
            del open_levels[level:]
        if open_levels:
            children.setdefault(open_levels[-1][1], []).append(i)
        open_levels.append((style, i, label))
        styles.append(style)
    return styles, children


def _same_total(value: float, total: float) -> bool:
    """Equal but for rounding: figures rounded each on their own drift by a fraction of a unit."""
    return abs(value - total) <= max(1e-3 * max(abs(value), abs(total)), 1e-9)


def row_kinds(
    rows: list[list[Any]], values: list[list[Value]], types: list[ColumnType], names: list[str]
) -> list[RowKind]:
    """``rows`` as read (for the numbering), ``values`` converted (for the figures)."""
    kinds = [_row_kind(row) for row in rows]
    labelled = (
        bool(types) and types[0].kind in ("text", "integer"),
        len(types) > 1 and types[1].kind == "text",
    )
    styles, children = _outline(rows, kinds, labelled)
    # Column 0 holds the numbering or the labels, never a figure that sums.
    numeric = [i for i, column in enumerate(types) if i > 0 and column.kind in ("integer", "number")]
    additive = [i for i in numeric if not _NOT_ADDITIVE.search(names[i].lower())]

    def under(row: int, column: int) -> float:
        """A row's figure, or when it has none (a heading) the sum of the rows under it."""
        value = values[row][column]
        if isinstance(value, int | float):
            return value
        return sum(under(child, column) for child in children.get(row, []))

    for row, subs in children.items():
        if not any(isinstance(values[row][c], int | float) for c in numeric):
            kinds[row] = RowKind.GROUP  # a heading over its sub-items
            continue
        own = [c for c in additive if isinstance(values[row][c], int | float)]
        sums = bool(own) and all(
            _same_total(float(values[row][c] or 0), sum(under(s, c) for s in subs)) for c in own
        )
        if styles[row] in _NESTS_BARE:
            # "II" always heads a group; a lone letter only when its figures are its group's sums
            # ("A  Hộ nghèo  120" over rows summing to 70 is a row of its own, coded A).
            numbering = _numbering(rows[row], labelled)
            roman = numbering is not None and numbering[0] == "roman"
            kinds[row] = RowKind.GROUP if sums or roman else RowKind.DETAIL
        elif sums:
            kinds[row] = RowKind.SUBTOTAL  # item 1 repeating the sum of its a), b)
    return kinds
