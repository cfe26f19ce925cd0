"""Read-only SQL over the tables of the spreadsheets the conversation may use (knowledge.DataTable):
those of the version's knowledge bases and of the files attached to the conversation.

Each query runs in a fresh in-memory DuckDB that holds only those tables and can reach nothing else:
no file or network access (``enable_external_access``), no extension installed or loaded, the
configuration locked before the model's SQL runs. On top of that, a statement is refused before it
runs unless it is one SELECT (or WITH … SELECT) that names no file-reading or catalog function; a
query is interrupted after a time limit and its result cut at a row limit. No model-written code
other than that SQL is run, and no Python at all.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import re
import threading
from dataclasses import dataclass
from typing import Any, TypedDict

from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext as _

from assistants.tools.base import UNTRUSTED_NOTE, ToolContext, ToolKind, ToolResult, register
from knowledge.models import DataTable, DocumentStatus

DEFAULT_TIME_LIMIT_S = 5.0
MAX_TIME_LIMIT_S = 20.0
DEFAULT_MAX_ROWS = 1_000
MAX_ROWS = 10_000
MAX_SQL = 5_000
SHOWN_ROWS = 50  # in the text the model reads; the stored result keeps up to the row limit
MAX_CHART_POINTS = 200
# The stored result (every row up to the row limit, in JSON): one query once returned a 20 MB string,
# which was accepted and stored whole. A longer cell keeps its start; rows past the size are left out.
MAX_RESULT_CHARS = 1_000_000
MAX_CELL_CHARS = 10_000
FETCH_BATCH = 500
CHART_TYPES = ("bar", "line", "pie")
DUCKDB_TYPES = {"integer": "BIGINT", "number": "DOUBLE", "date": "DATE", "text": "VARCHAR"}

# Anything that is not a plain query, and every function that reads files, other databases or the
# engine's own state. The engine refuses most of these anyway (no external access); refusing them
# here first gives the model a clear reason and does not depend on one setting alone.
FORBIDDEN_WORDS = re.compile(
    r"\b(attach|detach|copy|install|load|pragma|export|import|set|reset|call|checkpoint|create|"
    r"insert|update|delete|drop|alter|use|vacuum|summarize|describe|show|truncate|secret)\b"
)
FORBIDDEN_FUNCTIONS = re.compile(
    r"\b(read_\w+|\w+_scan|scan_\w+|glob|pragma_\w+|duckdb_\w+|sniff_csv|parquet_\w+|iceberg_\w+|"
    r"delta_\w+|query|query_table|getenv|current_setting|which_secret|\w+_metadata)\s*\("
)
_LITERALS = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"")
_COMMENTS = re.compile(r"--[^\n]*|/\*.*?\*/", re.DOTALL)

TIME_REFUSAL = (
    "Truy vấn chạy quá {seconds:g} giây nên đã bị dừng; hãy thu hẹp truy vấn. "
    "(The query ran longer than {seconds:g} s and was stopped.)"
)


class Chart(TypedDict):
    type: str
    x: str
    y: str
    title: str
    data: list[dict[str, Any]]


class QueryRefused(ValueError):
    pass


# --- which tables ---------------------------------------------------------------------------------


def tables_for(context: ToolContext) -> dict[str, DataTable]:
    """The tables the conversation may query, by the (unique) name the SQL uses."""
    from assistants.conversations.attachments import attachment_knowledge_base

    base_ids = {kb.pk for kb in context.knowledge_bases}
    if context.conversation_id is not None:
        attached = attachment_knowledge_base(context.conversation_id)
        if attached is not None:
            base_ids.add(attached.pk)
    serving = Q(document__status=DocumentStatus.READY) | Q(document__active_generation__gt=0)
    rows = (
        DataTable.objects.filter(knowledge_base_id__in=base_ids, document__enabled=True)
        .filter(serving)
        .select_related("document")
        .order_by("document_id", "id")
        .defer("rows")
    )
    found: dict[str, DataTable] = {}
    for table in rows:
        name = table.name
        if name.lower() in {n.lower() for n in found}:
            name = f"{table.name}_{table.document_id}"[:63]
        found[name] = table
    return found


def quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


# --- checking and running the SQL -----------------------------------------------------------------


def check_sql(sql: str) -> None:
    """Raises QueryRefused unless ``sql`` is a single read-only query naming no forbidden function."""
    import duckdb

    if len(sql) > MAX_SQL:
        raise QueryRefused(f"Câu SQL dài quá {MAX_SQL} ký tự. (The SQL is too long.)")
    bare = _LITERALS.sub(" '' ", _COMMENTS.sub(" ", sql)).lower()
    if not re.match(r"^\s*\(*\s*(select|with)\b", bare):
        raise QueryRefused(
            "Chỉ được dùng một câu SELECT (hoặc WITH … SELECT). (Only a SELECT query is allowed.)"
        )
    word = FORBIDDEN_WORDS.search(bare)
    if word:
        raise QueryRefused(
            f"Không được dùng “{word.group(1).upper()}”: chỉ đọc các bảng đã cho. "
            "(Only reading the given tables is allowed.)"
        )
    function = FORBIDDEN_FUNCTIONS.search(bare)
    if function:
        raise QueryRefused(
            f"Không được dùng hàm “{function.group(1)}”: không đọc tệp, cơ sở dữ liệu khác hay cấu hình. "
            "(Functions that read files, other databases or settings are not allowed.)"
        )
    if re.search(r"\b(from|join)\s*\(*\s*''", bare):
        raise QueryRefused("Không được đọc tệp. (Reading files is not allowed.)")
    try:
        statements = duckdb.extract_statements(sql)
    except duckdb.Error as error:
        raise QueryRefused(f"Câu SQL không đúng cú pháp: {error}. (Syntax error.)") from None
    if len(statements) != 1:
        raise QueryRefused("Chỉ được chạy đúng một câu SQL. (Exactly one statement is allowed.)")
    if statements[0].type != duckdb.StatementType.SELECT:
        raise QueryRefused("Chỉ được dùng một câu SELECT. (Only a SELECT query is allowed.)")


def _connect() -> Any:
    import duckdb

    return duckdb.connect(
        ":memory:",
        config={
            "enable_external_access": False,
            "autoinstall_known_extensions": False,
            "autoload_known_extensions": False,
            "allow_community_extensions": False,
            "allow_unsigned_extensions": False,
            "threads": 2,
            "memory_limit": "512MB",
        },
    )


def _load(connection: Any, name: str, table: DataTable) -> None:
    """One CREATE TABLE … AS from JSON arrays, one per column: far faster than inserting rows."""
    columns = table.columns
    rows = DataTable.objects.filter(pk=table.pk).values_list("rows", flat=True).first() or []
    if not columns:
        return
    selects = ", ".join(
        f"unnest(from_json(${i}, '[\"{DUCKDB_TYPES.get(c['type'], 'VARCHAR')}\"]')) AS {quote(c['name'])}"
        for i, c in enumerate(columns, start=1)
    )
    values = [
        json.dumps([row[i] if i < len(row) else None for row in rows], ensure_ascii=False)
        for i in range(len(columns))
    ]
    connection.execute(f"CREATE TABLE {quote(name)} AS SELECT {selects}", values)


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if value == value and abs(value) != float("inf") else None
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    return str(value)


@dataclass
class QueryResult:
    columns: list[str]
    rows: list[list[Any]]
    truncated: bool  # more rows than the row limit
    cells_cut: int = 0  # cells longer than MAX_CELL_CHARS, kept only in part
    cut_for_size: bool = False  # rows left out to keep the result under MAX_RESULT_CHARS


def _fetch(cursor: Any, max_rows: int) -> QueryResult:
    """The rows up to the row limit and the size limit, read in batches so that an oversized
    result is never held whole."""
    columns = [d[0] for d in cursor.description or []]
    result = QueryResult(columns=columns, rows=[], truncated=False)
    size = len(json.dumps(columns, ensure_ascii=False))
    while batch := cursor.fetchmany(FETCH_BATCH):
        for fetched in batch:
            if len(result.rows) == max_rows:
                result.truncated = True
                return result
            row = [_plain(v) for v in fetched]
            for i, value in enumerate(row):
                if isinstance(value, str) and len(value) > MAX_CELL_CHARS:
                    row[i] = value[:MAX_CELL_CHARS] + "…"
                    result.cells_cut += 1
            size += len(json.dumps(row, ensure_ascii=False)) + 2
            if size > MAX_RESULT_CHARS and result.rows:
                result.cut_for_size = True
                return result
            result.rows.append(row)
    return result


def run_query(sql: str, tables: dict[str, DataTable], *, time_limit_s: float, max_rows: int) -> QueryResult:
    """Raises QueryRefused for a refused or failed query."""
    import duckdb

    check_sql(sql)
    named = _named(sql, tables)
    connection = _connect()
    timed_out = threading.Event()

    def stop() -> None:
        timed_out.set()
        connection.interrupt()

    try:
        for name in named:  # only the tables the query names are loaded
            _load(connection, name, tables[name])
        connection.execute("SET lock_configuration = true")
        timer = threading.Timer(time_limit_s, stop)
        timer.start()
        try:
            result = _fetch(connection.execute(sql), max_rows)
        finally:
            timer.cancel()
    except duckdb.Error as error:
        if timed_out.is_set() or isinstance(error, duckdb.InterruptException):
            raise QueryRefused(TIME_REFUSAL.format(seconds=time_limit_s)) from None
        if isinstance(error, duckdb.PermissionException):
            raise QueryRefused(
                "Truy vấn bị từ chối: không được truy cập tệp, mạng hay tiện ích mở rộng. "
                "(Refused: no file, network or extension access.)"
            ) from None
        raise QueryRefused(f"Truy vấn lỗi: {str(error)[:500]} (The query failed.)") from None
    finally:
        connection.close()
    return result


# --- charts and text ------------------------------------------------------------------------------


def build_chart(spec: Any, columns: list[str], rows: list[list[Any]]) -> Chart:
    """A chart specification with its data, from the result; raises QueryRefused if it does not fit."""
    if not isinstance(spec, dict):
        raise QueryRefused("'chart' phải là một đối tượng {type, x, y, title}. (chart must be an object.)")
    kind, x, y = spec.get("type"), spec.get("x"), spec.get("y")
    if kind not in CHART_TYPES:
        raise QueryRefused("Loại biểu đồ phải là bar, line hoặc pie. (Chart type: bar, line or pie.)")
    if x not in columns or y not in columns:
        raise QueryRefused(
            f"x và y phải là tên cột của kết quả: {', '.join(columns)}. (x and y must be result columns.)"
        )
    xi, yi = columns.index(x), columns.index(y)
    data = []
    for row in rows[:MAX_CHART_POINTS]:
        value = row[yi]
        if value is not None and not isinstance(value, int | float):
            raise QueryRefused(f"Cột “{y}” không phải là số. (The y column must be numeric.)")
        data.append({"x": row[xi], "y": value})
    return Chart(type=kind, x=x, y=y, title=str(spec.get("title") or "")[:200], data=data)


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        value = int(value) if value.is_integer() and abs(value) < 1e15 else round(value, 6)
    return str(value).replace("|", "\\|").replace("\n", " ")[:200]


def markdown_table(columns: list[str], rows: list[list[Any]]) -> str:
    head = "| " + " | ".join(_cell_text(c) for c in columns) + " |"
    rule = "|" + "---|" * len(columns)
    body = ["| " + " | ".join(_cell_text(v) for v in row) + " |" for row in rows[:SHOWN_ROWS]]
    return "\n".join([head, rule, *body])


# --- what the model is told about a table --------------------------------------------------------


def row_kind_column(table: DataTable) -> str | None:
    """The column that marks group, subtotal and total rows (knowledge.ingestion.tables)."""
    return next((c["name"] for c in table.columns if c.get("role") == "row_kind"), None)


def table_note(table: DataTable) -> str:
    notes = []
    column = row_kind_column(table)
    if column is not None:
        notes.append(
            _(
                "Column %(column)s gives each row's kind: 'chi_tiet' a detail row, 'nhom' a group "
                "heading (I, II…) that may carry its group's sums, 'cong' a subtotal, 'tong_cong' the "
                "sheet's grand total. Sum, count and average only the rows WHERE %(column)s = 'chi_tiet'; "
                "the 'tong_cong' row is there to check the result against."
            )
            % {"column": column}
        )
    for entry in table.columns:
        mixed = entry.get("mixed_formats")
        if mixed:
            notes.append(
                _(
                    "Column “%(column)s” mixes two number formats (%(examples)s), so it is kept as text; "
                    "ask the user which format each value uses before computing with it."
                )
                % {"column": entry["name"], "examples": ", ".join(mixed)}
            )
    return " ".join(notes)


def _named(sql: str, tables: dict[str, DataTable]) -> list[str]:
    """The tables a query names (more or less: a name inside a string literal does not count)."""
    bare = _LITERALS.sub(lambda m: m.group(0) if m.group(0).startswith('"') else "''", sql).lower()
    return [name for name in tables if name.lower() in bare]


def _unfiltered_total_rows(sql: str, tables: dict[str, DataTable]) -> list[str]:
    """A warning for each table read whose subtotal and total rows the query does not filter out."""
    warnings = []
    for name in _named(sql, tables):
        column = row_kind_column(tables[name])
        if column is not None and column.lower() not in sql.lower():
            warnings.append(
                _(
                    "(Table %(table)s has group, subtotal and total rows (column %(column)s) and this "
                    "query does not filter them: a sum counts the same figures several times. "
                    "Add WHERE %(column)s = 'chi_tiet'.)"
                )
                % {"table": name, "column": column}
            )
    return warnings


# --- the tool -------------------------------------------------------------------------------------


def _bounded(value: Any, default: float, low: float, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return default
    return min(max(float(value), low), high)


@register
class AnalyzeTable(ToolKind):
    kind = "analyze_table"
    label = "Phân tích bảng tính"
    description = (
        "Trả lời bằng SQL chỉ đọc (DuckDB) trên các bảng tính (Excel, CSV) trong kho tri thức và tệp "
        "đính kèm của cuộc trò chuyện: tính tổng, đếm, nhóm, sắp xếp; có thể kèm biểu đồ."
    )

    def validate_settings(self, settings: dict[str, Any]) -> dict[str, Any]:
        settings = super().validate_settings(settings)
        cleaned: dict[str, Any] = {}
        if "time_limit_s" in settings:
            cleaned["time_limit_s"] = _bounded(
                settings["time_limit_s"], DEFAULT_TIME_LIMIT_S, 0.1, MAX_TIME_LIMIT_S
            )
        if "max_rows" in settings:
            cleaned["max_rows"] = int(_bounded(settings["max_rows"], DEFAULT_MAX_ROWS, 1, MAX_ROWS))
        return cleaned

    def functions(self, settings: dict[str, Any]) -> list[dict[str, Any]]:
        return [
            {
                "name": "list_tables",
                "description": (
                    "Liệt kê các bảng có thể truy vấn: tên bảng, tiêu đề, các cột (tên, kiểu), số dòng "
                    "và ghi chú (note) cách đọc bảng, ví dụ cột loai_dong đánh dấu dòng cộng, tổng cộng."
                ),
                "parameters": {"type": "object", "properties": {}},
            },
            {
                "name": "query_tables",
                "description": (
                    "Chạy một câu SELECT (DuckDB) trên các bảng của list_tables. Tên cột tiếng Việt phải đặt "
                    'trong dấu nháy kép, ví dụ SELECT "Đơn vị", SUM("Số hồ sơ") FROM bang GROUP BY 1. '
                    "Bảng báo cáo có cột loai_dong: khi tính tổng, đếm, trung bình chỉ lấy các dòng "
                    "WHERE loai_dong = 'chi_tiet' (không cộng dòng nhóm, dòng cộng và dòng tổng cộng). "
                    "Không đọc được tệp hay mạng. Thêm 'chart' để vẽ biểu đồ từ kết quả."
                ),
                "parameters": {
                    "type": "object",
                    "properties": {
                        "sql": {"type": "string", "description": "Một câu SELECT hoặc WITH … SELECT."},
                        "chart": {
                            "type": "object",
                            "description": "Biểu đồ (tuỳ chọn): trục x và y là tên cột của kết quả.",
                            "properties": {
                                "type": {"type": "string", "enum": list(CHART_TYPES)},
                                "x": {"type": "string"},
                                "y": {"type": "string"},
                                "title": {"type": "string"},
                            },
                            "required": ["type", "x", "y"],
                        },
                    },
                    "required": ["sql"],
                },
            },
        ]

    def run(
        self,
        function_name: str,
        arguments: dict[str, Any],
        *,
        settings: dict[str, Any],
        secret: str,
        context: ToolContext,
    ) -> ToolResult:
        # What the tool says goes to the model, in the tool's language (its other messages are
        # Vietnamese), whatever the asker's interface language.
        with translation.override("vi"):
            return self._run(function_name, arguments, settings=settings, context=context)

    def _run(
        self, function_name: str, arguments: dict[str, Any], *, settings: dict[str, Any], context: ToolContext
    ) -> ToolResult:
        tables = tables_for(context)
        if function_name == "list_tables":
            return self._list(tables)
        if function_name != "query_tables":
            return ToolResult.failed(f"Không có hàm '{function_name}'.")
        sql = arguments.get("sql")
        if not isinstance(sql, str) or not sql.strip():
            return ToolResult.failed("Thiếu tham số 'sql' (chuỗi). (Missing 'sql'.)")
        if not tables:
            return ToolResult.failed("Không có bảng tính nào để truy vấn. (No tables are available.)")
        limit = context.seconds_left(settings.get("time_limit_s", DEFAULT_TIME_LIMIT_S))
        max_rows = int(settings.get("max_rows", DEFAULT_MAX_ROWS))
        try:
            result = run_query(sql, tables, time_limit_s=max(limit, 0.1), max_rows=max_rows)
            columns, rows = result.columns, result.rows
            chart = build_chart(arguments["chart"], columns, rows) if arguments.get("chart") else None
        except QueryRefused as error:
            return ToolResult.refused(str(error))
        cut = result.truncated or result.cut_for_size or result.cells_cut > 0
        data = {
            "sql": sql[:MAX_SQL],
            "columns": columns,
            "rows": rows,
            "row_count": len(rows),
            "truncated": cut,
            "chart": chart,
        }
        notes = []
        if len(rows) > SHOWN_ROWS:
            notes.append(f"(Hiển thị {SHOWN_ROWS}/{len(rows)} dòng.)")
        if result.truncated:
            notes.append(f"(Kết quả bị cắt ở {max_rows} dòng.)")
        if result.cut_for_size:
            notes.append(
                _(
                    "(The result was larger than %(limit)s characters: only its first %(rows)s rows are "
                    "kept. Aggregate with GROUP BY, select fewer columns or add LIMIT.)"
                )
                % {"limit": f"{MAX_RESULT_CHARS:,}".replace(",", "."), "rows": len(rows)}
            )
        if result.cells_cut:
            notes.append(
                _("(%(count)s cells longer than %(limit)s characters were cut.)")
                % {"count": result.cells_cut, "limit": f"{MAX_CELL_CHARS:,}".replace(",", ".")}
            )
        notes += _unfiltered_total_rows(sql, tables)
        if chart is not None:
            notes.append("(Biểu đồ đã được tạo và hiển thị cho người dùng.)")
        content = "\n".join([UNTRUSTED_NOTE, markdown_table(columns, rows), *notes])
        summary = f"{len(rows)} dòng" + (" (bị cắt)" if cut else "") + (" + biểu đồ" if chart else "")
        return ToolResult(content=content, summary=summary, data=data)

    def _list(self, tables: dict[str, DataTable]) -> ToolResult:
        listed = []
        for name, table in tables.items():
            entry: dict[str, Any] = {
                "table": name,
                "document": table.document.title,
                "sheet": table.sheet,
                "title": table.title,
                "columns": table.columns,
                "row_count": table.row_count,
                "truncated": table.truncated,
            }
            note = table_note(table)
            if note:
                entry["note"] = note
            listed.append(entry)
        return ToolResult.untrusted({"tables": len(listed)}, listed, f"{len(listed)} bảng")
