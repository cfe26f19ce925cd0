"""The tables of spreadsheets (XLSX sheets, CSV files), kept beside their chunks so that the
analyze_table tool can answer with SQL over them.

The file is read again here rather than rebuilt from the parser's text blocks, which flatten each
row to "Header: value; ..." and lose the types. Column names keep their Vietnamese spelling (the SQL
quotes them), table names become plain identifiers.

Sheets are often written as a report is printed: title rows above a header over two rows with merged
cells, group rows (I, II), a subtotal per district and a TỔNG CỘNG row. The header band is found
below the title rows and its two rows joined ("Dự toán - Năm 2026"); rows that repeat sums get a kind
in an added column (``loai_dong``) so that a sum over the detail rows alone is the true total
(report_layout.py). The values' types are decided per column (table_values.py).
"""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any

from django.db import transaction

from knowledge.ingestion.report_layout import RowKind, footer_notes, footer_start, header_band, row_kinds
from knowledge.ingestion.table_values import (
    Value,
    column_names,
    convert_value,
    infer_type,
    raw_value,
    safe_identifier,
    unique_name,
)
from knowledge.models import DataTable, Document
from knowledge.parsing import FileKind

log = logging.getLogger(__name__)

MAX_CELLS = 200_000  # per table; a larger one keeps its first rows and is marked truncated
MAX_TABLES = 50  # per document
MAX_COLUMNS = 200
TABLE_KINDS = (FileKind.XLSX, FileKind.CSV)
HEAD_SCAN = 12  # rows read to find the header band below any title rows
ROW_KIND_COLUMN = "loai_dong"


@dataclass
class ExtractedTable:
    name: str
    sheet: str
    columns: list[dict[str, Any]]
    rows: list[list[Value]]
    truncated: bool = False
    warnings: list[str] = field(default_factory=list)
    title: str = ""  # the sheet's title rows, then its footer's notes, date and signers, joined


def build_table(name: str, sheet: str, records: Iterator[list[Any]]) -> ExtractedTable | None:
    """The table below the header band; None when the sheet is empty."""
    lines = (cells for cells in (_trimmed(record) for record in records) if cells)
    head = list(islice(lines, HEAD_SCAN))
    if not head:
        return None
    band = header_band(head)
    rows: list[list[Any]] = []
    truncated = False
    cells_so_far = 0
    for cells in _chain(head[band.size :], lines):
        cells = cells[:MAX_COLUMNS]
        cells_so_far += max(len(band.names), len(cells))
        if cells_so_far > MAX_CELLS:
            truncated = True
            break
        rows.append(cells)
    footer = footer_start(rows)
    notes = footer_notes(rows[footer:])
    rows = rows[:footer]
    header = band.names[:MAX_COLUMNS]
    # A column with data but no header still counts ("cot_3").
    width = max([len(header), *(len(row) for row in rows)])
    header = header + [None] * (width - len(header))
    rows = [row + [None] * (width - len(row)) for row in rows]
    names = column_names(header)
    types = [infer_type(row[i] for row in rows) for i in range(len(names))]
    converted = [[convert_value(value, types[i]) for i, value in enumerate(row)] for row in rows]
    columns: list[dict[str, Any]] = []
    for column_name, column in zip(names, types, strict=True):
        entry: dict[str, Any] = {"name": column_name, "type": column.kind}
        if column.mixed:
            entry["mixed_formats"] = column.mixed
        columns.append(entry)
    kinds = row_kinds(rows, converted, types, names)
    if any(kind is not RowKind.DETAIL for kind in kinds):
        kind_name = unique_name(ROW_KIND_COLUMN, {n.lower() for n in names})
        columns.insert(0, {"name": kind_name, "type": "text", "role": "row_kind"})
        converted = [[str(kind), *row] for kind, row in zip(kinds, converted, strict=True)]
    return ExtractedTable(
        name=name,
        sheet=sheet,
        columns=columns,
        rows=converted,
        truncated=truncated,
        title=" — ".join([*band.titles, *notes])[:500],
    )


def _trimmed(record: list[Any]) -> list[Any]:
    cells = [raw_value(v) for v in record]
    while cells and cells[-1] is None:
        cells.pop()
    return cells


def _chain(first: list[list[Any]], rest: Iterator[list[Any]]) -> Iterator[list[Any]]:
    yield from first
    yield from rest


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
                table.name = unique_name(table.name, taken)
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
                    title=table.title[:500],
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
