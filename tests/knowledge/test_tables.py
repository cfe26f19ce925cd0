"""Spreadsheets keep their tables: extraction from XLSX and CSV with Vietnamese headers and types,
and the tables written when a spreadsheet is indexed."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from django.db import transaction

from knowledge import services
from knowledge.ingestion import tables
from knowledge.models import DataTable
from tests.factories import World
from tests.knowledge.pipeline_helpers import upload_and_index, use_hash_embedder


def xlsx_bytes(sheets: dict[str, list[list[object]]]) -> bytes:
    import openpyxl

    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


HỒ_SƠ: list[list[object]] = [
    [],
    ["Đơn vị", "Lĩnh vực", "Số hồ sơ", "Tỷ lệ đúng hạn", "Ngày báo cáo"],
    ["Sở Tư pháp", "Hộ tịch", 120, 0.95, dt.datetime(2024, 3, 31)],
    ["Sở Tư pháp", "Công chứng", 80, 0.9, dt.datetime(2024, 3, 31)],
    ["Sở Nội vụ", "Thi đua", 45, 1, dt.datetime(2024, 3, 31)],
]


def test_an_xlsx_sheet_keeps_vietnamese_headers_and_types(tmp_path: Path) -> None:
    path = tmp_path / "bao_cao.xlsx"
    path.write_bytes(xlsx_bytes({"Quý 1": HỒ_SƠ, "Ghi chú": [["Nội dung"], ["Số liệu tạm tính"]]}))

    found = tables.extract_tables(path, "xlsx", "bao_cao")

    assert [t.name for t in found] == ["quy_1", "ghi_chu"]
    first = found[0]
    assert first.sheet == "Quý 1"
    assert first.columns == [
        {"name": "Đơn vị", "type": "text"},
        {"name": "Lĩnh vực", "type": "text"},
        {"name": "Số hồ sơ", "type": "integer"},
        {"name": "Tỷ lệ đúng hạn", "type": "number"},
        {"name": "Ngày báo cáo", "type": "date"},
    ]
    assert first.rows[0] == ["Sở Tư pháp", "Hộ tịch", 120, 0.95, "2024-03-31"]
    assert first.rows[2][3] == 1.0


def test_a_csv_reads_vietnamese_number_formats_and_dates(tmp_path: Path) -> None:
    path = tmp_path / "Chi tiêu 2024.csv"
    path.write_text(
        "Đơn vị;Kinh phí (đồng);Ngày\nXã A;1.250.000;05/01/2024\nXã B;980.500;20/02/2024\nXã C;;\n",
        encoding="utf-8",
    )

    [table] = tables.extract_tables(path, "csv", path.stem)

    assert table.name == "chi_tieu_2024"
    assert [c["type"] for c in table.columns] == ["text", "integer", "date"]
    assert table.rows == [
        ["Xã A", 1250000, "2024-01-05"],
        ["Xã B", 980500, "2024-02-20"],
        ["Xã C", None, None],
    ]


def test_a_column_mixing_numbers_and_words_is_text_and_duplicate_headers_are_renamed(
    tmp_path: Path,
) -> None:
    path = tmp_path / "x.csv"
    path.write_text("Mã,Mã,\n12,a,1\nkhông rõ,b,2\n", encoding="utf-8")

    [table] = tables.extract_tables(path, "csv", "x")

    assert [c["name"] for c in table.columns] == ["Mã", "Mã_2", "cot_3"]
    assert [c["type"] for c in table.columns] == ["text", "text", "integer"]
    assert table.rows[0][0] == "12"


def test_a_large_table_keeps_its_first_rows_and_says_so(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(tables, "MAX_CELLS", 20)
    path = tmp_path / "lon.csv"
    path.write_text("a,b\n" + "".join(f"{i},{i}\n" for i in range(50)), encoding="utf-8")

    [table] = tables.extract_tables(path, "csv", "lon")

    assert table.truncated and len(table.rows) == 10


@pytest.mark.django_db
def test_indexing_a_spreadsheet_stores_its_tables(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    use_hash_embedder(monkeypatch)
    with transaction.atomic():
        kb = services.knowledge_base_create(actor=None, department=world.department, name="Thống kê")
    document = upload_and_index(kb, "Hồ sơ quý 1.xlsx", xlsx_bytes({"Quý 1": HỒ_SƠ}))

    assert document.status == "ready"
    [table] = DataTable.objects.filter(document=document)
    assert table.name == "ho_so_quy_1" and table.knowledge_base_id == kb.pk
    assert table.row_count == 3 and not table.truncated
    assert table.rows[1] == ["Sở Tư pháp", "Công chứng", 80, 0.9, "2024-03-31"]
    # The text chunks are there as before: the tables are an addition.
    assert document.chunks_total > 0


@pytest.mark.django_db
def test_a_table_that_cannot_be_extracted_does_not_fail_indexing(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_hash_embedder(monkeypatch)

    def broken(*args: object) -> list[tables.ExtractedTable]:
        raise RuntimeError("boom")

    monkeypatch.setattr(tables, "extract_tables", broken)
    with transaction.atomic():
        kb = services.knowledge_base_create(actor=None, department=world.department, name="Thống kê")
    document = upload_and_index(kb, "a.csv", "Đơn vị,Số hồ sơ\nA,1\n".encode())

    assert document.status == "ready"
    assert not DataTable.objects.filter(document=document).exists()
