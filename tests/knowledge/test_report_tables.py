"""Report-style sheets as a provincial office writes them: title rows above a header over two rows
with merged cells, group rows (I, II), subtotal rows per district and a TỔNG CỘNG row; and numbers
whose format (Vietnamese or English) is decided per column."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from knowledge.ingestion import tables

TITLE = "BÁO CÁO THỰC HIỆN DỰ TOÁN NĂM 2026"
UNIT = "Đơn vị tính: triệu đồng"

# (commune, dự toán 2025, dự toán 2026, thực hiện 2026) per district.
DISTRICTS: dict[str, list[tuple[str, float, float, float]]] = {
    "huyện A": [("Xã A1", 1000.5, 1200, 640.25), ("Xã A2", 2300, 2450.75, 1300)],
    "huyện B": [("Xã B1", 900, 980, 410.5), ("Xã B2", 1500.25, 1620, 800), ("Xã B3", 700, 705.5, 350)],
}
TRUE_2026 = sum(row[2] for rows in DISTRICTS.values() for row in rows)  # 6956.25
TWO_ROW_NAMES = ["STT", "Đơn vị", "Dự toán - Năm 2025", "Dự toán - Năm 2026", "Thực hiện - Năm 2026"]
ONE_ROW_NAMES = ["STT", "Đơn vị", "Dự toán 2025", "Dự toán 2026", "Thực hiện 2026"]


def _vn(value: float) -> str:
    """1234.5 → "1.234,5", as an official types a number into a text cell."""
    whole, _, decimals = f"{value:,.2f}".partition(".")
    decimals = decimals.rstrip("0")
    return whole.replace(",", ".") + ("," + decimals if decimals else "")


def report(
    *,
    titles: int = 2,
    two_row_header: bool = True,
    roman: bool = True,
    total: str = "TỔNG CỘNG",
    as_text: bool = False,
    numbering: bool = False,
) -> tuple[list[list[object]], list[str]]:
    """The sheet's rows and the ranges to merge (A1 style)."""
    rows: list[list[object]] = []
    merges: list[str] = []
    for text in [TITLE, UNIT][:titles]:
        rows.append([text, None, None, None, None])
        merges.append(f"A{len(rows)}:E{len(rows)}")
    if two_row_header:
        rows.append(["STT", "Đơn vị", "Dự toán", None, "Thực hiện"])
        rows.append([None, None, "Năm 2025", "Năm 2026", "Năm 2026"])
        first = len(rows) - 1
        merges += [f"A{first}:A{first + 1}", f"B{first}:B{first + 1}", f"C{first}:D{first}"]
    else:
        rows.append(list(ONE_ROW_NAMES))
    if numbering:  # the column numbers a form prints under its header
        rows.append(["A", "B", 1, 2, "3"])

    def number(value: float) -> object:
        return _vn(value) if as_text else value

    grand = [0.0, 0.0, 0.0]
    for index, (district, communes) in enumerate(DISTRICTS.items()):
        if roman:
            rows.append(["I" if index == 0 else "II", district[0].upper() + district[1:], None, None, None])
        sums = [sum(float(c[i]) for c in communes) for i in (1, 2, 3)]
        for number_in_list, (name, *values) in enumerate(communes, start=1):
            rows.append([number_in_list, name, *(number(float(v)) for v in values)])
        rows.append([None, f"Cộng {district}", *(number(v) for v in sums)])
        grand = [g + s for g, s in zip(grand, sums, strict=True)]
    rows.append([None, total, *(number(v) for v in grand)])
    return rows, merges


def write_xlsx(path: Path, rows: list[list[object]], merges: list[str]) -> Path:
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Báo cáo"
    for row in rows:
        sheet.append(row)
    for cells in merges:
        sheet.merge_cells(cells)
    workbook.save(path)
    return path


def write_csv(path: Path, rows: list[list[object]]) -> Path:
    buffer = io.StringIO()
    csv.writer(buffer).writerows([["" if v is None else v for v in row] for row in rows])
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


