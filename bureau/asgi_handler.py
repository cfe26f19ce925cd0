"""The ASGI handler: Django's, except that a chat turn does not start a thread of its own.

Django runs each request inside asgiref's ``ThreadSensitiveContext``, which gives the request a new
one-thread executor for its thread-sensitive sync code: at least the ``request_started`` signal's
receivers run there, so every request starts a thread, on the way to its view. A chat turn's view
is async and does its database work in the chat's own thread pool (assistants/chat/db.py), so that
thread would only reset query logs and close connections it never opened. For those URLs the few
thread-sensitive calls (the signals, closing the response) go to asgiref's one shared sync thread
instead, which is already running: the time to first token loses a thread's start, and the
process a thread's creation per turn.
"""

from __future__ import annotations

import re
from typing import Any

from django.core.handlers.asgi import ASGIHandler

# The URLs of a chat turn (a question, a regenerated answer, the OpenAI-compatible completions):
# async views whose own sync code runs in the chat's thread pool.
CHAT_TURN_PATHS = re.compile(
    r"^/(?:api/v1/conversations/\d+/messages/(?:\d+/regenerate/)?|v1/chat/completions)$"
)


class BureauASGIHandler(ASGIHandler):
    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http" and CHAT_TURN_PATHS.match(scope.get("path", "")):
            await self.handle(scope, receive, send)
            return
        await super().__call__(scope, receive, send)

    async def listen_for_disconnect(self, receive: Any) -> None:
        """Return when the client goes, where Django raises RequestAborted. The server says so
        once the response is complete, so Django raised it at the end of every request, and
        handle() only ignores it (as it ignores a plain return: either way it cancels the view if
        it still runs). But that exception's traceback holds handle()'s frame, whose list of tasks
        holds the exception: a reference cycle through the request, the response and all they
        refer to. Objects in a cycle wait for the garbage collector, and a streamed answer's
        objects have lived long enough by then to reach its oldest generation, whose passes stop
        the event loop (all of the process's streams) for tens of milliseconds."""
        message = await receive()
        if message["type"] != "http.disconnect":
            raise AssertionError(f"Invalid ASGI message after request body: {message['type']}")
