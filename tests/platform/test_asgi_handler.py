"""The ASGI handler (bureau/asgi_handler.py): a chat turn's request runs its thread-sensitive sync
code (the request signals, closing the response) in asgiref's shared sync thread, not in a thread
started for it; every other request keeps Django's thread of its own."""

from __future__ import annotations

import asyncio
import json
import threading
from typing import Any

import pytest
from django.core.signals import request_started

from bureau.asgi_handler import CHAT_TURN_PATHS, BureauASGIHandler


async def _get(handler: BureauASGIHandler, path: str) -> tuple[int, bytes]:
    """One GET through the handler, as a server would call it; the status and the body."""
    never = asyncio.Event()  # the client does not go away
    sent: list[dict[str, Any]] = []
    requested = False

    async def receive() -> dict[str, Any]:
        nonlocal requested
        if not requested:
            requested = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await never.wait()
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
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
    await handler(scope, receive, send)
    status = next(m["status"] for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return status, body


def _threads_of_request_started(paths: list[str]) -> tuple[list[str], list[tuple[int, bytes]]]:
    """The name of the thread that ran the request_started receivers of each request, and what
    each request answered."""
    names: list[str] = []

    def record(**kwargs: Any) -> None:
        names.append(threading.current_thread().name)

    request_started.connect(record, weak=False)
    try:
        handler = BureauASGIHandler()

        async def run() -> list[tuple[int, bytes]]:
            return [await _get(handler, path) for path in paths]

        answers = asyncio.run(run())
    finally:
        request_started.disconnect(record)
    return names, answers


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
def test_chat_turns_share_one_sync_thread_other_requests_get_their_own() -> None:
    chat = "/api/v1/conversations/1/messages/"
    other = "/api/v1/no-such-endpoint/"
    names, answers = _threads_of_request_started([chat, chat, other, other])

    # The chat view answers as before: a GET is refused with its JSON error.
    for status, body in answers[:2]:
        assert status == 405
        assert json.loads(body)["error"]["code"] == "method_not_allowed"
    assert [status for status, _ in answers[2:]] == [404, 404]
    # Both chat turns' signals ran in the same, already running thread, and not in this one.
    assert names[0] == names[1]
    assert names[0] != threading.current_thread().name
    # Each other request had a thread started for it, as Django does.
    assert names[2] != names[3]
    assert names[0] not in names[2:]