def _column(table: tables.ExtractedTable, name: str) -> list[object]:
    index = [c["name"] for c in table.columns].index(name)
    return [row[index] for row in table.rows]


def _detail_sum(table: tables.ExtractedTable, name: str) -> float:
    kinds = _column(table, tables.ROW_KIND_COLUMN)
    return sum(v for v, k in zip(_column(table, name), kinds, strict=True) if k == "chi_tiet" and v)  # type: ignore[misc]


def test_a_report_sheet_is_read_from_its_header_band_with_row_kinds(tmp_path: Path) -> None:
    rows, merges = report()
    [table] = tables.extract_tables(write_xlsx(tmp_path / "bc.xlsx", rows, merges), "xlsx", "bao_cao")

    assert [c["name"] for c in table.columns] == [tables.ROW_KIND_COLUMN, *TWO_ROW_NAMES]
    assert [c["type"] for c in table.columns] == ["text", "text", "text", "number", "number", "number"]
    assert table.columns[0]["role"] == "row_kind"
    assert table.title == f"{TITLE} — {UNIT}"
    assert _column(table, tables.ROW_KIND_COLUMN) == [
        "nhom", "chi_tiet", "chi_tiet", "cong",
        "nhom", "chi_tiet", "chi_tiet", "chi_tiet", "cong",
        "tong_cong",
    ]  # fmt: skip
    assert table.rows[1] == ["chi_tiet", "1", "Xã A1", 1000.5, 1200.0, 640.25]
    naive = sum(v for v in _column(table, "Dự toán - Năm 2026") if v)  # type: ignore[misc]
    assert naive == pytest.approx(3 * TRUE_2026)
    assert _detail_sum(table, "Dự toán - Năm 2026") == pytest.approx(TRUE_2026)
    assert table.rows[-1][4] == pytest.approx(TRUE_2026)  # the sheet's own TỔNG CỘNG agrees


@pytest.mark.parametrize(
    ("titles", "two_row_header", "roman", "total", "as_text", "numbering"),
    [
        (1, True, True, "TỔNG CỘNG", False, False),
        (0, True, True, "TỔNG CỘNG", False, False),
        (2, False, True, "TỔNG CỘNG", False, False),
        (2, True, False, "TỔNG CỘNG", False, False),
        (2, True, True, "Tổng cộng", False, False),
        (2, True, True, "TỔNG CỘNG", True, False),
        (0, False, False, "Tổng cộng:", True, False),
        (1, True, True, "TỔNG CỘNG", False, True),
    ],
    ids=["one-title", "no-title", "one-row-header", "no-group-rows", "lower-case-total",
         "numbers-as-text", "plain-with-total", "column-numbers-row"],
)  # fmt: skip
@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_report_variants_sum_right_over_detail_rows(
    tmp_path: Path,
    kind: str,
    titles: int,
    two_row_header: bool,
    roman: bool,
    total: str,
    as_text: bool,
    numbering: bool,
) -> None:
    rows, merges = report(
        titles=titles,
        two_row_header=two_row_header,
        roman=roman,
        total=total,
        as_text=as_text,
        numbering=numbering,
    )
    path = (
        write_xlsx(tmp_path / "bc.xlsx", rows, merges)
        if kind == "xlsx"
        else write_csv(tmp_path / "bc.csv", rows)
    )

    [table] = tables.extract_tables(path, kind, "bao_cao")

    names = TWO_ROW_NAMES if two_row_header else ONE_ROW_NAMES
    assert [c["name"] for c in table.columns] == [tables.ROW_KIND_COLUMN, *names]
    assert table.title == " — ".join([TITLE, UNIT][:titles])
    kinds = _column(table, tables.ROW_KIND_COLUMN)
    assert kinds.count("cong") == 2 and kinds.count("tong_cong") == 1
    assert kinds.count("nhom") == (2 if roman else 0)
    assert kinds.count("chi_tiet") == 5
    assert table.columns[4]["type"] == "number"
    assert _detail_sum(table, names[3]) == pytest.approx(TRUE_2026)
    assert table.rows[-1][4] == pytest.approx(TRUE_2026)


