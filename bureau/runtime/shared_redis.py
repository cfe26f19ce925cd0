"""The shared Redis of the cache, for the commands every chat turn sends (bureau/runtime/memo.py's epoch, an
API key's requests per minute): one client per process, and keys named as the cache names them, so
that `cache.get` reads what is written here. Django's RedisCache builds a client object for each
call, which costs several times the command itself (docs/performance.md)."""

from __future__ import annotations

import functools
from typing import Any

from django.core.cache import cache


@functools.cache
def client() -> Any:
    """redis.Redis over the cache's connection pool (which starts afresh in a forked process)."""
    return cache._cache.get_client(write=True)  # type: ignore[attr-defined]


def key(name: str) -> str:
    return cache.make_and_validate_key(name)


def forget_client() -> None:
    """After the cache's server moved (tests that restart Redis)."""
    client.cache_clear()
