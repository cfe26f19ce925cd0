"""The streaming endpoints in the OpenAPI description. They are async Django views, which
drf-spectacular does not see, so a post-processing hook adds them to the generated schema."""

from __future__ import annotations

from typing import Any

from assistants.chat.events import __doc__ as EVENTS_DOC

ERROR = {"$ref": "#/components/schemas/ErrorEnvelope"}
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
                    "text/event-stream": {"schema": {"type": "string"}},
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


def _path_parameter(name: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "integer"}}


def add_streaming_endpoints(
    result: dict[str, Any], generator: Any, request: Any, public: bool
) -> dict[str, Any]:
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas["ErrorEnvelope"] = {
        "type": "object",
        "properties": {
            "error": {
                "type": "object",
                "properties": {
                    "code": {"type": "string"},
                    "message": {"type": "string"},
                    "details": {"type": "object"},
                },
            },
            "request_id": {"type": "string"},
        },
    }
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
    paths["/v1/models"] = {
        "get": {
            "operationId": "openai_models",
            "tags": ["openai-compatible"],
            "security": [{"apiKey": []}],
            "summary": "The published assistants this API key may use, as OpenAI models (id = slug)",
            "responses": {"200": {"description": "An OpenAI model list"}},
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
                "404": {"description": "No such assistant for this key"},
                "502": {"description": "The model provider failed"},
            },
        }
    }
    return result
