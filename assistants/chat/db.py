"""Running the chat's database work from async code."""

from __future__ import annotations

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


def in_db_thread(function: Callable[P, R]) -> Callable[P, Awaitable[R]]:
    """`function` in a thread of the pool, not in the one thread Django keeps for sync code, so
    that many streaming answers do not wait for each other; its connection goes back to the pool
    when it returns (pool threads outlive requests, which would otherwise hold connections). Under
    pytest (CHAT_DB_THREAD_SENSITIVE) it runs in the test's thread, where the test's data is."""
    if settings.CHAT_DB_THREAD_SENSITIVE:
        return sync_to_async(function, thread_sensitive=True)

    @functools.wraps(function)
    def released(*args: P.args, **kwargs: P.kwargs) -> R:
        close_old_connections()
        try:
            return function(*args, **kwargs)
        finally:
            connection.close()

    return sync_to_async(released, thread_sensitive=False, executor=EXECUTOR)