def test_a_group_row_with_no_rows_under_it_is_a_detail_row(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "x.csv",
        [
            ["STT", "Nội dung", "Số tiền"],
            ["I", "Chi thường xuyên", 100],
            ["II", "Chi đầu tư", 50],
            ["", "Tổng cộng", 150],
        ],
    )

    [table] = tables.extract_tables(path, "csv", "x")

    assert _column(table, tables.ROW_KIND_COLUMN) == ["chi_tiet", "chi_tiet", "tong_cong"]
    assert _detail_sum(table, "Số tiền") == 150


def test_a_plain_table_gets_no_row_kind_column(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "x.csv",
        [["Đơn vị", "Ghi chú", "Số"], ["Cộng đồng dân cư thôn 3", "Tổng hợp", 4], ["Xã A", "", 5]],
    )

    [table] = tables.extract_tables(path, "csv", "x")

    assert [c["name"] for c in table.columns] == ["Đơn vị", "Ghi chú", "Số"]
    assert table.title == ""


# --- numbers ---------------------------------------------------------------------------------------


def _csv_column(tmp_path: Path, header: str, values: list[str]) -> tuple[str, list[object]]:
    path = tmp_path / "so.csv"
    path.write_text(header + "\n" + "".join(f'"{v}"\n' for v in values), encoding="utf-8")
    [table] = tables.extract_tables(path, "csv", "so")
    return table.columns[0]["type"], [row[0] for row in table.rows]


@pytest.mark.parametrize(
    ("values", "kind", "read"),
    [
        # English decimals: "3.125" is three and an eighth, not 3125.
        (["2.5", "3.125", "0.75"], "number", [2.5, 3.125, 0.75]),
        (["1,234.5", "3,125", "12.75"], "number", [1234.5, 3125.0, 12.75]),
        # Vietnamese: "." groups thousands and "," is the decimal mark, for every value of the column.
        (["1.234,5", "12,75", "3.125"], "number", [1234.5, 12.75, 3125.0]),
        (["1.250.000", "980.500", "3,125"], "number", [1250000.0, 980500.0, 3.125]),
        # Nothing says which: Vietnamese, as the office writes.
        (["1.250", "3.125"], "integer", [1250, 3125]),
    ],
)
def test_the_number_format_is_decided_per_column(
    tmp_path: Path, values: list[str], kind: str, read: list[object]
) -> None:
    assert _csv_column(tmp_path, "Giá trị", values) == (kind, read)


def test_a_column_mixing_both_number_formats_stays_text_and_says_why(tmp_path: Path) -> None:
    path = tmp_path / "so.csv"
    path.write_text('Giá trị\n"1.234,5"\n"2.5"\n', encoding="utf-8")

    [table] = tables.extract_tables(path, "csv", "so")

    assert table.columns[0]["type"] == "text"
    assert table.columns[0]["mixed_formats"] == ["1.234,5", "2.5"]  # list_tables tells the model
    assert [row[0] for row in table.rows] == ["1.234,5", "2.5"]


@pytest.mark.parametrize(
    ("header", "values"),
    [
        ("Mã số", ["00004", "00012", "10023"]),
        ("Số điện thoại", ["0905123456", "0269382111"]),
        ("Mã xã", ["23560", "0"]),  # no leading zero: a plain number column (controls the two above)
    ],
)
def test_codes_with_leading_zeros_stay_text(tmp_path: Path, header: str, values: list[str]) -> None:
    kind, read = _csv_column(tmp_path, header, values)

    if header == "Mã xã":
        assert (kind, read) == ("integer", [23560, 0])
    else:
        assert (kind, read) == ("text", values)


