"""The ASGI handler: Django's, except that a chat turn does not start a thread of its own.

Django runs each request inside asgiref's ``ThreadSensitiveContext``, which gives the request a new
one-thread executor for its thread-sensitive sync code: at least the ``request_started`` signal's
receivers run there, so every request starts a thread, on the way to its view. A chat turn's view
is async and does its database work in the chat's own thread pool (assistants/chat/db.py), so that
thread would only reset query logs and close connections it never opened. For those URLs the few
thread-sensitive calls (the signals, closing the response) go to asgiref's one shared sync thread
instead, which is already running: the time to first token loses a thread's start, and the
process a thread's creation per turn.

Those calls themselves no longer leave the event loop either (`handle_chat_turn`): the receivers
of `request_started` and `request_finished` act on the calling thread's database connections and
caches, and the event loop's thread has none (a chat turn's are opened and closed in the chat's
threads). Each of the two hops to the shared sync thread cost the event loop a submission and a
wake-up, and the first came before the view, on the way to the first token (figures:
docs/performance.md).
"""

from __future__ import annotations

import asyncio
import re
from contextlib import suppress
from typing import Any

from django.core import signals
from django.core.exceptions import RequestAborted
from django.core.handlers.asgi import ASGIHandler, get_script_prefix
from django.urls import set_script_prefix

# The URLs of a chat turn (a question, a regenerated answer, the OpenAI-compatible completions):
# async views whose own sync code runs in the chat's thread pool.
CHAT_TURN_PATHS = re.compile(
    r"^/(?:api/v1/conversations/\d+/messages/(?:\d+/regenerate/)?|v1/chat/completions)$"
)


class BureauASGIHandler(ASGIHandler):
    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http" and CHAT_TURN_PATHS.match(scope.get("path", "")):
            await self.handle_chat_turn(scope, receive, send)
            return
        await super().__call__(scope, receive, send)

    async def handle_chat_turn(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        """Django's handle(), with the signals sent and the response closed in this thread (see
        the module's description)."""
        try:
            body_file = await self.read_body(receive)
        except RequestAborted:
            return
        set_script_prefix(get_script_prefix(scope))
        signals.request_started.send(sender=self.__class__, scope=scope)
        request, error_response = self.create_request(scope, body_file)
        if request is None:
            body_file.close()
            if error_response is not None:
                await self.send_response(error_response, send)
                error_response.close()
            return

        async def process_request() -> Any:
            response = await self.run_get_response(request)
            with suppress(asyncio.CancelledError):  # the client went during the response
                await self.send_response(response, send)
            return response

        # As Django: whichever ends first, the client's going or the response, cancels the other.
        tasks = [
            asyncio.create_task(self.listen_for_disconnect(receive)),
            asyncio.create_task(process_request()),
        ]
        try:
            await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
            for task in tasks:
                if task.done():
                    with suppress(RequestAborted):
                        task.result()
                else:
                    task.cancel()
                    with suppress(asyncio.CancelledError):
                        await task
        finally:
            body_file.close()
        try:
            response = tasks[1].result()
        except asyncio.CancelledError:
            signals.request_finished.send(sender=self.__class__)
        else:
            response.close()  # which sends request_finished

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
