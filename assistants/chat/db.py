"""Running the chat's database work from async code."""

from __future__ import annotations

import contextvars
import functools
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import ParamSpec, TypeVar

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import close_old_connections, connection

P = ParamSpec("P")
R = TypeVar("R")

# Its own threads: the loop's default executor has only cores + 4, and a turn's database work
# mostly waits on PostgreSQL, so more threads let more turns prepare at once (the connection pool,
# DB_POOL_MAX_SIZE, still bounds what reaches the database).
EXECUTOR = ThreadPoolExecutor(max_workers=32, thread_name_prefix="chat-db")
# What runs beside() a turn's thread has threads of its own: queued behind the turns that wait for
# it, in the same pool, it could wait for ever.
BESIDE_EXECUTOR = ThreadPoolExecutor(max_workers=16, thread_name_prefix="chat-beside")


def in_db_thread(function: Callable[P, R]) -> Callable[P, Awaitable[R]]:
    """`function` in a thread of the pool, not in the one thread Django keeps for sync code, so
    that many streaming answers do not wait for each other; its connection goes back to the pool
    when it returns (pool threads outlive requests, which would otherwise hold connections). Under
    pytest (CHAT_DB_THREAD_SENSITIVE) it runs in the test's thread, where the test's data is."""
    if settings.CHAT_DB_THREAD_SENSITIVE:
        return sync_to_async(function, thread_sensitive=True)
    return sync_to_async(_released(function), thread_sensitive=False, executor=EXECUTOR)


def beside(function: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> Callable[[], R]:
    """Starts `function` in another thread, on a connection of its own, while the caller goes on
    with its own queries; what it returns gives the result (or raises the error) when called.
    Waiting, the caller gives its connection back to the pool first (outside a transaction only):
    with every connection held by a caller waiting for its `function`, none would be left for it.
    Under pytest (CHAT_DB_THREAD_SENSITIVE) `function` runs when called, in the caller's thread,
    where the test's data is."""
    if settings.CHAT_DB_THREAD_SENSITIVE:
        return functools.partial(function, *args, **kwargs)
    # The caller's context goes along: the active language, the request's id for the logs.
    context, released = contextvars.copy_context(), _released(function)
    future = BESIDE_EXECUTOR.submit(lambda: context.run(released, *args, **kwargs))

    def result() -> R:
        if not connection.in_atomic_block:
            connection.close()
        return future.result()

    return result


def _released(function: Callable[P, R]) -> Callable[P, R]:
    @functools.wraps(function)
    def released(*args: P.args, **kwargs: P.kwargs) -> R:
        close_old_connections()
        try:
            return function(*args, **kwargs)
        finally:
            connection.close()

    return released
