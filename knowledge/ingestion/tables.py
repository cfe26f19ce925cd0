"""The tables of spreadsheets (XLSX sheets, CSV files), kept beside their chunks so that the
analyze_table tool can answer with SQL over them.

The file is read again here rather than rebuilt from the parser's text blocks, which flatten each
row to "Header: value; ..." and lose the types. The header is the first non-empty row; column
names keep their Vietnamese spelling (the SQL quotes them), table names become plain identifiers.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import logging
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction

from knowledge.models import DataTable, Document
from knowledge.parsing import FileKind

log = logging.getLogger(__name__)

MAX_CELLS = 200_000  # per table; a larger one keeps its first rows and is marked truncated
MAX_TABLES = 50  # per document
MAX_COLUMNS = 200
TABLE_KINDS = (FileKind.XLSX, FileKind.CSV)

Value = int | float | str | None


@dataclass
class ExtractedTable:
    name: str
    sheet: str
    columns: list[dict[str, str]]
    rows: list[list[Value]]
    truncated: bool = False
    warnings: list[str] = field(default_factory=list)


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


def _unique(name: str, taken: set[str], *, limit: int = 63) -> str:
    candidate, counter = name[:limit], 2
    while candidate.lower() in taken:
        suffix = f"_{counter}"
        candidate = name[: limit - len(suffix)] + suffix
        counter += 1
    taken.add(candidate.lower())
    return candidate


def _column_names(header: list[Any]) -> list[str]:
    taken: set[str] = set()
    names = []
    for index, cell in enumerate(header, start=1):
        text = unicodedata.normalize("NFC", " ".join(str(cell).split())) if cell is not None else ""
        names.append(_unique(text[:120] or f"cot_{index}", taken, limit=120))
    return names


# --- values and types -----------------------------------------------------------------------------

_PLAIN = re.compile(r"^[-+]?\d+([.,]\d+)?$")
_DOT_GROUPS = re.compile(r"^[-+]?\d{1,3}(\.\d{3})+(,\d+)?$")  # 1.234.567,5 (Vietnamese)
_COMMA_GROUPS = re.compile(r"^[-+]?\d{1,3}(,\d{3})+(\.\d+)?$")  # 1,234,567.5
_DATE_DMY = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")
_DATE_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


def _number(text: str) -> int | float | None:
    text = text.replace(" ", "").replace("\u00a0", "")
    if _DOT_GROUPS.match(text):  # "1.234" is a thousands group here, as Vietnamese writes it
        text = text.replace(".", "").replace(",", ".")
    elif _COMMA_GROUPS.match(text):
        text = text.replace(",", "")
    elif _PLAIN.match(text):  # "1,5" is a decimal comma
        text = text.replace(",", ".")
    else:
        return None
    value = float(text)
    if "." not in text and value.is_integer() and abs(value) < 2**63:
        return int(text)
    return value


def _date(text: str) -> str | None:
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


def _raw(value: Any) -> Any:
    """A cell as openpyxl or csv gives it, cleaned: None for empty."""
    if isinstance(value, str):
        value = unicodedata.normalize("NFC", value.strip())
        return value or None
    return value


def _infer(values: Iterable[Any]) -> str:
    kinds: set[str] = set()
    for value in values:
        if value is None:
            continue
        if isinstance(value, bool):
            kinds.add("text")
        elif isinstance(value, int):
            kinds.add("integer")
        elif isinstance(value, float):
            kinds.add("integer" if value.is_integer() else "number")
        elif isinstance(value, dt.datetime | dt.date):
            kinds.add("date")
        elif isinstance(value, str):
            number = _number(value)
            if number is not None:
                kinds.add("integer" if isinstance(number, int) else "number")
            elif _date(value) is not None:
                kinds.add("date")
            else:
                return "text"
        else:
            return "text"
    if not kinds:
        return "text"
    if kinds <= {"integer"}:
        return "integer"
    if kinds <= {"integer", "number"}:
        return "number"
    if kinds == {"date"}:
        return "date"
    return "text"


def _convert(value: Any, kind: str) -> Value:
    if value is None:
        return None
    if kind in ("integer", "number"):
        number = _number(value) if isinstance(value, str) else value
        if number is None:
            return None
        return int(number) if kind == "integer" else float(number)
    if kind == "date":
        if isinstance(value, dt.datetime):
            return value.date().isoformat()
        if isinstance(value, dt.date):
            return value.isoformat()
        return _date(str(value))
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value)


def build_table(name: str, sheet: str, records: Iterator[list[Any]]) -> ExtractedTable | None:
    """The header is the first non-empty record; None when there is no header."""
    header: list[Any] | None = None
    rows: list[list[Any]] = []
    truncated = False
    cells_so_far = 0
    for record in records:
        cells = [_raw(v) for v in record]
        while cells and cells[-1] is None:
            cells.pop()
        if not cells:
            continue
        if header is None:
            header = cells[:MAX_COLUMNS]
            continue
        cells = cells[:MAX_COLUMNS]
        cells_so_far += max(len(header), len(cells))
        if cells_so_far > MAX_CELLS:
            truncated = True
            break
        rows.append(cells)
    if header is None:
        return None
    # A column with data but no header still counts ("cot_3").
    width = max([len(header), *(len(row) for row in rows)])
    header = header + [None] * (width - len(header))
    rows = [row + [None] * (width - len(row)) for row in rows]
    names = _column_names(header)
    types = [_infer(row[i] for row in rows) for i in range(len(names))]
    converted = [[_convert(value, types[i]) for i, value in enumerate(row)] for row in rows]
    columns = [{"name": n, "type": t} for n, t in zip(names, types, strict=True)]
    return ExtractedTable(name=name, sheet=sheet, columns=columns, rows=converted, truncated=truncated)


# --- files ----------------------------------------------------------------------------------------


def extract_xlsx(path: Path, stem: str) -> list[ExtractedTable]:
    import openpyxl

    workbook = openpyxl.load_workbook(str(path), read_only=True, data_only=True)
    tables: list[ExtractedTable] = []
    taken: set[str] = set()
    try:
        sheets = workbook.worksheets[:MAX_TABLES]
        for sheet in sheets:
            # A workbook of one sheet is named after its file, as a CSV is; several are named by sheet.
            base = safe_identifier(stem if len(sheets) == 1 else str(sheet.title))
            table = build_table(base, str(sheet.title), (list(r) for r in sheet.iter_rows(values_only=True)))
            if table is not None:
                table.name = _unique(table.name, taken)
                tables.append(table)
    finally:
        workbook.close()
    return tables


def extract_csv(path: Path, stem: str) -> list[ExtractedTable]:
    from knowledge.parsing.text import _sniff_dialect, decode_text, read_bytes

    text = decode_text(read_bytes(path))
    dialect = _sniff_dialect(text[:65536])
    table = build_table(safe_identifier(stem), "", iter(csv.reader(io.StringIO(text), dialect)))
    return [table] if table is not None else []


def extract_tables(path: Path, kind: str, stem: str) -> list[ExtractedTable]:
    if kind == FileKind.XLSX:
        return extract_xlsx(path, stem)
    if kind == FileKind.CSV:
        return extract_csv(path, stem)
    return []


def extract_tables_safely(path: Path, kind: str, stem: str) -> list[ExtractedTable] | None:
    """The tables of the file, or None when they cannot be read. Runs in the parsing child
    (knowledge.parsing.isolated), beside the parse of the same untrusted file."""
    if kind not in TABLE_KINDS:
        return []
    try:
        return extract_tables(path, kind, stem)
    except Exception:
        # Deliberately broad: whatever goes wrong here must not fail the document's indexing.
        log.exception("could not extract the tables of %s", stem)
        return None


def save_tables(document: Document, extracted: list[ExtractedTable] | None) -> int:
    """Replaces the document's tables. None (unreadable tables) keeps nothing and fails nothing: the
    tables are an extra and a spreadsheet we cannot tabulate is still indexed as text."""
    if extracted is None:
        return 0
    try:
        with transaction.atomic():
            DataTable.objects.filter(document=document).delete()
            DataTable.objects.bulk_create(
                DataTable(
                    document=document,
                    knowledge_base_id=document.knowledge_base_id,
                    name=table.name,
                    sheet=table.sheet[:200],
                    columns=table.columns,
                    rows=table.rows,
                    row_count=len(table.rows),
                    truncated=table.truncated,
                )
                for table in extracted
            )
        return len(extracted)
    except Exception:
        log.exception("could not store the tables of document %s", document.pk)
        return 0


def store_tables(document: Document, path: Path, kind: str) -> int:
    """Extract and save in this process (both steps above)."""
    return save_tables(document, extract_tables_safely(path, kind, table_stem(document)))


def table_stem(document: Document) -> str:
    return Path(document.filename or document.title).stem
