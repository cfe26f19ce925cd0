"""The streaming endpoints: asking a question and regenerating an answer. They are async Django views
(not DRF, which is sync) so that a streaming answer holds no worker thread; they authenticate the
same two ways as the rest of the API (API key, or session with its CSRF check) and answer errors in
the same JSON shape."""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.middleware.csrf import CsrfViewMiddleware
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from rest_framework.exceptions import AuthenticationFailed

from assistants.chat import events as ev
from assistants.chat.db import in_db_thread
from assistants.chat.prepare import AttachmentsPending, prepare_turn
from assistants.chat.stream import collect, stream_turn
from assistants.chat.types import Turn
from assistants.chat.waiting import attachments_indexing
from assistants.conversations.attachments import UnreadyAttachment
from bureau.exceptions import BureauError
from bureau.http import request_input
from bureau.http.errors import error_json, response_for
from bureau.quotas.services import actor_request_admit
from bureau.runtime import memo
from bureau.tenancy.access import ApiKeyActor
from bureau.tenancy.authentication import authenticate_api_key
from bureau.tenancy.models import ApiScope
from bureau.tenancy.scopes import api_key_scope_check, api_key_scopes
from bureau.tenancy.services import API_KEY_PREFIX


class _Unauthenticated(Exception):
    def __init__(self, message: str) -> None:
        self.message = message


def _csrf_failure(request: HttpRequest) -> HttpResponse | None:
    """As DRF's SessionAuthentication: a session-authenticated write must carry the CSRF token."""
    check = CsrfViewMiddleware(lambda req: HttpResponse())
    check.process_request(request)
    return check.process_view(request, lambda req: HttpResponse(), (), {})


def _admitted_api_key(request: HttpRequest, raw_key: str) -> ApiKeyActor:
    try:
        actor = ApiKeyActor(authenticate_api_key(raw_key))
    except AuthenticationFailed as error:
        raise _Unauthenticated(str(error.detail)) from None
    # The scope this route declares, checked as for the DRF views (bureau.http.drf.ApiKeyScopeRequired),
    # before the request counts against the key's requests per minute, as there.
    view = request.resolver_match.func if request.resolver_match else None
    api_key_scope_check(actor=actor, view=view, method=request.method or "GET")
    actor_request_admit(actor)  # its requests per minute, as for the DRF views (throttles.py)
    return actor


def authenticate_in_thread(request: HttpRequest) -> Any:
    """The actor, or _Unauthenticated, PermissionError (CSRF), PermissionDenied (an API key without
    the scope the route needs) or QuotaExceeded (an API key's requests per minute). Synchronous: it
    reads the database (the key, or the session and its user), so it runs in a database thread,
    with whatever else the request needs there."""
    header = request.headers.get("Authorization", "")
    scheme, _sep, token = header.partition(" ")
    if scheme.lower() == "bearer" and token.strip().startswith(API_KEY_PREFIX):  # RFC 7235: any case
        return _admitted_api_key(request, token.strip())
    user = request.user  # the lazy user of AuthenticationMiddleware, read here from the session
    if not user.is_authenticated:
        raise _Unauthenticated(_("Authentication credentials were not provided."))
    if _csrf_failure(request) is not None:
        raise PermissionError(_("CSRF check failed."))
    return user


async def authenticate(request: HttpRequest) -> Any:
    """As authenticate_in_thread, from async code."""
    return await in_db_thread(authenticate_in_thread)(request)


def _wants_stream(request: HttpRequest) -> bool:
    return "text/event-stream" in request.headers.get("Accept", "")


