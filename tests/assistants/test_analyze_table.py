"""analyze_table: read-only SQL over spreadsheet tables, with Vietnamese headers; everything that is
not a plain query over those tables is refused with a clear message."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction
from django.utils import translation

from assistants.tools import ToolContext, get_kind
from assistants.tools.analyze_table import run_query, tables_for
from knowledge import services
from knowledge.models import KnowledgeBase
from tests.factories import World
from tests.knowledge.pipeline_helpers import upload_and_index, use_hash_embedder
from tests.knowledge.test_tables import xlsx_bytes

pytestmark = pytest.mark.django_db

ROWS: list[list[object]] = [
    ["Đơn vị", "Lĩnh vực", "Số hồ sơ"],
    ["Sở Tư pháp", "Hộ tịch", 120],
    ["Sở Tư pháp", "Công chứng", 80],
    ["Sở Nội vụ", "Thi đua", 45],
    ["UBND xã A", "Hộ tịch", 30],
]


def _kb(world: World, name: str, filename: str, content: bytes) -> KnowledgeBase:
    with transaction.atomic():
        kb = services.knowledge_base_create(actor=None, department=world.department, name=name)
    document = upload_and_index(kb, filename, content)
    assert document.status == "ready", document.failure_reason
    return kb


@pytest.fixture
def kb(world: World, monkeypatch: pytest.MonkeyPatch) -> KnowledgeBase:
    use_hash_embedder(monkeypatch)
    return _kb(world, "Thống kê", "Hồ sơ.xlsx", xlsx_bytes({"Quý 1": ROWS}))


def _run(kb: KnowledgeBase, function: str, arguments: dict[str, Any], **settings: Any) -> Any:
    context = ToolContext(organization_id=kb.organization_id, knowledge_bases=[kb])
    return get_kind("analyze_table").run(function, arguments, settings=settings, secret="", context=context)


def test_list_tables_shows_names_columns_and_row_counts(kb: KnowledgeBase) -> None:
    result = _run(kb, "list_tables", {})

    assert result.status == "succeeded"
    [table] = result.data["untrusted_content"]
    assert table["table"] == "ho_so"
    assert [c["name"] for c in table["columns"]] == ["Đơn vị", "Lĩnh vực", "Số hồ sơ"]
    assert table["row_count"] == 4


def test_totals_and_grouping_with_vietnamese_headers(kb: KnowledgeBase) -> None:
    total = _run(kb, "query_tables", {"sql": 'SELECT SUM("Số hồ sơ") AS "Tổng" FROM ho_so'})
    assert total.status == "succeeded", total.error
    assert total.data["rows"] == [[275]]

    grouped = _run(
        kb,
        "query_tables",
        {
            "sql": 'SELECT "Đơn vị", SUM("Số hồ sơ") AS "Số hồ sơ" FROM ho_so GROUP BY "Đơn vị" '
            "ORDER BY 2 DESC",
            "chart": {"type": "bar", "x": "Đơn vị", "y": "Số hồ sơ", "title": "Hồ sơ theo đơn vị"},
        },
    )

    assert grouped.status == "succeeded", grouped.error
    assert grouped.data["columns"] == ["Đơn vị", "Số hồ sơ"]
    assert grouped.data["rows"] == [["Sở Tư pháp", 200], ["Sở Nội vụ", 45], ["UBND xã A", 30]]
    assert grouped.data["chart"] == {
        "type": "bar",
        "x": "Đơn vị",
        "y": "Số hồ sơ",
        "title": "Hồ sơ theo đơn vị",
        "data": [
            {"x": "Sở Tư pháp", "y": 200},
            {"x": "Sở Nội vụ", "y": 45},
            {"x": "UBND xã A", "y": 30},
        ],
    }
    # The model reads a compact markdown table.
    assert "| Sở Tư pháp | 200 |" in grouped.content


def test_a_chart_on_a_missing_column_is_refused(kb: KnowledgeBase) -> None:
    result = _run(
        kb, "query_tables", {"sql": "SELECT 1 AS a FROM ho_so", "chart": {"type": "pie", "x": "b", "y": "a"}}
    )
    assert result.status == "refused"
    assert "x và y" in result.error


def test_rows_are_cut_at_the_limit(kb: KnowledgeBase) -> None:
    result = _run(kb, "query_tables", {"sql": "SELECT * FROM ho_so"}, max_rows=2)

    assert result.status == "succeeded"
    assert len(result.data["rows"]) == 2 and result.data["truncated"] is True


@pytest.mark.parametrize(
    ("sql", "said"),
    [
        ("SELECT * FROM read_csv('/etc/passwd')", "read_csv"),
        ("SELECT * FROM '/etc/passwd'", "đọc tệp"),
        ("ATTACH '/tmp/x.db' AS x", "SELECT"),
        ("SELECT 1; ATTACH '/tmp/x.db'", "ATTACH"),
        ("INSTALL httpfs", "SELECT"),
        ("LOAD httpfs", "SELECT"),
        ("COPY ho_so TO '/tmp/x.csv'", "SELECT"),
        ("PRAGMA database_list", "SELECT"),
        ("SELECT * FROM pragma_database_list()", "pragma_database_list"),
        ("SELECT * FROM glob('/etc/*')", "glob"),
        ("WITH x AS (SELECT 1) SELECT * FROM x; SET enable_external_access = true", "SET"),
        ("SELECT * FROM duckdb_settings()", "duckdb_settings"),
    ],
)
def test_anything_but_reading_the_tables_is_refused(kb: KnowledgeBase, sql: str, said: str) -> None:
    result = _run(kb, "query_tables", {"sql": sql})

    assert result.status == "refused"
    assert said in result.error
    assert "(" in result.error  # the English reason follows the Vietnamese one


def test_the_engine_itself_refuses_file_access_if_a_check_is_bypassed(
    kb: KnowledgeBase, monkeypatch: pytest.MonkeyPatch
) -> None:
    from assistants.tools import analyze_table

    tables = tables_for(ToolContext(organization_id=kb.organization_id, knowledge_bases=[kb]))
    monkeypatch.setattr(analyze_table, "check_sql", lambda sql: None)

    with pytest.raises(analyze_table.QueryRefused, match="không được truy cập tệp"):
        run_query("SELECT * FROM read_text('/etc/passwd')", tables, time_limit_s=5, max_rows=10)


def test_a_query_running_too_long_is_stopped(kb: KnowledgeBase) -> None:
    sql = "SELECT COUNT(*) FROM range(100000000) a, range(100000000) b"

    result = _run(kb, "query_tables", {"sql": sql}, time_limit_s=0.5)

    assert result.status == "refused"
    assert "0.5 giây" in result.error


def test_tables_of_a_knowledge_base_outside_the_context_are_not_visible(
    world: World, kb: KnowledgeBase
) -> None:
    other = _kb(world, "Khác", "Mật.csv", "Họ tên,Lương\nA,100\n".encode())

    listed = _run(kb, "list_tables", {})
    queried = _run(kb, "query_tables", {"sql": "SELECT * FROM mat"})

    assert [t["table"] for t in listed.data["untrusted_content"]] == ["ho_so"]
    assert queried.status == "refused"
    assert "mat" in queried.error.lower()
    assert other.pk != kb.pk


# --- report-style sheets and large results ---------------------------------------------------------


def test_a_report_sheet_sums_right_over_its_detail_rows(
    world: World, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from tests.knowledge.test_report_tables import TITLE, TRUE_2026, report, write_xlsx

    use_hash_embedder(monkeypatch)
    rows, merges = report()
    content = write_xlsx(tmp_path / "bc.xlsx", rows, merges).read_bytes()
    kb = _kb(world, "Ngân sách", "Báo cáo dự toán 2026.xlsx", content)

    [listed] = _run(kb, "list_tables", {}).data["untrusted_content"]
    assert listed["title"].startswith(TITLE)
    assert listed["columns"][0] == {"name": "loai_dong", "type": "text", "role": "row_kind"}
    assert "loai_dong = 'chi_tiet'" in listed["note"] and "tong_cong" in listed["note"]

    column = '"Dự toán - Năm 2026"'
    naive = _run(kb, "query_tables", {"sql": f"SELECT SUM({column}) FROM bao_cao_du_toan_2026"})
    detail = _run(
        kb,
        "query_tables",
        {"sql": f"SELECT SUM({column}) FROM bao_cao_du_toan_2026 WHERE loai_dong = 'chi_tiet'"},
    )
    stated = _run(
        kb,
        "query_tables",
        {"sql": f"SELECT {column} FROM bao_cao_du_toan_2026 WHERE loai_dong = 'tong_cong'"},
    )

    assert naive.data["rows"][0][0] == pytest.approx(3 * TRUE_2026)
    assert detail.data["rows"][0][0] == pytest.approx(TRUE_2026)
    assert stated.data["rows"][0][0] == pytest.approx(TRUE_2026)
    # The naive query is told that it added subtotal and total rows; the right one is not.
    assert "loai_dong" in naive.content
    assert "loai_dong" not in detail.content.split("|---|")[-1]


def test_a_huge_cell_is_cut_and_the_model_is_told(kb: KnowledgeBase) -> None:
    from assistants.tools.analyze_table import MAX_RESULT_CHARS

    # the asker's interface in English: what the tool tells the model stays in its own language
    with translation.override("en"):
        result = _run(kb, "query_tables", {"sql": "SELECT repeat('x', 20000000) AS s FROM ho_so LIMIT 1"})

    assert result.status == "succeeded", result.error
    assert len(json.dumps(result.data)) < MAX_RESULT_CHARS + 10_000
    assert result.data["truncated"] is True
    assert "cắt" in result.content


def test_a_result_too_large_in_total_keeps_its_first_rows_and_says_so(kb: KnowledgeBase) -> None:
    from assistants.tools.analyze_table import MAX_RESULT_CHARS

    result = _run(
        kb,
        "query_tables",
        {"sql": "SELECT range AS n, repeat('y', 3000) AS s FROM range(10000)"},
        max_rows=10000,
    )

    assert result.status == "succeeded", result.error
    assert len(json.dumps(result.data)) < MAX_RESULT_CHARS + 10_000
    assert 0 < result.data["row_count"] < 10000 and result.data["truncated"] is True
    assert result.data["rows"][0][0] == 0
    assert "GROUP BY" in result.content  # the note says how to ask for less
