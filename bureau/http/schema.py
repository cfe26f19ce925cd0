"""The OpenAPI description's shared parts: the one error shape, and the error statuses every API
operation can answer (a drf-spectacular post-processing hook adds those an operation does not
document itself), so that clients and the schema fuzzing (tests/reliability) can rely on them."""

from __future__ import annotations

from typing import Any

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse

ERROR_ENVELOPE: dict[str, Any] = {
    "type": "object",
    "required": ["error", "request_id"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "details"],
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "details": {"type": "object"},
            },
        },
        "request_id": {"type": "string"},
    },
}
ERROR_REF = {"$ref": "#/components/schemas/ErrorEnvelope"}

# Any operation: not signed in, not allowed, not visible (or no such object); invalid input wherever
# there is input; a change that conflicts with the object's state (the services' Conflict). Operations
# document their own meaning of these where they have one.
ERRORS = {
    "400": "Invalid input",
    "401": "Not signed in, or the API key is not valid",
    "403": "Visible but not allowed to this caller",
    "404": "Not found, or not visible to this caller",
    "409": "The change conflicts with the current state of the object",
}
METHODS = {"get", "post", "put", "patch", "delete"}


def error_response(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": ERROR_REF}}}


# DRF answers 415 when none of a view's parsers reads the body's media type. The views that take an
# upload declare it (extend_schema): a client sending a file is the one likely to pick another type.
UNSUPPORTED_MEDIA_TYPE = OpenApiResponse(
    response=dict(ERROR_REF), description="The body is not in a media type this operation reads"
)


def _documents(method: str, operation: dict[str, Any], status: str) -> bool:
    if method != "get":
        return True  # a write may always be invalid (its body, or the services' checks) or conflict
    if status == "409":
        return False
    if status == "400":
        return any(parameter.get("in") == "query" for parameter in operation.get("parameters", []))
    return True


def add_error_responses(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    result.setdefault("components", {}).setdefault("schemas", {})["ErrorEnvelope"] = ERROR_ENVELOPE
    for path, item in result.get("paths", {}).items():
        if not path.startswith("/api/"):
            continue  # the OpenAI-compatible routes answer errors in OpenAI's shape
        for method, operation in item.items():
            if method not in METHODS:
                continue
            responses = operation.setdefault("responses", {})
            for status, description in ERRORS.items():
                if _documents(method, operation, status):
                    responses.setdefault(status, error_response(description))
    return result


class PaginatedListSchema(AutoSchema):
    """For views that paginate what they GET by hand (bureau.tenancy.apis.PaginatedAPIView): their
    GET lists are documented as pages, with the page parameters."""

    def _get_paginator(self) -> Any:
        if self.method != "GET":
            return None
        from bureau.http.drf import Pagination

        return Pagination()