def test_codes_typed_as_text_in_an_xlsx_stay_text(tmp_path: Path) -> None:
    rows: list[list[object]] = [["Mã số", "Số hồ sơ"], ["00004", 3], ["00120", 5]]
    [table] = tables.extract_tables(write_xlsx(tmp_path / "m.xlsx", rows, []), "xlsx", "m")

    assert table.columns == [{"name": "Mã số", "type": "text"}, {"name": "Số hồ sơ", "type": "integer"}]
    assert table.rows == [["00004", 3], ["00120", 5]]


# --- the footer band: notes, date and signatures under the table ---------------------------------

FOOTER: list[list[object]] = [
    [None, "Ghi chú: Số liệu tính đến ngày 30/11/2026", None, None, None],
    [None, None, None, "Gia Lai, ngày 05 tháng 12 năm 2026", None],
    [None, "NGƯỜI LẬP BIỂU", None, "KẾ TOÁN TRƯỞNG", "KT. THỦ TRƯỞNG ĐƠN VỊ"],
    [None, None, None, None, "PHÓ GIÁM ĐỐC"],
    [None, "(Ký, họ tên)", None, "(Ký, họ tên)", "(Ký tên, đóng dấu)"],
    [None, None, None, None, None],
    [None, "Nguyễn Văn An", None, "Trần Thị Bình", "Lê Văn Cường"],
]


@pytest.mark.parametrize("with_total", [True, False], ids=["after-total", "after-last-data-row"])
@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_signature_and_note_rows_under_a_report_are_left_out_of_its_rows(
    tmp_path: Path, kind: str, with_total: bool
) -> None:
    rows, merges = report(as_text=kind == "csv")
    if not with_total:
        rows = rows[:-1]
    rows += FOOTER
    path = (
        write_xlsx(tmp_path / "bc.xlsx", rows, merges)
        if kind == "xlsx"
        else write_csv(tmp_path / "bc.csv", rows)
    )

    [table] = tables.extract_tables(path, kind, "bao_cao")

    assert [c["type"] for c in table.columns] == ["text", "text", "text", "number", "number", "number"]
    assert len(table.rows) == (10 if with_total else 9)
    assert _detail_sum(table, "Dự toán - Năm 2026") == pytest.approx(TRUE_2026)
    assert not any("Nguyễn Văn An" in str(row) or "Ký" in str(row) for row in table.rows)
    assert table.title.startswith(f"{TITLE} — {UNIT}")
    for note in (
        "Ghi chú: Số liệu tính đến ngày 30/11/2026",
        "Gia Lai, ngày 05 tháng 12 năm 2026",
        "Người lập biểu: Nguyễn Văn An",
        "Kế toán trưởng: Trần Thị Bình",
        "Kt. thủ trưởng đơn vị, Phó giám đốc: Lê Văn Cường",
    ):
        assert note in table.title
    assert "(Ký" not in table.title


def test_a_plain_table_drops_its_signature_rows_but_keeps_a_data_row_that_mentions_a_note(
    tmp_path: Path,
) -> None:
    rows: list[list[object]] = [
        ["Xã", "Ghi chú", "Số hộ"],
        ["Xã A", "", 120],
        ["Ghi chú: xã mới thành lập", "", 45],  # it has a figure: a data row, not the footer
        ["", "", ""],
        ["", "Người lập", "Thủ trưởng cơ quan"],
        ["", "Phạm Thị Dung", "Võ Văn Em"],
    ]
    [table] = tables.extract_tables(write_csv(tmp_path / "x.csv", rows), "csv", "x")

    assert table.columns[2] == {"name": "Số hộ", "type": "integer"}
    assert table.rows == [["Xã A", None, 120], ["Ghi chú: xã mới thành lập", None, 45]]
    assert "Người lập: Phạm Thị Dung" in table.title
    assert "Thủ trưởng cơ quan: Võ Văn Em" in table.title


# --- nested numbering ----------------------------------------------------------------------------


