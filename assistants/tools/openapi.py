"""OpenAPI 3 documents turned into functions: parsing (JSON always, YAML when PyYAML is installed),
local ``$ref`` resolution, one function schema per operation, and building a request from a model's
arguments that can only reach the document's own server and the operation's own path."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import httpx

from assistants.tools.base import as_json
from bureau.exceptions import ValidationFailed
from bureau.http.request_input import MAX_JSON_DEPTH, json_too_deep, nul_field

METHODS = ("get", "post", "put", "patch", "delete")
MAX_OPERATIONS = 30
MAX_DOCUMENT_CHARS = 1_000_000
MAX_SCHEMA_NODES = 2000
SCHEMA_KEYS = frozenset(
    [
        "type",
        "properties",
        "items",
        "required",
        "enum",
        "description",
        "format",
        "minimum",
        "maximum",
        "default",
        "anyOf",
        "oneOf",
        "allOf",
        "additionalProperties",
        "minLength",
        "maxLength",
        "pattern",
        "title",
        "nullable",
        "minItems",
        "maxItems",
    ]
)
# Headers a parameter of the document may not set: they belong to the transport or to the auth.
FORBIDDEN_HEADERS = frozenset(
    [
        "host",
        "authorization",
        "proxy-authorization",
        "cookie",
        "content-length",
        "transfer-encoding",
        "connection",
        "upgrade",
        "te",
        "trailer",
        "expect",
        "forwarded",
        "x-forwarded-for",
        "x-forwarded-host",
        "x-real-ip",
    ]
)


@dataclass(slots=True)
class Param:
    name: str
    location: str  # path | query | header
    required: bool
    schema: dict[str, Any]
    description: str = ""


@dataclass(slots=True)
class Operation:
    function: str
    method: str
    path: str
    summary: str
    params: list[Param] = field(default_factory=list)
    body_schema: dict[str, Any] | None = None
    body_required: bool = False
    body_key: str = "body"


def validation_error(message: str) -> ValidationFailed:
    """A settings error for the builder."""
    return ValidationFailed(message, details={"settings": [message]})


class _NoAliasYaml:
    """YAML without anchors and aliases, which could expand a small document into a huge one."""

    @staticmethod
    def load(text: str) -> Any:
        import yaml

        class Loader(yaml.SafeLoader):
            def compose_node(self, parent: Any, index: Any) -> Any:
                if self.check_event(yaml.AliasEvent):
                    raise yaml.YAMLError("YAML aliases are not accepted")
                return super().compose_node(parent, index)

        return yaml.load(text, Loader=Loader)  # noqa: S506 - a SafeLoader subclass


def parse_document(document: Any) -> dict[str, Any]:
    """An OpenAPI 3 document given as a dict, JSON text, or YAML text when PyYAML is installed."""
    if isinstance(document, str):
        if len(document) > MAX_DOCUMENT_CHARS:
            raise validation_error("Tài liệu OpenAPI quá lớn (tối đa 1 MB).")
        # JSON inside a field of the body: the middleware's checks saw only a string.
        if json_too_deep(document):
            raise validation_error(f"Tài liệu OpenAPI lồng nhau quá sâu (quá {MAX_JSON_DEPTH} cấp).")
        try:
            document = json.loads(document)
        except ValueError:
            try:
                document = _NoAliasYaml.load(document)
            except ImportError:
                raise validation_error("Tài liệu OpenAPI phải là JSON hợp lệ.") from None
            except Exception:
                raise validation_error("Tài liệu OpenAPI không phải JSON hay YAML hợp lệ.") from None
    if not isinstance(document, dict):
        raise validation_error("Tài liệu OpenAPI phải là một đối tượng.")
    where = nul_field(document)  # PostgreSQL stores no NUL, nor does what is made of it
    if where is not None:
        raise validation_error(f"Tài liệu OpenAPI chứa ký tự NUL ở {where}.")
    if len(as_json(document)) > MAX_DOCUMENT_CHARS:
        raise validation_error("Tài liệu OpenAPI quá lớn (tối đa 1 MB).")
    if not str(document.get("openapi", "")).startswith("3."):
        raise validation_error("Chỉ hỗ trợ OpenAPI phiên bản 3 (trường 'openapi': '3.x').")
    if not isinstance(document.get("paths"), dict):
        raise validation_error("Tài liệu OpenAPI thiếu 'paths'.")
    return document


def server_url(document: dict[str, Any]) -> str:
    servers = document.get("servers")
    if not isinstance(servers, list) or not servers or not isinstance(servers[0], dict):
        raise validation_error("Tài liệu OpenAPI phải khai báo servers[0].url.")
    url = str(servers[0].get("url", ""))
    for name, variable in (servers[0].get("variables") or {}).items():
        if isinstance(variable, dict):
            url = url.replace("{" + str(name) + "}", str(variable.get("default", "")))
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, ValueError):
        raise validation_error(f"servers[0].url không hợp lệ: {url[:200]}") from None
    if parsed.scheme not in ("http", "https") or not parsed.host or parsed.userinfo or parsed.query:
        raise validation_error(
            "servers[0].url phải là địa chỉ http(s) đầy đủ, không kèm tài khoản hay tham số truy vấn."
        )
    return url.rstrip("/")


class _Resolver:
    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        self.nodes = 0

    def ref(self, node: Any, depth: int = 0) -> Any:
        while isinstance(node, dict) and isinstance(node.get("$ref"), str) and depth < 20:
            target: Any = self.document
            pointer = node["$ref"]
            if not pointer.startswith("#/"):
                return {}
            for part in pointer[2:].split("/"):
                part = part.replace("~1", "/").replace("~0", "~")
                target = target.get(part) if isinstance(target, dict) else None
            node, depth = target if target is not None else {}, depth + 1
        return node

    def schema(self, node: Any, depth: int = 0) -> dict[str, Any]:
        """A self-contained, trimmed copy: refs inlined to a depth, unknown keywords dropped."""
        self.nodes += 1
        node = self.ref(node)
        if not isinstance(node, dict) or depth > 8 or self.nodes > MAX_SCHEMA_NODES:
            return {}
        out: dict[str, Any] = {}
        for key, value in node.items():
            if key not in SCHEMA_KEYS:
                continue
            if key == "properties" and isinstance(value, dict):
                out[key] = {str(k): self.schema(v, depth + 1) for k, v in list(value.items())[:100]}
            elif key in ("items", "additionalProperties") and isinstance(value, dict):
                out[key] = self.schema(value, depth + 1)
            elif key in ("anyOf", "oneOf", "allOf") and isinstance(value, list):
                out[key] = [self.schema(v, depth + 1) for v in value[:20]]
            elif key == "nullable":
                continue
            elif isinstance(value, str | int | float | bool | list) or value is None:
                out[key] = value
        return out


def _slug(text: str) -> str:
    return re.sub(r"_+", "_", re.sub(r"[^A-Za-z0-9_-]", "_", text)).strip("_")[:48] or "op"


def operations(document: dict[str, Any]) -> list[Operation]:
    resolver = _Resolver(document)
    found: list[Operation] = []
    taken: set[str] = set()
    for path, item in document["paths"].items():
        item = resolver.ref(item)
        if not isinstance(path, str) or not path.startswith("/") or not isinstance(item, dict):
            continue
        shared: list[Any] = item["parameters"] if isinstance(item.get("parameters"), list) else []
        for method in METHODS:
            spec = resolver.ref(item.get(method))
            if not isinstance(spec, dict):
                continue
            name = _slug(str(spec.get("operationId") or f"{method}_{path}"))
            base, counter = name, 2
            while name in taken:
                name, counter = f"{base}_{counter}", counter + 1
            taken.add(name)
            op = Operation(
                function=name,
                method=method.upper(),
                path=path,
                summary=str(spec.get("summary") or spec.get("description") or f"{method.upper()} {path}")[
                    :1000
                ],
            )
            by_key: dict[tuple[str, str], Param] = {}
            own: list[Any] = spec["parameters"] if isinstance(spec.get("parameters"), list) else []
            for raw in [*shared, *own]:
                raw = resolver.ref(raw)
                if not isinstance(raw, dict) or raw.get("in") not in ("path", "query", "header"):
                    continue  # cookie parameters are not supported
                param = Param(
                    name=str(raw.get("name", "")),
                    location=str(raw["in"]),
                    required=bool(raw.get("required")) or raw["in"] == "path",
                    schema=resolver.schema(raw.get("schema", {"type": "string"})),
                    description=str(raw.get("description", ""))[:500],
                )
                if param.name and not (
                    param.location == "header" and param.name.lower() in FORBIDDEN_HEADERS
                ):
                    by_key[(param.location, param.name)] = param
            op.params = list(by_key.values())
            body = resolver.ref(spec.get("requestBody"))
            if isinstance(body, dict) and isinstance(body.get("content"), dict):
                media = body["content"].get("application/json")
                if isinstance(media, dict):
                    op.body_schema = resolver.schema(media.get("schema", {"type": "object"})) or {
                        "type": "object"
                    }
                    op.body_required = bool(body.get("required"))
                    names = {p.name for p in op.params}
                    op.body_key = "body" if "body" not in names else "request_body"
            found.append(op)
    if len(found) > MAX_OPERATIONS:
        raise validation_error(f"Tài liệu có {len(found)} thao tác; tối đa {MAX_OPERATIONS}.")
    if not found:
        raise validation_error("Tài liệu OpenAPI không có thao tác nào (GET, POST, PUT, PATCH, DELETE).")
    return found


def import_openapi(document: Any) -> list[dict[str, Any]]:
    """What each operation of the document becomes: for a builder's preview and "test an operation"."""
    parsed = parse_document(document)
    server = server_url(parsed)
    return [
        {
            "function": op.function,
            "method": op.method,
            "path": op.path,
            "url": server + op.path,
            "summary": op.summary,
            "parameters": [{"name": p.name, "in": p.location, "required": p.required} for p in op.params],
            "has_body": op.body_schema is not None,
        }
        for op in operations(parsed)
    ]


