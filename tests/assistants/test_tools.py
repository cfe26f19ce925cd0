"""The tool kinds as a model would call them through bind_tools: calculator, date and time, knowledge
search over a real (tiny) knowledge base, and HTTP actions against a server started on 127.0.0.1."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from django.db import connection, transaction

from assistants.tools import UNTRUSTED_NOTE, BoundTool, ToolContext, bind_tools, get_kind, import_openapi
from assistants.tools.calculator import CalculationError, evaluate
from bureau.exceptions import ValidationFailed
from bureau.security.crypto import encrypt_secret
from knowledge import services as knowledge_services
from tests.factories import World
from tests.knowledge.pipeline_helpers import upload_and_index, use_hash_embedder
from tests.security.test_url_guard import INJECTION, LOOPBACK_FOR_TESTS, LocalServer, fake_dns, serve_locally

NOW = datetime(2026, 11, 25, 2, 30, tzinfo=UTC)  # 09:30 in Ha Noi, a Wednesday


@pytest.fixture
def local_server() -> Iterator[LocalServer]:
    with serve_locally() as server:
        yield server


def context(**values: Any) -> ToolContext:
    values.setdefault("now", NOW)
    return ToolContext(organization_id=1, knowledge_bases=values.pop("knowledge_bases", []), **values)


def bind_one(tool: dict[str, Any], ctx: ToolContext | None = None, **options: Any) -> BoundTool:
    [bound] = bind_tools([tool], ctx or context(), **options)
    return bound


# --- calculator ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("2 + 3 * 4", 14),
        ("(1 + 2) ** 3", 27),
        ("10 / 4", 2.5),
        ("7 // 2", 3),
        ("7 % 3", 1),
        ("-3 + +5", 2),
        ("sqrt(16)", 4),
        ("round(3.14159, 2)", 3.14),
        ("max(1, 5, 3) - min(4, 2)", 3),
        ("abs(-7)", 7),
        ("percent(200, 15)", 30),
        ("percent_of(30, 200)", 15),
        ("percent_change(80, 100)", 25),
        ("1,5 * 2", 3),
        ("2 × 3 ÷ 4", 1.5),
        ("1200000 * 12 * 0.105", 1512000),
    ],
)
def test_calculator_computes(expression: str, expected: float) -> None:
    assert evaluate(expression) == pytest.approx(expected)


@pytest.mark.parametrize(
    "expression",
    [
        "__import__('os')",
        "__import__('os').system('id')",
        "os.system('id')",
        "x + 1",
        "(1).real",
        "[1, 2][0]",
        "'a' * 3",
        "True + 1",
        "(lambda: 1)()",
        "9 ** 9 ** 9",
        "10 ** 100000",
        "2 ** 40000",
        "2 ^ 3",
        "1 / 0",
        "sqrt(-1)",
        "max(x=1)",
        "1e308 * 10",
        "-" * 100 + "1",
        "",
    ],
)
def test_calculator_refuses(expression: str) -> None:
    with pytest.raises(CalculationError):
        evaluate(expression)


def test_calculator_tool_through_bind_tools() -> None:
    tool = bind_one({"kind": "calculator", "name": "may_tinh", "settings": {}})
    assert tool.function_name == "may_tinh" and tool.schema["type"] == "function"
    assert tool.schema["function"]["name"] == "may_tinh"
    result = tool.run({"expression": "(2 + 3) * 4"})
    assert result.status == "succeeded" and json.loads(result.content)["result"] == 20
    refused = tool.run({"expression": "__import__('os').system('id')"})
    assert refused.status == "failed" and "Không tính được" in refused.error


# --- date and time ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "weekday"),
    [
        ("2026-11-25", "Thứ Tư"),
        ("2026-11-29", "Chủ nhật"),
        ("2024-02-29", "Thứ Năm"),
        ("2/9/2026", "Thứ Tư"),
        ("2026-11-28", "Thứ Bảy"),
        ("2026-11-23", "Thứ Hai"),
    ],
)
def test_weekday_of_a_date(day: str, weekday: str) -> None:
    tool = bind_one({"kind": "current_datetime", "name": "ngay_gio", "settings": {}})
    data = tool.run({"date": day}).data
    assert data["weekday"] == weekday and data["date_vi"].startswith(weekday + ", ngày ")


def test_now_is_in_ho_chi_minh_time_with_the_vietnamese_date() -> None:
    tool = {"kind": "current_datetime", "name": "ngay_gio", "settings": {}}
    late_utc = datetime(2026, 11, 24, 20, 0, tzinfo=UTC)  # already the 25th in Viet Nam
    result = bind_one(tool, context(now=late_utc)).run({})
    assert result.status == "succeeded"
    assert result.data["date_vi"] == "Thứ Tư, ngày 25 tháng 11 năm 2026"
    assert result.data["iso"] == "2026-11-25T03:00:00+07:00"
    assert bind_one(tool).run({"date": "31/02/2026"}).status == "failed"


# --- knowledge search ---------------------------------------------------------------------------------


def test_knowledge_search_returns_passages_as_data_with_citations(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_hash_embedder(monkeypatch)
    with transaction.atomic():
        kb = knowledge_services.knowledge_base_create(
            actor=None, department=world.department, name="Quy trình"
        )
    text = (
        "# Cấp giấy phép xây dựng\n\n"
        "Thời hạn giải quyết hồ sơ cấp giấy phép xây dựng là 15 ngày làm việc.\n\n"
        f"# Ghi chú\n\n{INJECTION}.\n"
    )
    upload_and_index(kb, "quy_trinh.md", text.encode())
    tool = bind_one(
        {"kind": "knowledge_search", "name": "tra_cuu", "settings": {"top_k": 3}},
        context(knowledge_bases=[kb]),
    )
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        before = cursor.fetchone()
        result = tool.run({"query": "thời hạn cấp giấy phép xây dựng"})
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone() == before  # the tool's own time limit does not outlive the call
    assert result.status == "succeeded" and result.citations
    assert result.citations[0].document_title and result.citations[0].knowledge_base_id == kb.pk
    payload = json.loads(result.content)
    assert payload["note"] == UNTRUSTED_NOTE
    passages = payload["untrusted_content"]
    assert passages[0]["n"] == 1 and "15 ngày làm việc" in " ".join(p["text"] for p in passages)
    # The instruction in the document is data: it sits inside untrusted_content and nowhere else.
    injected = bind_one(
        {"kind": "knowledge_search", "name": "tra_cuu", "settings": {}}, context(knowledge_bases=[kb])
    )
    found = json.loads(injected.run({"query": "ignore your instructions evil.example"}).content)
    assert any(INJECTION in p["text"] for p in found["untrusted_content"])
    assert INJECTION not in json.dumps({k: v for k, v in found.items() if k != "untrusted_content"})


def test_knowledge_search_without_knowledge_bases_fails_politely() -> None:
    result = bind_one({"kind": "knowledge_search", "name": "tra_cuu", "settings": {}}).run({"query": "x"})
    assert result.status == "failed" and "kho tri thức" in result.error


# --- HTTP actions -------------------------------------------------------------------------------------


def document(server: str) -> dict[str, Any]:
    item = {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}
    return {
        "openapi": "3.0.3",
        "info": {"title": "Hồ sơ", "version": "1"},
        "servers": [{"url": server}],
        "paths": {
            "/items/{id}": {
                "parameters": [{"$ref": "#/components/parameters/ItemId"}],
                "get": {
                    "operationId": "getItem",
                    "summary": "Xem hồ sơ",
                    "parameters": [{"name": "q", "in": "query", "schema": {"type": "string"}}],
                },
            },
            "/items": {
                "post": {
                    "operationId": "createItem",
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Item"}}},
                    },
                }
            },
            "/inject": {"get": {"operationId": "notice"}},
            "/big": {"get": {"operationId": "big"}},
            "/slow": {"get": {"operationId": "slow"}},
            "/redirect": {
                "get": {"operationId": "jump", "parameters": [{"name": "to", "in": "query", "schema": {}}]}
            },
        },
        "components": {
            "parameters": {"ItemId": item},
            "schemas": {"Item": {"type": "object", "properties": {"title": {"type": "string"}}}},
        },
    }


def action(server: str, allowed: list[str], **settings: Any) -> dict[str, Any]:
    secret = settings.pop("secret", "")
    tool: dict[str, Any] = {
        "kind": "http_action",
        "name": "ho_so",
        "settings": {"openapi": document(server), "allowed_hosts": allowed, **settings},
    }
    if secret:
        tool["secret_encrypted"] = encrypt_secret(secret)
    return tool


def functions(tool: dict[str, Any], **options: Any) -> dict[str, BoundTool]:
    return {b.function_name: b for b in bind_tools([tool], context(), **options)}


def test_each_operation_becomes_a_prefixed_function(local_server: LocalServer) -> None:
    bound = functions(action(local_server.base + "/api", ["127.0.0.1"]))
    assert {"ho_so__getItem", "ho_so__createItem", "ho_so__notice"} <= set(bound)
    schema = bound["ho_so__getItem"].schema["function"]["parameters"]
    assert set(schema["properties"]) == {"id", "q"} and schema["required"] == ["id"]
    body = bound["ho_so__createItem"].schema["function"]["parameters"]
    assert body["properties"]["body"]["properties"]["title"] == {"type": "string"}
    preview = import_openapi(json.dumps(document("https://api.example.org/v1")))
    assert preview[0]["url"] == "https://api.example.org/v1/items/{id}"


@LOOPBACK_FOR_TESTS
def test_http_action_calls_the_operation_on_the_allowed_server(local_server: LocalServer) -> None:
    bound = functions(action(local_server.base + "/api", ["127.0.0.1"]))
    result = bound["ho_so__getItem"].run({"id": "42", "q": "giấy phép"})
    assert result.status == "succeeded", result.error
    assert local_server.received[-1].path == "/api/items/42?q=gi%E1%BA%A5y+ph%C3%A9p"
    created = bound["ho_so__createItem"].run({"body": {"title": "Mới"}})
    assert created.status == "succeeded" and json.loads(local_server.received[-1].body) == {"title": "Mới"}
    assert json.loads(result.content)["untrusted_content"]["method"] == "GET"
    assert result.duration_ms >= 0 and "HTTP 200" in result.summary


@LOOPBACK_FOR_TESTS
@pytest.mark.parametrize(
    ("auth", "header", "expected"),
    [
        ({"type": "bearer"}, "Authorization", "Bearer s3cr3t-value"),
        ({"type": "api_key", "header": "X-API-Key"}, "X-API-Key", "s3cr3t-value"),
    ],
)
def test_the_encrypted_secret_goes_into_the_auth_header(
    local_server: LocalServer, auth: dict[str, str], header: str, expected: str
) -> None:
    tool = action(local_server.base + "/api", ["127.0.0.1"], auth=auth, secret="s3cr3t-value")
    assert "s3cr3t-value" not in json.dumps(tool)  # stored encrypted
    result = functions(tool)["ho_so__getItem"].run({"id": "1"})
    assert result.status == "succeeded"
    assert local_server.received[-1].headers[header] == expected
    assert "s3cr3t-value" not in json.dumps([result.content, result.summary, result.data, result.error])


@LOOPBACK_FOR_TESTS
def test_api_key_in_the_query_and_a_missing_secret(local_server: LocalServer) -> None:
    tool = action(
        local_server.base + "/api", ["127.0.0.1"], auth={"type": "api_key", "in": "query", "name": "key"}
    )
    assert functions(tool)["ho_so__getItem"].run({"id": "1"}).status == "failed"  # no secret configured
    assert local_server.received == []
    tool["secret_encrypted"] = encrypt_secret("abc")
    result = functions(tool)["ho_so__getItem"].run({"id": "1"})
    assert local_server.received[-1].path == "/api/items/1?key=abc"
    assert result.status == "succeeded" and "abc" not in json.dumps([result.summary, result.error])


@pytest.mark.parametrize(
    ("server", "names"),
    [
        ("http://127.0.0.1:{port}/api", {}),
        ("http://[::1]:{port}/api", {}),
        ("http://10.1.2.3/api", {}),
        ("http://169.254.169.254/latest", {}),
        ("http://intranet.example.org/api", {"intranet.example.org": ["10.0.0.5"]}),
    ],
)
def test_http_action_refuses_private_and_loopback_servers(
    monkeypatch: pytest.MonkeyPatch, local_server: LocalServer, server: str, names: dict[str, Any]
) -> None:
    fake_dns(monkeypatch, names)
    url = server.format(port=local_server.port)
    result = functions(action(url, [httpx.URL(url).host]))["ho_so__getItem"].run({"id": "1"})
    assert result.status == "refused", result.error
    assert local_server.received == []


@LOOPBACK_FOR_TESTS
def test_http_action_refuses_a_redirect_to_the_metadata_address(local_server: LocalServer) -> None:
    bound = functions(action(local_server.base + "/api", ["127.0.0.1", "169.254.169.254"]))
    result = bound["ho_so__jump"].run({"to": "http://169.254.169.254/latest/meta-data/"})
    assert result.status == "refused" and "169.254.169.254" in result.error
    assert len(local_server.received) == 1


@LOOPBACK_FOR_TESTS
def test_response_size_and_time_limits(local_server: LocalServer) -> None:
    bound = functions(action(local_server.base, ["127.0.0.1"], max_response_bytes=1000, timeout_s=1))
    big = bound["ho_so__big"].run({})
    assert big.status == "succeeded" and big.data["truncated"]
    assert len(json.loads(big.content)["untrusted_content"]) == 1000
    slow = bound["ho_so__slow"].run({})
    assert slow.status == "failed" and "thời gian" in slow.error
    # The call's own limit (bind_tools) wins over a longer timeout in the settings.
    limited = functions(action(local_server.base, ["127.0.0.1"], timeout_s=30), time_limit_s=1)
    assert limited["ho_so__slow"].run({}).status == "failed"


@LOOPBACK_FOR_TESTS
def test_an_instruction_in_a_document_is_data_and_cannot_move_the_call_off_the_allow_list(
    monkeypatch: pytest.MonkeyPatch, local_server: LocalServer
) -> None:
    lookups = fake_dns(monkeypatch, {})
    bound = functions(action(local_server.base + "/api", ["127.0.0.1"]))
    notice = bound["ho_so__notice"].run({})
    payload = json.loads(notice.content)
    assert payload["note"] == UNTRUSTED_NOTE and INJECTION in payload["untrusted_content"]
    # The model, "obeying" the document, tries to send the call to evil.example.
    attempts = [
        bound["ho_so__getItem"].run({"id": "1", "url": "http://evil.example/x"}),
        bound["ho_so__getItem"].run({"id": ".."}),
        bound["ho_so__getItem"].run({"id": "1", "host": "evil.example"}),
    ]
    assert all(a.status == "failed" for a in attempts)
    smuggled = bound["ho_so__getItem"].run({"id": "../../evil", "q": "http://evil.example/"})
    assert smuggled.status == "succeeded"  # it stayed one path segment on the allowed server
    assert [r.path for r in local_server.received] == [
        "/api/inject",
        "/api/items/..%2F..%2Fevil?q=http%3A%2F%2Fevil.example%2F",
    ]
    assert all(r.headers["Host"] == f"127.0.0.1:{local_server.port}" for r in local_server.received)
    assert "evil.example" not in lookups


def test_http_action_settings_are_validated() -> None:
    kind = get_kind("http_action")
    spec = document("https://api.example.org/v1")
    good: dict[str, Any] = {"openapi": spec, "allowed_hosts": ["api.example.org"]}
    assert kind.validate_settings(good)["timeout_s"] == 10
    yaml_document = "openapi: 3.0.0\nservers: [{url: 'https://api.example.org'}]\npaths:\n  /a: {get: {}}\n"
    assert kind.validate_settings({**good, "openapi": yaml_document})["openapi"]["paths"]
    many: dict[str, Any] = {f"/p{i}": {"get": {}} for i in range(31)}
    for bad in (
        {**good, "allowed_hosts": ["other.example.org"]},
        {**good, "allowed_hosts": ["https://api.example.org/"]},
        {**good, "openapi": {**spec, "openapi": "2.0"}},
        {**good, "openapi": {**spec, "paths": many}},
        {**good, "openapi": {**spec, "servers": [{"url": "/relative"}]}},
        {**good, "auth": {"type": "basic"}},
        {**good, "timeout_s": 600},
        {**good, "openapi": "a: &x [1]\nb: *x\n"},
    ):
        with pytest.raises(ValidationFailed):
            kind.validate_settings(bad)


def test_a_tool_with_broken_settings_is_left_out() -> None:
    skipped: list[str] = []
    bound = bind_tools(
        [
            {"kind": "http_action", "name": "broken", "settings": {"openapi": "{"}},
            {"kind": "no_such_kind", "name": "x", "settings": {}},
            {"kind": "calculator", "name": "may_tinh", "settings": {}},
        ],
        context(),
        on_skip=lambda tool, reason: skipped.append(tool["name"]),
    )
    assert [b.function_name for b in bound] == ["may_tinh"] and skipped == ["broken", "x"]
