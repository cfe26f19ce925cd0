"""The OpenAI-compatible API: each assistant the caller may use is a model named by its slug.
`GET /v1/models`, `POST /v1/chat/completions` (streaming and not). The assistant's published version
answers — its instructions, knowledge and tools apply — and its citations come in an extra field."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from typing import Any

import orjson
from django.http import HttpRequest, JsonResponse
from django.http.response import HttpResponseBase
from django.views.decorators.csrf import csrf_exempt

from assistants.chat import events as ev
from assistants.chat.db import in_db_thread
from assistants.chat.runtime import Turn, collect, prepare_turn, stream_turn
from assistants.chat.views import _Unauthenticated, authenticate, streaming_response
from bureau.exceptions import BureauError, PermissionDenied, QuotaExceeded
from bureau.quotas.models import QuotaKind
from bureau.quotas.services import chat_turn_admit
from bureau.tenancy.models import ApiScope
from bureau.tenancy.scopes import api_key_scopes


def openai_error(
    status: int, message: str, kind: str = "invalid_request_error", code: str | None = None
) -> JsonResponse:
    return JsonResponse(
        {"error": {"message": message, "type": kind, "code": code}},
        status=status,
        json_dumps_params={"ensure_ascii": False},
    )


# The `type` OpenAI gives a rate-limit error: what ran out, requests or tokens.
_RATE_LIMIT_TYPES = {
    QuotaKind.API_KEY_REQUESTS_PER_MINUTE: "requests",
    QuotaKind.DEPARTMENT_TOKENS_PER_MONTH: "tokens",
    QuotaKind.USER_MESSAGES_PER_DAY: "requests",
}


def quota_error(error: QuotaExceeded) -> JsonResponse:
    """OpenAI's 429 shape (code `rate_limit_exceeded`, which its clients retry after Retry-After),
    with which limit and when it resets added for clients that read them."""
    body = {
        "error": {
            "message": str(error.message),
            "type": _RATE_LIMIT_TYPES.get(error.details.get("limit", ""), "requests"),
            "param": None,
            "code": "rate_limit_exceeded",
            "limit": error.details.get("limit"),
            "resets_at": error.details.get("resets_at"),
            "retry_after": error.retry_after,
        }
    }
    response = JsonResponse(body, status=429, json_dumps_params={"ensure_ascii": False})
    response["Retry-After"] = str(error.retry_after)
    return response


async def _actor_or_error(request: HttpRequest) -> tuple[Any, JsonResponse | None]:
    try:
        return await authenticate(request), None
    except _Unauthenticated as error:
        return None, openai_error(401, error.message, "authentication_error", "invalid_api_key")
    except PermissionError as error:
        return None, openai_error(403, str(error), "permission_error")
    except PermissionDenied as error:  # an API key without the `chat` scope
        return None, openai_error(403, str(error.message), "permission_error", error.code)
    except QuotaExceeded as error:
        return None, quota_error(error)


def _models(actor: Any) -> list[dict[str, Any]]:
    from assistants.selectors import assistant_list_usable_by

    return [
        {
            "id": a.slug,
            "object": "model",
            "created": int(a.created_at.timestamp()),
            "owned_by": a.department.name,
            "name": a.name,
            "description": a.description,
        }
        for a in assistant_list_usable_by(actor=actor).select_related("department")
    ]


@csrf_exempt
@api_key_scopes({"GET": ApiScope.CHAT})
async def models(request: HttpRequest) -> HttpResponseBase:
    actor, error = await _actor_or_error(request)
    if error is not None:
        return error
    data = await in_db_thread(_models)(actor)
    return JsonResponse({"object": "list", "data": data}, json_dumps_params={"ensure_ascii": False})


def _text_of(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):  # [{"type": "text", "text": ...}, ...]
        return "\n".join(
            str(p.get("text", "")) for p in content if isinstance(p, dict) and p.get("type") == "text"
        )
    return ""


def _prepare(actor: Any, body: dict[str, Any]) -> Turn:
    from assistants.conversations import conversation_create
    from assistants.selectors import assistant_get_by_slug_for

    assistant = assistant_get_by_slug_for(actor=actor, slug=str(body.get("model", "")))
    messages = [m for m in body.get("messages") or [] if isinstance(m, dict)]
    turns = [(str(m.get("role")), _text_of(m.get("content"))) for m in messages]
    # The client's own system messages are ignored: the assistant's instructions apply.
    turns = [(role, text) for role, text in turns if role in ("user", "assistant") and text]
    if not turns or turns[-1][0] != "user":
        from bureau.exceptions import ValidationFailed

        raise ValidationFailed("The last message must come from the user.")
    question = turns[-1][1]
    # Before the conversation is created, so that a refused request leaves nothing behind.
    chat_turn_admit(
        actor=actor, organization_id=assistant.organization_id, department_id=assistant.department_id
    )
    conversation = conversation_create(actor=actor, assistant=assistant, title=question[:80])
    return prepare_turn(actor=actor, conversation_id=conversation.pk, question=question, history=turns[:-1])


def _completion(turn: Turn, events: list[ev.Event], model: str) -> JsonResponse:
    errors = [e.data for e in events if e.type == ev.ERROR]
    if errors:
        return openai_error(502, errors[0]["message"], "api_error", errors[0]["code"])
    return JsonResponse(
        {
            "id": f"chatcmpl-{turn.answer.pk}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": model,
            "choices": [
                {"index": 0, "message": {"role": "assistant", "content": turn.text}, "finish_reason": "stop"}
            ],
            "usage": {
                "prompt_tokens": turn.prompt_tokens,
                "completion_tokens": turn.completion_tokens,
                "total_tokens": turn.prompt_tokens + turn.completion_tokens,
            },
            "citations": [e.data for e in events if e.type == ev.CITATION],
            "bureau": {
                "conversation_id": turn.conversation.pk,
                "message_id": turn.answer.pk,
                "version": turn.version.number,
            },
        },
        json_dumps_params={"ensure_ascii": False},
    )


async def _chunks(turn: Turn, model: str, include_usage: bool) -> AsyncIterator[bytes]:
    base = {
        "id": f"chatcmpl-{turn.answer.pk}",
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": model,
    }

    def frame(payload: dict[str, Any]) -> bytes:
        return b"data: " + orjson.dumps({**base, **payload}, option=orjson.OPT_NON_STR_KEYS) + b"\n\n"

    yield frame(
        {"choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}, "finish_reason": None}]}
    )
    citations: list[dict[str, Any]] = []
    async for event in stream_turn(turn):
        if event.type == ev.TEXT_DELTA:
            yield frame(
                {"choices": [{"index": 0, "delta": {"content": event.data["text"]}, "finish_reason": None}]}
            )
        elif event.type == ev.CITATION:
            citations.append(event.data)
        elif event.type == ev.ERROR:
            error = {
                "error": {"message": event.data["message"], "type": "api_error", "code": event.data["code"]}
            }
            yield b"data: " + orjson.dumps(error) + b"\n\n"
            yield b"data: [DONE]\n\n"
            return
    yield frame({"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}], "citations": citations})
    if include_usage:
        yield frame(
            {
                "choices": [],
                "usage": {
                    "prompt_tokens": turn.prompt_tokens,
                    "completion_tokens": turn.completion_tokens,
                    "total_tokens": turn.prompt_tokens + turn.completion_tokens,
                },
            }
        )
    yield b"data: [DONE]\n\n"


@csrf_exempt
@api_key_scopes({"POST": ApiScope.CHAT})
async def chat_completions(request: HttpRequest) -> HttpResponseBase:
    if request.method != "POST":
        return openai_error(405, "Use POST.")
    actor, error = await _actor_or_error(request)
    if error is not None:
        return error
    try:
        body = json.loads(request.body or b"{}")
        if not isinstance(body, dict):
            raise ValueError
    except ValueError:
        return openai_error(400, "The body must be a JSON object.")
    try:
        turn = await in_db_thread(_prepare)(actor, body)
    except QuotaExceeded as exceeded:
        return quota_error(exceeded)
    except BureauError as failure:
        code = "model_not_found" if failure.status_code == 404 else failure.code
        return openai_error(failure.status_code, str(failure.message), code=code)
    model = str(body.get("model"))
    if body.get("stream"):
        include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
        return streaming_response(_chunks(turn, model, include_usage))
    return _completion(turn, await collect(turn), model)