def schema_of(op: Operation) -> dict[str, Any]:
    properties: dict[str, Any] = {}
    required: list[str] = []
    for p in op.params:
        properties[p.name] = {**p.schema, **({"description": p.description} if p.description else {})}
        if p.required:
            required.append(p.name)
    if op.body_schema is not None:
        properties[op.body_key] = op.body_schema
        if op.body_required:
            required.append(op.body_key)
    return {"type": "object", "properties": properties, "required": required}


def _scalar(value: Any) -> str | None:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    return None


def build_request(
    op: Operation, server: str, arguments: dict[str, Any]
) -> tuple[str, dict[str, Any], dict[str, str], Any]:
    """(url, query, headers, json body) from the arguments; raises ValueError with a reason."""
    known = {p.name for p in op.params} | ({op.body_key} if op.body_schema is not None else set())
    unknown = sorted(set(arguments) - known)
    if unknown:
        raise ValueError(f"tham số không được hỗ trợ: {', '.join(unknown)[:200]}")
    path = op.path
    query: dict[str, Any] = {}
    headers: dict[str, str] = {}
    for p in op.params:
        if p.name not in arguments or arguments[p.name] is None:
            if p.required:
                raise ValueError(f"thiếu tham số bắt buộc '{p.name}'")
            continue
        value = arguments[p.name]
        if p.location == "query" and isinstance(value, list):
            items = [_scalar(v) for v in value[:100]]
            if any(v is None for v in items):
                raise ValueError(f"tham số '{p.name}' chỉ nhận giá trị đơn")
            query[p.name] = items
            continue
        text = _scalar(value)
        if text is None:
            raise ValueError(f"tham số '{p.name}' phải là chuỗi, số hoặc true/false")
        if p.location == "path":
            if text in ("", ".", ".."):
                raise ValueError(f"giá trị không hợp lệ cho '{p.name}'")
            # Encoded whole ("/" too): a value stays one segment of the document's path.
            path = path.replace("{" + p.name + "}", quote(text, safe=""))
        elif p.location == "query":
            query[p.name] = text
        else:
            if "\r" in text or "\n" in text:
                raise ValueError(f"giá trị không hợp lệ cho '{p.name}'")
            headers[p.name] = text
    if "{" in path:
        raise ValueError("thiếu tham số đường dẫn")
    url = server + path
    base, target = httpx.URL(server), httpx.URL(url)
    # Defence in depth: whatever happened above, the request stays on the document's server.
    if (target.scheme, target.host, target.port) != (base.scheme, base.host, base.port) or not (
        target.path.startswith(base.path.rstrip("/") + "/") or target.path == base.path
    ):
        raise ValueError("địa chỉ yêu cầu nằm ngoài máy chủ của tài liệu")
    body = arguments.get(op.body_key) if op.body_schema is not None else None
    return url, query, headers, body
