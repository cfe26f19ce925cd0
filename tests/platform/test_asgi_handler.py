"""The ASGI handler (bureau/runtime/asgi_handler.py): a chat turn's request sends the request signals and
closes its response in the event loop's thread, with no hop to a sync thread; every other request
keeps Django's thread of its own for them."""

from __future__ import annotations

import asyncio
import gc
import json
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from typing import Any

import pytest
from django.core.exceptions import RequestAborted
from django.core.handlers.asgi import ASGIHandler
from django.core.signals import request_finished, request_started
from django.http import StreamingHttpResponse
from django.test import override_settings
from django.urls import path as url_path

from bureau.runtime.asgi_handler import CHAT_TURN_PATHS, BureauASGIHandler


def _scope(path: str) -> dict[str, Any]:
    """The scope of a GET of `path`, as a server passes it."""
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"testserver")],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }


def _request_then_disconnect_on(gone: asyncio.Event) -> Callable[[], Awaitable[dict[str, Any]]]:
    """A server's receive(): the request's (empty) body, then "http.disconnect" once `gone` is set."""
    requested = False

    async def receive() -> dict[str, Any]:
        nonlocal requested
        if not requested:
            requested = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await gone.wait()
        return {"type": "http.disconnect"}

    return receive


async def _get(
    handler: ASGIHandler, path: str, *, disconnect_when_complete: bool = False
) -> tuple[int, bytes]:
    """One GET through the handler, as a server would call it; the status and the body. The client
    does not go away; with `disconnect_when_complete`, the server says "http.disconnect" once the
    response is complete, as uvicorn does."""
    complete = asyncio.Event()
    sent: list[dict[str, Any]] = []
    receive = _request_then_disconnect_on(complete)

    async def send(message: Mapping[str, Any]) -> None:
        sent.append(dict(message))
        last_body = message["type"] == "http.response.body" and not message.get("more_body")
        if disconnect_when_complete and last_body:
            complete.set()

    await handler(_scope(path), receive, send)
    status = next(m["status"] for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return status, body


def _threads_of_request_signals(paths: list[str]) -> tuple[list[tuple[str, str]], list[tuple[int, bytes]]]:
    """The names of the threads that ran the request_started and the request_finished receivers
    of each request, and what each request answered."""
    started: list[str] = []
    finished: list[str] = []

    def record_start(**kwargs: Any) -> None:
        started.append(threading.current_thread().name)

    def record_finish(**kwargs: Any) -> None:
        finished.append(threading.current_thread().name)

    request_started.connect(record_start, weak=False)
    request_finished.connect(record_finish, weak=False)
    try:
        handler = BureauASGIHandler()

        async def run() -> list[tuple[int, bytes]]:
            return [await _get(handler, path) for path in paths]

        answers = asyncio.run(run())
    finally:
        request_started.disconnect(record_start)
        request_finished.disconnect(record_finish)
    return list(zip(started, finished, strict=True)), answers


def test_chat_turn_urls_are_matched_exactly() -> None:
    for path in (
        "/api/v1/conversations/12/messages/",
        "/api/v1/conversations/12/messages/34/regenerate/",
        "/v1/chat/completions",
    ):
        assert CHAT_TURN_PATHS.match(path), path
    for path in (
        "/api/v1/conversations/",
        "/api/v1/conversations/12/",
        "/api/v1/conversations/12/messages/34/stop/",
        "/api/v1/conversations/12/messages/34/feedback/",
        "/api/v1/conversations/12/messages/x",
        "/v1/models",
        "/v1/chat/completions/extra",
    ):
        assert not CHAT_TURN_PATHS.match(path), path


@pytest.mark.django_db
def test_chat_turns_send_the_request_signals_in_the_event_loop_other_requests_in_a_thread() -> None:
    chat = "/api/v1/conversations/1/messages/"
    other = "/api/v1/no-such-endpoint/"
    threads, answers = _threads_of_request_signals([chat, chat, other, other])

    # The chat view answers as before: a GET is refused with its JSON error.
    for status, body in answers[:2]:
        assert status == 405
        assert json.loads(body)["error"]["code"] == "method_not_allowed"
    assert [status for status, _ in answers[2:]] == [404, 404]
    # Both chat turns' signals, at the start and at the end, ran in the event loop's thread
    # (asyncio.run runs it in this one).
    loop_thread = threading.current_thread().name
    assert threads[:2] == [(loop_thread, loop_thread)] * 2
    # Each other request had a thread started for it, as Django does, for both of its signals.
    assert threads[2][0] == threads[2][1] != threads[3][0] == threads[3][1]
    assert loop_thread not in {threads[2][0], threads[3][0]}


def _exceptions_left_in_cycles(handler: ASGIHandler, path: str) -> list[RequestAborted]:
    """The RequestAborted exceptions that a request through the handler left to the garbage
    collector (with the collector off meanwhile, so that nothing is freed behind the test's back)."""
    gc.collect()
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)  # what a collection finds unreachable goes to gc.garbage
    try:
        asyncio.run(_get(handler, path, disconnect_when_complete=True))
        gc.collect()
        return [each for each in gc.garbage if isinstance(each, RequestAborted)]
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api/v1/conversations/1/messages/", "/api/v1/no-such-endpoint/"])
def test_a_complete_request_leaves_no_exception_cycle_behind(path: str) -> None:
    # Django's own handler, for comparison: the server's "http.disconnect" after the response
    # becomes a RequestAborted whose traceback and handle()'s frame refer to each other. (If this
    # fails, Django no longer raises there, and BureauASGIHandler.listen_for_disconnect can go.)
    assert _exceptions_left_in_cycles(ASGIHandler(), path)
    assert _exceptions_left_in_cycles(BureauASGIHandler(), path) == []


# A URLconf of one endpoint streaming without end, for the test below.
streams_closed: list[str] = []


async def _endless_stream(request: Any, **url_arguments: Any) -> StreamingHttpResponse:
    async def chunks() -> AsyncIterator[bytes]:
        try:
            while True:
                yield b"data: ...\n\n"
                await asyncio.sleep(0.01)
        finally:
            streams_closed.append(request.path)

    return StreamingHttpResponse(chunks(), content_type="text/event-stream")


urlpatterns = [
    url_path("endless/", _endless_stream),
    url_path("api/v1/conversations/<int:conversation_id>/messages/", _endless_stream),
]


@pytest.mark.django_db
@override_settings(ROOT_URLCONF=__name__)
@pytest.mark.parametrize(
    "path", ["/endless/", "/api/v1/conversations/7/messages/"]
)  # Django's, a chat turn's
def test_a_client_going_away_mid_stream_stops_the_stream(path: str) -> None:
    streams_closed.clear()
    sent: list[Mapping[str, Any]] = []
    gone = asyncio.Event()
    receive = _request_then_disconnect_on(gone)

    async def send(message: Mapping[str, Any]) -> None:
        sent.append(message)
        if len(sent) == 4:  # the response's start and three chunks
            gone.set()

    asyncio.run(asyncio.wait_for(BureauASGIHandler()(_scope(path), receive, send), timeout=10))

    # The handler returned (an endless stream would have timed out), and the view's generator was
    # closed, where a chat turn stores what was written so far.
    assert streams_closed == [path]
    assert 4 <= len(sent) <= 6