def _nested(sub: tuple[str, str], first_item: tuple[float, float]) -> list[list[object]]:
    """Items 1 and 2 of district I, item 1 with two sub-items marked ``sub``; a TỔNG CỘNG row."""
    rows: list[list[object]] = [
        ["STT", "Nội dung", "Dự toán", "Thực hiện", "Tỷ lệ (%)"],
        ["I", "Huyện A", None, None, None],
        [1, "Xã A1", *first_item, 50],
        [sub[0], "Thôn 1", 600.25, 300, 50],
        [sub[1], "Thôn 2", 400.3, 200, 50],  # 1000.55 in all: item 1's 1000.5 is rounded
        [2, "Xã A2", 500, 250, 50],
        [None, "Tổng cộng", 1500.55, 750, 50],
    ]
    if sub[0].startswith("- "):  # a bullet written into the name column
        for row in rows[3:5]:
            row[0], row[1] = None, f"{row[0]}{row[1]}"
    return rows


SUB_MARKS = [("a)", "b)"), ("1.1", "1.2"), ("-", "-"), ("- ", "- ")]


@pytest.mark.parametrize("sub", SUB_MARKS, ids=["letters", "dotted", "dashes", "inline-dashes"])
@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_an_item_that_sums_its_sub_items_is_a_subtotal(
    tmp_path: Path, kind: str, sub: tuple[str, str]
) -> None:
    rows = _nested(sub, (1000.5, 500))
    path = (
        write_xlsx(tmp_path / "n.xlsx", rows, []) if kind == "xlsx" else write_csv(tmp_path / "n.csv", rows)
    )

    [table] = tables.extract_tables(path, kind, "n")

    assert _column(table, tables.ROW_KIND_COLUMN) == [
        "nhom", "cong", "chi_tiet", "chi_tiet", "chi_tiet", "tong_cong"
    ]  # fmt: skip
    assert _detail_sum(table, "Dự toán") == pytest.approx(1500.55)
    assert _detail_sum(table, "Thực hiện") == 750


@pytest.mark.parametrize("sub", SUB_MARKS, ids=["letters", "dotted", "dashes", "inline-dashes"])
def test_an_item_whose_figures_are_not_its_sub_items_sum_stays_a_detail_row(
    tmp_path: Path, sub: tuple[str, str]
) -> None:
    rows = _nested(sub, (1800, 900))  # "trong đó": the sub-items are only part of it
    [table] = tables.extract_tables(write_xlsx(tmp_path / "n.xlsx", rows, []), "xlsx", "n")

    assert _column(table, tables.ROW_KIND_COLUMN) == [
        "nhom", "chi_tiet", "chi_tiet", "chi_tiet", "chi_tiet", "tong_cong"
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("own", "kind"),
    [((None, None), "nhom"), ((70, 7), "nhom"), ((70.05, 7), "nhom"), ((120, 12), "chi_tiet")],
    ids=["no-figures", "sum-of-rows-under", "rounded-sum", "its-own-figures"],
)
def test_a_single_letter_row_is_a_group_only_when_its_figures_sum_the_rows_under_it(
    tmp_path: Path, own: tuple[float | None, float | None], kind: str
) -> None:
    rows: list[list[object]] = [
        ["Mã", "Nội dung", "Số hộ", "Số khẩu"],
        ["A", "Hộ nghèo", *own],
        [1, "Xã A1", 30, 3],
        [2, "Xã A2", 40, 4],
        ["B", "Hộ cận nghèo", 80, 8],
        [1, "Xã A1", 50, 5],
        [2, "Xã A2", 30, 3],
    ]
    [table] = tables.extract_tables(write_xlsx(tmp_path / "h.xlsx", rows, []), "xlsx", "h")

    kinds = _column(table, tables.ROW_KIND_COLUMN)
    assert kinds == [kind, "chi_tiet", "chi_tiet", "nhom", "chi_tiet", "chi_tiet"]
    expected = 150 + ((own[0] or 0) if kind == "chi_tiet" else 0)
    assert _detail_sum(table, "Số hộ") == expected