def streaming_response(chunks: Any) -> StreamingHttpResponse:
    response = StreamingHttpResponse(chunks, content_type="text/event-stream; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"  # proxies must not buffer the stream
    return response


def answer_json(turn: Turn, events: list[ev.Event]) -> JsonResponse:
    errors = [e.data for e in events if e.type == ev.ERROR]
    completed = next((e.data for e in events if e.type == ev.MESSAGE_COMPLETED), {})
    body = {
        "message_id": turn.answer.pk,
        "conversation_id": turn.conversation.pk,
        "version": turn.version.number,
        "status": completed.get("status", "failed"),
        "content": turn.text,
        "extractive": turn.answer.extractive,
        "citations": [e.data for e in events if e.type == ev.CITATION],
        "tool_calls": [e.data for e in events if e.type in (ev.TOOL_CALL, ev.TOOL_RESULT)],
        "usage": completed.get(
            "usage", {"prompt_tokens": turn.prompt_tokens, "completion_tokens": turn.completion_tokens}
        ),
        "ttft_ms": turn.ttft_ms,
        "latency_ms": completed.get("latency_ms"),
        "redactions": turn.redactor.counts,
        "attachments_unavailable": [a.unavailable_data() for a in turn.unavailable_attachments],
        "error": errors[0] if errors else None,
    }
    return JsonResponse(body, status=502 if errors else 200, json_dumps_params={"ensure_ascii": False})


class _BadBody(Exception):
    pass


# Prepares the turn of (actor, body); the flag asks it to raise AttachmentsPending rather than
# answer without an attachment still being indexed.
Prepare = Callable[[Any, dict[str, Any], bool], Turn]


@dataclass
class _Waiting:
    """A turn waiting for attachments being indexed: `resume` prepares it once the wait is over."""

    conversation_id: int
    unready: list[UnreadyAttachment]
    resume: Callable[[], Turn]


def _authenticated_turn(request: HttpRequest, prepare: Prepare) -> Turn | _Waiting:
    """Who asks, then the turn (quotas, retrieval, the prompt), in one database thread: each hop
    between the event loop and a thread waits for a turn of the loop, which many concurrent streams
    keep busy, and would add to the time to first token."""
    with memo.reading():  # what every turn reads of the configuration, remembered while unchanged
        actor = authenticate_in_thread(request)
        try:
            body = request_input.body_json(request)  # nesting and NUL checked by the middleware
        except ValueError:
            raise _BadBody() from None
        if not isinstance(body, dict):
            raise _BadBody()
        try:
            return prepare(actor, body, True)
        except AttachmentsPending as pending:
            return _Waiting(
                pending.conversation_id, pending.unready, functools.partial(_resumed, prepare, actor, body)
            )


def _resumed(prepare: Prepare, actor: Any, body: dict[str, Any]) -> Turn:
    """The turn prepared again after the wait (checked again: access, quotas), with what is ready."""
    with memo.reading():
        return prepare(actor, body, False)


async def _stream_after_waiting(waiting: _Waiting) -> AsyncIterator[ev.Event]:
    """The stream of a turn that waits first: the waiting is streamed as it goes, then the answer;
    what refuses the turn after the wait (a quota, a revoked access) ends it in an `error` event."""
    async for indexing in attachments_indexing(waiting.conversation_id, waiting.unready):
        yield ev.Event(ev.ATTACHMENT_WAITING, {"attachments": [a.waiting_data() for a in indexing]})
    try:
        turn = await in_db_thread(waiting.resume)()
    except BureauError as error:
        yield ev.Event(ev.ERROR, {"code": error.code, "message": str(error.message), "message_id": None})
        return
    async for event in stream_turn(turn):
        yield event


async def _answer(request: HttpRequest, prepare: Prepare) -> HttpResponseBase:
    try:
        # Quotas are checked in here, so a refused streaming request gets a JSON 429, not a stream.
        prepared = await in_db_thread(_authenticated_turn)(request, prepare)
        if isinstance(prepared, _Waiting) and not _wants_stream(request):
            async for _indexing in attachments_indexing(prepared.conversation_id, prepared.unready):
                pass  # the JSON answer arrives once the wait is over
            prepared = await in_db_thread(prepared.resume)()
    except _Unauthenticated as error:
        return error_json(401, "not_authenticated", error.message)
    except PermissionError as error:
        return error_json(403, "permission_denied", str(error))
    except _BadBody:
        return error_json(400, "invalid", _("The body must be a JSON object."))
    except BureauError as error:  # QuotaExceeded among them, with its Retry-After
        return response_for(error)
    if isinstance(prepared, _Waiting):
        return streaming_response(ev.as_sse(_stream_after_waiting(prepared)))
    if _wants_stream(request):
        return streaming_response(ev.as_sse(stream_turn(prepared)))
    return answer_json(prepared, await collect(prepared))


@csrf_exempt
@api_key_scopes({"POST": ApiScope.CHAT})
async def message_create(request: HttpRequest, conversation_id: int) -> HttpResponseBase:
    """POST a question; the answer streams as server-sent events with `Accept: text/event-stream`,
    else comes back as one JSON object."""
    if request.method != "POST":
        return error_json(405, "method_not_allowed", _("Use POST."))

    def prepare(actor: Any, body: dict[str, Any], wait: bool) -> Turn:
        return prepare_turn(
            actor=actor,
            conversation_id=conversation_id,
            question=str(body.get("content", "")),
            wait_for_attachments=wait,
        )

    return await _answer(request, prepare)


@csrf_exempt
@api_key_scopes({"POST": ApiScope.CHAT})
async def message_regenerate(request: HttpRequest, conversation_id: int, message_id: int) -> HttpResponseBase:
    if request.method != "POST":
        return error_json(405, "method_not_allowed", _("Use POST."))

    def prepare(actor: Any, body: dict[str, Any], wait: bool) -> Turn:
        return prepare_turn(
            actor=actor,
            conversation_id=conversation_id,
            question="",
            regenerate_message_id=message_id,
            wait_for_attachments=wait,
        )

    return await _answer(request, prepare)


AsyncView = Callable[..., Awaitable[HttpResponse]]
