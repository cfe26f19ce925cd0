"""The OpenAI-compatible API: each assistant the caller may use is a model named by its slug.
`GET /v1/models`, `GET /v1/models/{model}`, `POST /v1/chat/completions` (streaming and not). The
assistant's published version answers — its instructions, knowledge and tools apply — and its
citations come in an extra field. Of the request's parameters, `max_tokens` (or
`max_completion_tokens`) lowers the version's limit and `temperature` replaces the version's; `n`
other than 1 is refused. Any other path under `/v1/` answers OpenAI's 404 (bureau.http.errors.not_found)."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any

import orjson
from django.http import HttpRequest, JsonResponse
from django.http.response import HttpResponseBase
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from assistants.chat import events as ev
from assistants.chat.db import in_db_thread
from assistants.chat.prepare import prepare_turn
from assistants.chat.stream import collect, stream_turn
from assistants.chat.types import Turn
from assistants.chat.views import _Unauthenticated, authenticate, streaming_response
from bureau.exceptions import BureauError, NotFound, PermissionDenied, QuotaExceeded, ValidationFailed
from bureau.http import request_input
from bureau.http.errors import openai_error, openai_error_body
from bureau.quotas.models import QuotaKind
from bureau.quotas.services import chat_turn_admit
from bureau.tenancy.models import ApiScope
from bureau.tenancy.scopes import api_key_scopes

# The `type` OpenAI gives a rate-limit error: what ran out, requests or tokens.
_RATE_LIMIT_TYPES = {
    QuotaKind.API_KEY_REQUESTS_PER_MINUTE: "requests",
    QuotaKind.DEPARTMENT_TOKENS_PER_MONTH: "tokens",
    QuotaKind.USER_MESSAGES_PER_DAY: "requests",
}


def quota_error(error: QuotaExceeded) -> JsonResponse:
    """OpenAI's 429 shape (code `rate_limit_exceeded`, which its clients retry after Retry-After),
    with which limit and when it resets added for clients that read them."""
    body = openai_error_body(
        str(error.message),
        _RATE_LIMIT_TYPES.get(error.details.get("limit", ""), "requests"),
        "rate_limit_exceeded",
        limit=error.details.get("limit"),
        resets_at=error.details.get("resets_at"),
        retry_after=error.retry_after,
    )
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


def _model(assistant: Any) -> dict[str, Any]:
    return {
        "id": assistant.slug,
        "object": "model",
        "created": int(assistant.created_at.timestamp()),
        "owned_by": assistant.department.name,
        "name": assistant.name,
        "description": assistant.description,
    }


def _models(actor: Any) -> list[dict[str, Any]]:
    from assistants.catalog.selectors import assistant_list_usable_by

    return [_model(a) for a in assistant_list_usable_by(actor=actor).select_related("department")]


def _model_usable_by(actor: Any, slug: str) -> dict[str, Any] | None:
    from assistants.catalog.selectors import assistant_list_usable_by

    usable = assistant_list_usable_by(actor=actor).select_related("department")
    assistant = usable.filter(slug=slug).order_by("organization_id", "pk").first()
    return _model(assistant) if assistant is not None else None


@csrf_exempt
@api_key_scopes({"GET": ApiScope.CHAT})
async def models(request: HttpRequest) -> HttpResponseBase:
    actor, error = await _actor_or_error(request)
    if error is not None:
        return error
    data = await in_db_thread(_models)(actor)
    return JsonResponse({"object": "list", "data": data}, json_dumps_params={"ensure_ascii": False})


def _model_not_found(message: str) -> JsonResponse:
    return openai_error(404, message, code="model_not_found", param="model")


@csrf_exempt
@api_key_scopes({"GET": ApiScope.CHAT})
async def model_detail(request: HttpRequest, model: str) -> HttpResponseBase:
    """`models.retrieve`: a model this key or user may use, else OpenAI's 404."""
    if request.method != "GET":
        return openai_error(405, "Use GET.")
    actor, error = await _actor_or_error(request)
    if error is not None:
        return error
    found = await in_db_thread(_model_usable_by)(actor, model)
    if found is None:
        return _model_not_found(_("Assistant not found."))
    return JsonResponse(found, json_dumps_params={"ensure_ascii": False})


