"""Spreadsheet values: column names as SQL identifiers, numbers written the Vietnamese or the
English way (decided per column from all its values), dates, codes with leading zeros kept as text,
and each column's type."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

Value = int | float | str | None

# --- names ----------------------------------------------------------------------------------------


def fold(text: str) -> str:
    """Vietnamese without diacritics: "Đơn vị" → "Don vi"."""
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def safe_identifier(text: str, *, fallback: str = "bang") -> str:
    """A lower-case ASCII identifier that needs no quoting: letters, digits and underscores."""
    name = re.sub(r"[^a-z0-9]+", "_", fold(text).lower()).strip("_")[:50]
    if not name:
        name = fallback
    if name[0].isdigit():
        name = f"t_{name}"
    return name


def unique_name(name: str, taken: set[str], *, limit: int = 63) -> str:
    candidate, counter = name[:limit], 2
    while candidate.lower() in taken:
        suffix = f"_{counter}"
        candidate = name[: limit - len(suffix)] + suffix
        counter += 1
    taken.add(candidate.lower())
    return candidate


def column_names(header: list[Any]) -> list[str]:
    taken: set[str] = set()
    names = []
    for index, cell in enumerate(header, start=1):
        text = unicodedata.normalize("NFC", " ".join(str(cell).split())) if cell is not None else ""
        names.append(unique_name(text[:120] or f"cot_{index}", taken, limit=120))
    return names


# --- values and types -----------------------------------------------------------------------------

# A number's format is decided per column from all its values: "3.125" is 3125 in a column written
# the Vietnamese way ("1.234,5", "12,75") and 3.125 in one written the English way ("2.5", "0.75").
# Only a lone separator before exactly three digits is ambiguous; nothing else says which, and
# Vietnamese wins when no value does.
_VI_ONLY = re.compile(r"^\d{1,3}(\.\d{3})+,\d+$|^\d{1,3}(\.\d{3}){2,}$|^\d+,\d+$")
_EN_ONLY = re.compile(r"^\d{1,3}(,\d{3})+\.\d+$|^\d{1,3}(,\d{3}){2,}$|^\d+\.\d+$")
_AMBIGUOUS = re.compile(r"^[1-9]\d{0,2}[.,]\d{3}$")
_NUMBER = {
    # style: (grouped thousands with an optional decimal part, plain with an optional decimal part)
    "vi": (re.compile(r"^[-+]?\d{1,3}(\.\d{3})+(,\d+)?$"), re.compile(r"^[-+]?\d+(,\d+)?$"), ".", ","),
    "en": (re.compile(r"^[-+]?\d{1,3}(,\d{3})+(\.\d+)?$"), re.compile(r"^[-+]?\d+(\.\d+)?$"), ",", "."),
}
_CODE = re.compile(r"^0\d+$")  # "00004", "0905123456": a code, whose leading zeros are part of it
_DATE_DMY = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")
_DATE_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


def _compact(text: str) -> str:
    return text.replace(" ", "").replace("\u00a0", "")


def parse_number(text: str, style: str = "vi") -> int | float | None:
    grouped, plain, thousands, decimal = _NUMBER[style]
    text = _compact(text)
    if grouped.match(text):
        text = text.replace(thousands, "")
    elif not plain.match(text):
        return None
    text = text.replace(decimal, ".")
    value = float(text)
    if "." not in text and value.is_integer() and abs(value) < 2**63:
        return int(text)
    return value


def _number_styles(texts: Iterable[str]) -> dict[str, str]:
    """The formats the values show without doubt, each with its first example."""
    seen: dict[str, str] = {}
    for text in texts:
        bare = _compact(text).lstrip("+-")
        if _AMBIGUOUS.match(bare):
            continue
        if _VI_ONLY.match(bare):
            seen.setdefault("vi", text)
        elif _EN_ONLY.match(bare):
            seen.setdefault("en", text)
    return seen


def parse_date(text: str) -> str | None:
    match = _DATE_DMY.match(text)
    try:
        if match:
            day, month, year = (int(g) for g in match.groups())
            return dt.date(year, month, day).isoformat()
        match = _DATE_ISO.match(text)
        if match:
            return dt.date(*(int(g) for g in match.groups())).isoformat()
    except ValueError:
        return None
    return None


def raw_value(value: Any) -> Any:
    """A cell as openpyxl or csv gives it, cleaned: None for empty."""
    if isinstance(value, str):
        value = unicodedata.normalize("NFC", value.strip())
        return value or None
    return value


@dataclass
class ColumnType:
    kind: str  # integer | number | date | text
    style: str = "vi"  # how its numbers written as text read
    mixed: list[str] = field(default_factory=list)  # one example of each format, when both appear


def infer_type(values: Iterable[Any]) -> ColumnType:
    present = [v for v in values if v is not None]
    texts = [v for v in present if isinstance(v, str)]
    if any(_CODE.match(_compact(t)) for t in texts):
        return ColumnType("text")
    styles = _number_styles(texts)
    style = "en" if list(styles) == ["en"] else "vi"
    mixed = list(styles.values()) if len(styles) > 1 else []
    kinds: set[str] = set()
    for value in present:
        if isinstance(value, bool):
            kinds.add("text")
        elif isinstance(value, int):
            kinds.add("integer")
        elif isinstance(value, float):
            kinds.add("integer" if value.is_integer() else "number")
        elif isinstance(value, dt.datetime | dt.date):
            kinds.add("date")
        elif isinstance(value, str):
            number = parse_number(value, style)
            if number is not None:
                kinds.add("integer" if isinstance(number, int) else "number")
            elif parse_date(value) is not None:
                kinds.add("date")
            else:
                return ColumnType("text", style, mixed)
        else:
            return ColumnType("text", style, mixed)
    if kinds and kinds <= {"integer"}:
        return ColumnType("integer", style)
    if kinds and kinds <= {"integer", "number"}:
        return ColumnType("number", style)
    if kinds == {"date"}:
        return ColumnType("date", style)
    return ColumnType("text", style, mixed)


def convert_value(value: Any, column: ColumnType) -> Value:
    if value is None:
        return None
    kind = column.kind
    if kind in ("integer", "number"):
        number = parse_number(value, column.style) if isinstance(value, str) else value
        if number is None:
            return None
        return int(number) if kind == "integer" else float(number)
    if kind == "date":
        if isinstance(value, dt.datetime):
            return value.date().isoformat()
        if isinstance(value, dt.date):
            return value.isoformat()
        return parse_date(str(value))
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value)
