"""HTTP actions from an OpenAPI 3 document: each operation becomes a function the model can call.

The model chooses only argument values. The scheme, host and port come from the document's first
server (whose host must be on the tool's allow-list) and the path from the operation; path values
are percent-encoded whole, so no value can add a segment, a query or another host. Every request
goes through bureau.security.url_guard (allow-list, addresses checked after DNS resolution and on
every redirect, pinned connection, deadline, size limit). The response reaches the model as data.
"""

from __future__ import annotations

import contextlib
import json
import re
from typing import Any

import httpx

from assistants.tools.base import ToolContext, ToolKind, ToolResult, register
from assistants.tools.openapi import (
    FORBIDDEN_HEADERS,
    build_request,
    import_openapi,
    operations,
    parse_document,
    schema_of,
    server_url,
    validation_error,
)
from bureau.security.crypto import SecretUnreadable, decrypt_secret
from bureau.security.url_guard import UrlFetchFailed, UrlRefused, UrlTimeout, host_allowed, safe_request

__all__ = ["HttpAction", "import_openapi"]

MAX_ALLOWED_HOSTS = 20
STORED_BODY_CHARS = 4000
AUTH_TYPES = ("none", "api_key", "bearer")
_HOST_ENTRY = re.compile(r"^(\*\.)?[a-z0-9]([a-z0-9.-]*[a-z0-9])?$|^\[?[0-9a-f:.]+\]?$")


@register
class HttpAction(ToolKind):
    kind = "http_action"
    label = "Gọi API (OpenAPI)"
    description = "Gọi các thao tác của một API mô tả bằng tài liệu OpenAPI 3, chỉ tới các máy chủ được phép."

    def validate_settings(self, settings: dict[str, Any]) -> dict[str, Any]:
        settings = super().validate_settings(settings)
        document = parse_document(settings.get("openapi"))
        hosts = settings.get("allowed_hosts")
        if not isinstance(hosts, list) or not hosts or len(hosts) > MAX_ALLOWED_HOSTS:
            raise validation_error(
                f"Cần danh sách máy chủ được phép (allowed_hosts), 1 đến {MAX_ALLOWED_HOSTS} mục."
            )
        allowed = [str(h).strip().lower().rstrip(".") for h in hosts]
        bad = [h for h in allowed if not _HOST_ENTRY.match(h)]
        if bad:
            raise validation_error(
                f"Tên máy chủ không hợp lệ: {', '.join(bad)[:200]} "
                "(chỉ tên, không kèm http:// hay đường dẫn)."
            )
        server = server_url(document)
        if not host_allowed(httpx.URL(server).host, allowed):
            raise validation_error(
                f"Máy chủ {httpx.URL(server).host} của tài liệu không nằm trong allowed_hosts."
            )
        auth = settings.get("auth") or {"type": "none"}
        if not isinstance(auth, dict) or auth.get("type", "none") not in AUTH_TYPES:
            raise validation_error("Kiểu xác thực phải là none, api_key hoặc bearer.")
        clean_auth: dict[str, Any] = {"type": auth.get("type", "none")}
        if clean_auth["type"] == "api_key":
            clean_auth["in"] = auth.get("in", "header")
            if clean_auth["in"] not in ("header", "query"):
                raise validation_error("Khoá API đặt ở 'header' hoặc 'query'.")
            name = str(
                auth.get("name")
                or auth.get("header")
                or ("X-API-Key" if clean_auth["in"] == "header" else "api_key")
            )
            if not re.fullmatch(r"[A-Za-z0-9_.-]{1,100}", name) or name.lower() in FORBIDDEN_HEADERS - {
                "authorization"
            }:
                raise validation_error("Tên header/tham số của khoá API không hợp lệ.")
            clean_auth["header" if clean_auth["in"] == "header" else "name"] = name
        timeout = settings.get("timeout_s", 10)
        size = settings.get("max_response_bytes", 200_000)
        if not isinstance(timeout, int | float) or isinstance(timeout, bool) or not 1 <= timeout <= 30:
            raise validation_error("Thời gian chờ (timeout_s) từ 1 đến 30 giây.")
        if not isinstance(size, int) or isinstance(size, bool) or not 1000 <= size <= 2_000_000:
            raise validation_error(
                "Kích thước phản hồi tối đa (max_response_bytes) từ 1000 đến 2000000 byte."
            )
        operations(document)  # the document must yield functions
        return {
            "openapi": document,
            "allowed_hosts": allowed,
            "auth": clean_auth,
            "timeout_s": timeout,
            "max_response_bytes": size,
        }

    def functions(self, settings: dict[str, Any]) -> list[dict[str, Any]]:
        return [
            {"name": op.function, "description": op.summary, "parameters": schema_of(op)}
            for op in operations(settings["openapi"])
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
        document = settings["openapi"]
        op = next((o for o in operations(document) if o.function == function_name), None)
        if op is None:
            return ToolResult.failed(f"Không có thao tác '{function_name}'.")
        try:
            url, query, headers, body = build_request(op, server_url(document), arguments)
        except ValueError as error:
            return ToolResult.failed(f"Tham số không hợp lệ: {error}.")
        auth = settings.get("auth") or {"type": "none"}
        sensitive: list[str] = []
        if auth["type"] != "none":
            try:
                key = decrypt_secret(secret)
            except SecretUnreadable:
                return ToolResult.failed("Không giải mã được khoá bí mật của công cụ; hãy nhập lại.")
            if not key:
                return ToolResult.failed("Công cụ chưa được cấu hình khoá bí mật.")
            if auth["type"] == "bearer":
                headers["Authorization"] = f"Bearer {key}"
            elif auth.get("in") == "query":
                query[auth["name"]] = key
            else:
                headers[auth["header"]] = key
                sensitive.append(auth["header"])
        timeout = context.seconds_left(float(settings.get("timeout_s", 10)))
        label = f"{op.method} {op.path}"
        if timeout <= 0:
            return ToolResult.failed("Hết thời gian dành cho công cụ.")
        try:
            response = safe_request(
                op.method,
                url,
                allowed_hosts=settings["allowed_hosts"],
                headers=headers,
                params=query or None,
                json=body,
                timeout_s=timeout,
                max_bytes=int(settings.get("max_response_bytes", 200_000)),
                sensitive_headers=sensitive,
            )
        except UrlRefused as error:
            return ToolResult.refused(f"Yêu cầu bị chặn: {error.reason}.")
        except UrlTimeout as error:
            return ToolResult.failed(f"{label}: {error.reason}.")
        except UrlFetchFailed as error:
            return ToolResult.failed(f"{label}: {error.reason}.")
        content: Any = response.body_text
        if "json" in response.headers.get("content-type", "") and not response.truncated:
            with contextlib.suppress(ValueError):
                content = json.loads(response.body_text)
        meta = {"operation": op.function, "status_code": response.status, "truncated": response.truncated}
        model_view = ToolResult.untrusted(meta, content, "")
        ok = 200 <= response.status < 300
        return ToolResult(
            content=model_view.content,
            summary=f"{label} → HTTP {response.status}" + (" (cắt bớt)" if response.truncated else ""),
            status="succeeded" if ok else "failed",
            data={
                **meta,
                "method": op.method,
                "path": op.path,
                "body": response.body_text[:STORED_BODY_CHARS],
            },
            error="" if ok else f"HTTP {response.status}",
        )
