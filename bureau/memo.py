"""Configuration reads that every chat turn repeats (who an API key is; a conversation's assistant,
version, provider and knowledge bases, and whether the asker may still see the assistant; the quota
limits that apply), kept in each process while nothing has changed.

Every change to configuration writes an audit event in its transaction (bureau/audit/services.py),
and so does an edit in the Django admin (its LogEntry). Each of them moves the shared change
counter, the *epoch*, kept in Redis: at once, and again when the transaction commits. A chat turn
reads the epoch once, before its first database read (`reading()`), and uses an entry only if it
was computed at that same epoch; so a revoked key, a removed share or a changed classification
applies from the next turn, in every process. (The bump at commit is the one that counts: a turn
that read the epoch after the first bump but read the database before the commit stored what it saw
under an epoch that is gone by then.) An entry also expires after MAX_AGE_SECONDS, which bounds a
change made where neither path sees it (SQL typed into a console).

Outside `reading()` nothing is memoized: only the chat turn, whose time to first token this is
for, opts in. Without Redis there is no epoch, and every read goes to the database.

Entries are shared between the threads of a process: callers must not change what they get.
"""

from __future__ import annotations

import contextlib
import logging
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from typing import Any, TypeVar

from django.db import transaction

from bureau import shared_redis

logger = logging.getLogger(__name__)

T = TypeVar("T")

EPOCH_KEY = "config-epoch"
MAX_AGE_SECONDS = 30.0
MAX_ENTRIES = 20_000

_entries: OrderedDict[Hashable, tuple[int, float, Any]] = OrderedDict()
_lock = threading.Lock()
_turn = threading.local()


def epoch() -> int | None:
    """The shared change counter, or None when Redis cannot be read."""
    redis, name = shared_redis.client(), shared_redis.key(EPOCH_KEY)
    try:
        value = redis.get(name)
        if value is None:  # never set, or Redis lost it: start from a number no process has seen
            redis.set(name, _fresh_epoch(), nx=True)
            value = redis.get(name)
    except Exception as error:  # Redis down: no memo, not no chat
        logger.warning("config epoch unreadable: %s", error)
        return None
    return int(value) if value is not None else None


def bump() -> None:
    """Marks every process's memo stale (call after a change to configuration)."""
    name = shared_redis.key(EPOCH_KEY)
    try:
        with shared_redis.client().pipeline() as pipeline:
            pipeline.set(name, _fresh_epoch(), nx=True)  # no counter yet: INCR would start it at 1
            pipeline.incr(name)
            pipeline.execute()
    except Exception as error:
        # Without Redis no process can read the epoch either, so none uses its memo.
        logger.warning("config epoch not moved: %s", error)


def _fresh_epoch() -> int:
    # Random, so that a counter lost with Redis never comes back to a value that entries still carry.
    return secrets.randbelow(2**62)


def changed() -> None:
    """A change to configuration in the current transaction: the epoch moves now and at commit."""
    bump()
    transaction.on_commit(bump)


@contextlib.contextmanager
def reading() -> Iterator[None]:
    """Within this block (in this thread), remember() serves entries of the epoch read on entry."""
    previous = getattr(_turn, "epoch", None)
    _turn.epoch = epoch()
    try:
        yield
    finally:
        _turn.epoch = previous


def remember(key: Hashable, compute: Callable[[], T]) -> T:
    """compute(), or what it returned at this epoch (inside reading() only). An exception is not
    remembered."""
    at = getattr(_turn, "epoch", None)
    if at is None:
        return compute()
    now = time.monotonic()
    entry = _entries.get(key)
    if entry is not None and entry[0] == at and now - entry[1] < MAX_AGE_SECONDS:
        return entry[2]
    value = compute()
    with _lock:
        _entries[key] = (at, now, value)
        _entries.move_to_end(key)
        while len(_entries) > MAX_ENTRIES:
            _entries.popitem(last=False)
    return value


def forget_all() -> None:
    """Empties this process's memo (tests)."""
    with _lock:
        _entries.clear()
