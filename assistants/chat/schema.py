"""The streaming endpoints in the OpenAPI description. They are async Django views, which
drf-spectacular does not see, so a post-processing hook adds them to the generated schema."""

from __future__ import annotations

from typing import Any

from assistants.chat.events import __doc__ as EVENTS_DOC
from bureau.http.schema import ERROR_ENVELOPE, ERROR_REF

ERROR = ERROR_REF
# One server-sent event, as `event: <type>` and `data: <json>` lines (OpenAPI 3.0 describes a stream
# by its events).
SSE_EVENT = {
    "type": "object",
    "required": ["event", "data"],
    "properties": {"event": {"type": "string"}, "data": {"type": "string"}, "id": {"type": "string"}},
}
SECURITY: list[dict[str, list[str]]] = [{"apiKey": []}, {"cookieAuth": []}]


def _answer_operation(
    operation_id: str, summary: str, with_body: bool, parameters: list[dict[str, Any]]
) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "operationId": operation_id,
        "summary": summary,
        "description": (
            "Answers as one JSON object, or, with `Accept: text/event-stream`, as server-sent events "
            "(`event: <type>` and `data: <json>`):\n\n```\n" + (EVENTS_DOC or "").strip() + "\n```"
        ),
        "tags": ["conversations"],
        "parameters": parameters,
        "security": SECURITY,
        "responses": {
            "200": {
                "description": "The answer (JSON), or its events (text/event-stream)",
                "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/Answer"}},
                    "text/event-stream": {"schema": SSE_EVENT},
                },
            },
            "400": {"description": "Invalid question", "content": {"application/json": {"schema": ERROR}}},
            "401": {"description": "Not signed in", "content": {"application/json": {"schema": ERROR}}},
            "404": {
                "description": "Not your conversation",
                "content": {"application/json": {"schema": ERROR}},
            },
            "502": {
                "description": "The model provider failed (JSON mode)",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Answer"}}},
            },
        },
    }
    if with_body:
        operation["requestBody"] = {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {
                        "type": "object",
                        "required": ["content"],
                        "properties": {"content": {"type": "string", "maxLength": 8000}},
                    }
                }
            },
        }
    return operation


def _openai_error(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/OpenAIError"}}},
    }


def _path_parameter(name: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "integer"}}


def add_streaming_endpoints(
    result: dict[str, Any], generator: Any, request: Any, public: bool
) -> dict[str, Any]:
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas["ErrorEnvelope"] = ERROR_ENVELOPE
    schemas["Answer"] = {
        "type": "object",
        "properties": {
            "message_id": {"type": "integer"},
            "conversation_id": {"type": "integer"},
            "version": {"type": "integer", "nullable": True},
            "status": {"type": "string"},
            "content": {"type": "string"},
            "extractive": {"type": "boolean"},
            "citations": {"type": "array", "items": {"type": "object"}},
            "tool_calls": {"type": "array", "items": {"type": "object"}},
            "usage": {"type": "object"},
            "ttft_ms": {"type": "integer", "nullable": True},
            "latency_ms": {"type": "integer", "nullable": True},
            "attachments_unavailable": {
                "type": "array",
                "description": "Files attached to the conversation that the answer could not use: "
                "still being indexed when the wait ran out, failed or cancelled",
                "items": {
                    "type": "object",
                    "required": ["id", "filename", "status", "reason"],
                    "properties": {
                        "id": {"type": "integer"},
                        "filename": {"type": "string"},
                        "status": {"type": "string"},
                        "reason": {"type": "string"},
                    },
                },
            },
            "error": {"type": "object", "nullable": True},
        },
    }
    result["components"].setdefault("securitySchemes", {}).setdefault(
        "cookieAuth", {"type": "apiKey", "in": "cookie", "name": "sessionid"}
    )
    paths = result.setdefault("paths", {})
    conversation = _path_parameter("conversation_id")
    paths["/api/v1/conversations/{conversation_id}/messages/"] = {
        "post": _answer_operation("conversation_message_create", "Ask a question", True, [conversation]),
    }
    paths["/api/v1/conversations/{conversation_id}/messages/{message_id}/regenerate/"] = {
        "post": _answer_operation(
            "conversation_message_regenerate",
            "Answer the same question again",
            False,
            [conversation, _path_parameter("message_id")],
        ),
    }
    schemas["OpenAIError"] = {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "properties": {
                    "message": {"type": "string"},
                    "type": {"type": "string"},
                    "param": {"type": "string", "nullable": True},
                    "code": {"type": "string", "nullable": True},
                },
            }
        },
    }
    paths["/v1/models"] = {
        "get": {
            "operationId": "openai_models",
            "tags": ["openai-compatible"],
            "security": [{"apiKey": []}],
            "summary": "The published assistants this API key may use, as OpenAI models (id = slug)",
            "responses": {
                "200": {"description": "An OpenAI model list"},
                "401": _openai_error("No valid API key"),
                "403": _openai_error("Not allowed"),
            },
        }
    }
    paths["/v1/models/{model}"] = {
        "get": {
            "operationId": "openai_model_retrieve",
            "tags": ["openai-compatible"],
            "security": [{"apiKey": []}],
            "summary": "One published assistant this API key may use, as an OpenAI model (`models.retrieve`)",
            "parameters": [{"name": "model", "in": "path", "required": True, "schema": {"type": "string"}}],
            "responses": {
                "200": {"description": "An OpenAI model"},
                "401": _openai_error("No valid API key"),
                "403": _openai_error("Not allowed"),
                "404": _openai_error("No such model for this key"),
            },
        }
    }
    paths["/v1/chat/completions"] = {
        "post": {
            "operationId": "openai_chat_completions",
            "tags": ["openai-compatible"],
            "security": [{"apiKey": []}],
            "summary": "OpenAI chat completions against an assistant's published version (model = its slug); "
            "streaming with `stream: true`; citations in the extra `citations` field",
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": {"type": "object"}}},
            },
            "responses": {
                "200": {"description": "An OpenAI chat completion, or its chunks as server-sent events"},
                "400": _openai_error("Invalid request"),
                "401": _openai_error("No valid API key"),
                "403": _openai_error("Not allowed"),
                "404": _openai_error("No such assistant for this key"),
                "409": _openai_error("The conversation's state does not allow it"),
                "502": _openai_error("The model provider failed"),
            },
        }
    }
    return result
