"""Excel (openpyxl) and PowerPoint (python-pptx) parsing."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from .archive import check_zip, require_member
from .base import (
    BlockKind,
    BlockSink,
    FileKind,
    ParsedDocument,
    ParseLimits,
    clean_line,
    corrupt_error,
    empty_file_error,
    library_error,
    no_text_error,
    rows_to_text,
    too_many_pages_error,
)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return clean_line(str(value))


def parse_xlsx(path: Path, limits: ParseLimits) -> ParsedDocument:
    """Each sheet is a page: a heading with the sheet name, then rows "Header: value; ..."."""
    import openpyxl

    if path.stat().st_size == 0:
        raise empty_file_error()
    names = check_zip(path, FileKind.XLSX, limits)
    require_member(names, "xl/workbook.xml", FileKind.XLSX)
    try:
        workbook = openpyxl.load_workbook(str(path), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for broken packages
        raise library_error(FileKind.XLSX, exc) from exc
    sink = BlockSink(limits)
    try:
        sheets = workbook.worksheets
        if len(sheets) > limits.max_pages:
            raise too_many_pages_error(len(sheets), limits.max_pages)
        for number, sheet in enumerate(sheets, start=1):
            sink.add(str(sheet.title), BlockKind.HEADING, level=1, page=number)
            header: list[str] | None = None
            try:
                rows = sheet.iter_rows(values_only=True)
                for values in rows:
                    cells = [_cell(v) for v in values]
                    while cells and not cells[-1]:
                        cells.pop()
                    if not cells:
                        continue
                    if header is None:
                        header = cells
                        sink.add(" | ".join(c for c in cells if c), BlockKind.ROW, page=number)
                        continue
                    sink.add(rows_to_text(header, cells), BlockKind.ROW, page=number, clean=False)
            except (KeyError, ValueError, TypeError, AttributeError, OSError) as exc:
                raise corrupt_error(FileKind.XLSX, f"sheet {sheet.title!r}: {exc}") from exc
            except Exception as exc:
                if exc.__class__.__name__ in {"XMLSyntaxError", "BadZipFile", "ParseError"}:
                    raise library_error(FileKind.XLSX, exc) from exc
                raise
        page_count = len(sheets)
    finally:
        workbook.close()
    if not any(b.kind == BlockKind.ROW for b in sink.blocks):
        raise no_text_error()
    return ParsedDocument(kind=FileKind.XLSX, blocks=sink.blocks, page_count=max(1, page_count))


# PowerPoint ------------------------------------------------------------------------------


def _shape_blocks(shape: Any, sink: BlockSink, page: int, title_id: int | None) -> None:
    if getattr(shape, "shape_type", None) is not None and hasattr(shape, "shapes"):  # group
        for inner in _ordered(shape.shapes):
            _shape_blocks(inner, sink, page, title_id)
        return
    if getattr(shape, "has_table", False):
        header: list[str] | None = None
        for row in shape.table.rows:
            cells = [clean_line(cell.text) for cell in row.cells]
            if not any(cells):
                continue
            if header is None:
                header = cells
                sink.add(" | ".join(c for c in cells if c), BlockKind.ROW, page=page)
            else:
                sink.add(rows_to_text(header, cells), BlockKind.ROW, page=page, clean=False)
        return
    if not getattr(shape, "has_text_frame", False):
        return
    if title_id is not None and shape.shape_id == title_id:
        sink.add(shape.text_frame.text, BlockKind.HEADING, level=1, page=page)
        return
    for paragraph in shape.text_frame.paragraphs:
        kind = BlockKind.LIST_ITEM if paragraph.level > 0 else BlockKind.PARAGRAPH
        sink.add(paragraph.text, kind, page=page)


def _ordered(shapes: Any) -> list[Any]:
    return sorted(shapes, key=lambda s: ((s.top or 0) // 10000, s.left or 0))


def parse_pptx(path: Path, limits: ParseLimits) -> ParsedDocument:
    """Each slide is a page: its title is a heading, other text frames paragraphs, tables rows."""
    import pptx

    if path.stat().st_size == 0:
        raise empty_file_error()
    names = check_zip(path, FileKind.PPTX, limits)
    require_member(names, "ppt/presentation.xml", FileKind.PPTX)
    try:
        presentation = pptx.Presentation(str(path))
        slides = list(presentation.slides)
    except Exception as exc:  # python-pptx raises many kinds for broken packages
        raise library_error(FileKind.PPTX, exc) from exc
    if len(slides) > limits.max_pages:
        raise too_many_pages_error(len(slides), limits.max_pages)
    sink = BlockSink(limits)
    for number, slide in enumerate(slides, start=1):
        title = slide.shapes.title
        title_id = title.shape_id if title is not None else None
        if title is not None:
            _shape_blocks(title, sink, number, title_id)
        for shape in _ordered(slide.shapes):
            if title_id is not None and shape.shape_id == title_id:
                continue
            _shape_blocks(shape, sink, number, title_id)
        if slide.has_notes_slide:
            notes = slide.notes_slide.notes_text_frame
            if notes is not None:
                for paragraph in notes.paragraphs:
                    sink.add(paragraph.text, BlockKind.PARAGRAPH, page=number)
    if not sink.blocks:
        raise no_text_error()
    return ParsedDocument(kind=FileKind.PPTX, blocks=sink.blocks, page_count=max(1, len(slides)))