class _BadParameter(Exception):
    def __init__(self, param: str, message: str) -> None:
        super().__init__(message)
        self.param = param
        self.message = message


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _generation_options(body: dict[str, Any]) -> dict[str, Any]:
    """The request's `n`, `max_tokens` and `temperature`, checked: what `prepare_turn` applies."""
    n = body.get("n")
    if n is not None and (not _is_number(n) or n != 1):
        raise _BadParameter("n", "Only n=1 is supported: each request gives one choice.")
    options: dict[str, Any] = {}
    for param in ("max_completion_tokens", "max_tokens"):  # the newer name first, as OpenAI reads them
        value = body.get(param)
        if value is None:
            continue
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise _BadParameter(param, f"'{param}' must be a positive integer.")
        options.setdefault("max_tokens", value)
    temperature = body.get("temperature")
    if temperature is not None:
        if not _is_number(temperature) or not 0 <= temperature <= 2:
            raise _BadParameter("temperature", "'temperature' must be a number between 0 and 2.")
        options["temperature"] = float(temperature)
    return options


def _text_of(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):  # [{"type": "text", "text": ...}, ...]
        return "\n".join(
            str(p.get("text", "")) for p in content if isinstance(p, dict) and p.get("type") == "text"
        )
    return ""


def _prepare(actor: Any, body: dict[str, Any], options: dict[str, Any]) -> Turn:
    from assistants.catalog.selectors import assistant_get_by_slug_for
    from assistants.conversations.services import conversation_create

    assistant = assistant_get_by_slug_for(actor=actor, slug=str(body.get("model", "")))
    messages = [m for m in body.get("messages") or [] if isinstance(m, dict)]
    turns = [(str(m.get("role")), _text_of(m.get("content"))) for m in messages]
    # The client's own system messages are ignored: the assistant's instructions apply.
    turns = [(role, text) for role, text in turns if role in ("user", "assistant") and text]
    if not turns or turns[-1][0] != "user":
        raise ValidationFailed("The last message must come from the user.")
    question = turns[-1][1]
    # Before the conversation is created, so that a refused request leaves nothing behind.
    chat_turn_admit(
        actor=actor, organization_id=assistant.organization_id, department_id=assistant.department_id
    )
    conversation = conversation_create(actor=actor, assistant=assistant, title=question[:80])
    return prepare_turn(
        actor=actor, conversation_id=conversation.pk, question=question, history=turns[:-1], **options
    )


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
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": turn.text},
                    "finish_reason": turn.finish_reason,
                }
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
            error = openai_error_body(event.data["message"], "api_error", event.data["code"])
            yield b"data: " + orjson.dumps(error) + b"\n\n"
            yield b"data: [DONE]\n\n"
            return
    yield frame(
        {"choices": [{"index": 0, "delta": {}, "finish_reason": turn.finish_reason}], "citations": citations}
    )
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
        body = request_input.body_json(request)  # nesting and NUL checked by the middleware
        if not isinstance(body, dict):
            raise ValueError
    except ValueError:
        return openai_error(400, "The body must be a JSON object.")
    try:
        options = _generation_options(body)
    except _BadParameter as bad:
        return openai_error(400, bad.message, param=bad.param)
    try:
        turn = await in_db_thread(_prepare)(actor, body, options)
    except QuotaExceeded as exceeded:
        return quota_error(exceeded)
    except NotFound as missing:
        return _model_not_found(str(missing.message))
    except BureauError as failure:
        return openai_error(failure.status_code, str(failure.message), code=failure.code)
    model = str(body.get("model"))
    if body.get("stream"):
        include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
        return streaming_response(_chunks(turn, model, include_usage))
    return _completion(turn, await collect(turn), model)
