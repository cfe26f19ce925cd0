"""The builder screen's helpers: everyone reads the tool kinds; only those who may edit the
assistant parse an OpenAPI document or test an operation for it."""

from __future__ import annotations

from typing import Any

from tests.factories import World
from tests.matrix.assistants import _url, writers
from tests.permission_matrix import Case, everyone

# Nothing listens on port 9 of the loopback, and the URL guard refuses loopback addresses anyway:
# the test call answers "refused" without any traffic.
DOCUMENT = {
    "openapi": "3.0.3",
    "info": {"title": "Hồ sơ", "version": "1"},
    "servers": [{"url": "http://127.0.0.1:9/api"}],
    "paths": {
        "/items/{id}": {
            "get": {
                "operationId": "getItem",
                "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}],
            }
        }
    },
}


def _test_body(world: World) -> dict[str, Any]:
    return {
        "tool": {"name": "ho_so", "settings": {"openapi": DOCUMENT, "allowed_hosts": ["127.0.0.1"]}},
        "operation": "getItem",
        "arguments": {"id": "1"},
    }


CASES = [
    Case("tool-kind-list", "get", lambda w: "/api/v1/tool-kinds/", everyone(200)),
    Case(
        "assistant-openapi-operations",
        "post",
        lambda w: f"{_url(w)}tools/openapi-operations/",
        writers(200),
        body=lambda w: {"document": DOCUMENT},
    ),
    Case(
        "assistant-tool-test",
        "post",
        lambda w: f"{_url(w)}tools/test/",
        writers(200),
        body=_test_body,
        audit_action="assistant.tool_test",
    ),
]
