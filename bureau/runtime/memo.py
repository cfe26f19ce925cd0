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
under an epoch that is gone by then.)

An entry also ages: after MAX_AGE_SECONDS it is read again, which bounds a change made where neither
path sees it (SQL typed into a console). The turn that finds it too old still gets it, while a
background thread reads it again, so that no turn waits for a reload (the turns that did set the
95th percentile of time to first token: docs/performance.md). A reload that fails (a key deleted
behind the platform's back) drops the entry, so the next turn reads it itself and gets the error.
An entry older than STALE_SERVE_SECONDS (its reloads failing to finish) is read again before it is
served, as any miss.

Outside `reading()` nothing is memoized: only the chat turn, whose time to first token this is
for, opts in. Without Redis there is no epoch, and every read goes to the database.

What invalidates: any write to a model an entry depends on (DEPENDENCIES, one row per kind of
key), through the audited services or not. Each of those models sends its save, delete and
many-to-many signals to `changed()` (connected at start-up, `watch_models`), so that a grant deleted
by a script or the Django admin applies from the next turn too. Writes by `QuerySet.update()` and
raw SQL send no signal: the code that changes access that way records an audit event, which moves
the epoch as well. A row created cannot be in an entry that reads rows by their key, so creating
one of the `rows` models moves nothing (a new conversation does not empty every process's memo);
creating one of the `sets` models does (a new grant or share changes what a list holds).

Entries are snapshots: each caller gets its own copy, made from the bytes stored when the entry
was computed, so that no caller can change what another turn or thread reads.
"""

from __future__ import annotations

import contextlib
import logging
import pickle
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

from django.conf import settings
from django.db import close_old_connections, connection, transaction

from bureau.runtime import shared_redis

logger = logging.getLogger(__name__)

T = TypeVar("T")

EPOCH_KEY = "config-epoch"
MAX_AGE_SECONDS = 30.0
STALE_SERVE_SECONDS = 60.0
# A reload waits this long before it reads: the turn that found the entry old has had its first
# token by then, and does not share the processor (or the GIL) with the reload on its way to it.
RELOAD_DELAY_SECONDS = 0.2
MAX_ENTRIES = 20_000


@dataclass(frozen=True)
class Dependency:
    rows: frozenset[str] = frozenset()  # models read by their key (app_label.Model)
    sets: frozenset[str] = frozenset()  # models read as lists or joins, where a new row counts too


# What each kind of key (its first element) is computed from. tests/platform/test_memo_dependencies.py
# checks that a write to each of these models moves the epoch, and that remember() knows no other kind.
DEPENDENCIES: dict[str, Dependency] = {
    # bureau/tenancy/authentication.py: the key, its department and organization.
    "api-key": Dependency(rows=frozenset({"tenancy.ApiKey", "tenancy.Department", "tenancy.Organization"})),
    # assistants/chat/prepare.py: the conversation's row, with whether its attachments can be
    # searched, and its version (the entry below, nested).
    "chat-turn": Dependency(
        rows=frozenset({"assistants.Conversation", "assistants.AssistantVersion", "assistants.Assistant"}),
        sets=frozenset({"knowledge.Document", "knowledge.KnowledgeBase"}),
    ),
    "chat-version-row": Dependency(
        rows=frozenset({"assistants.AssistantVersion", "assistants.Assistant", "llm.ModelProvider"})
    ),
    # Whether the asker may still use the assistant, and which of its version's knowledge bases they
    # may open: memberships, shares, grants, visibilities, the version's links.
    "chat-version": Dependency(
        rows=frozenset({"tenancy.User", "tenancy.ApiKey"}),
        sets=frozenset(
            {
                "tenancy.Membership",
                "assistants.Assistant",
                "assistants.AssistantShare",
                "assistants.AssistantVersion",
                "knowledge.KnowledgeBase",
                "knowledge.KnowledgeBaseGrant",
            }
        ),
    ),
    "chat-attachments": Dependency(sets=frozenset({"knowledge.KnowledgeBase", "knowledge.Document"})),
    # bureau/quotas/selectors.py
    "quota-limit": Dependency(sets=frozenset({"quotas.QuotaLimit"})),
}

_entries: OrderedDict[Hashable, tuple[int, float, bytes]] = OrderedDict()
_lock = threading.Lock()
_turn = threading.local()
# The keys being read again in the background: one reload per key at a time.
_reloading: set[Hashable] = set()
_reloader = ThreadPoolExecutor(max_workers=2, thread_name_prefix="memo-reload")


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


def remember(key: tuple[Any, ...], compute: Callable[[], T]) -> T:
    """compute(), or a copy of what it returned at this epoch (inside reading() only). An exception
    is not remembered. `key[0]` is a kind of DEPENDENCIES."""
    if key[0] not in DEPENDENCIES:
        raise ValueError(f"memo key of unknown kind {key[0]!r}: declare what it depends on in DEPENDENCIES")
    at = getattr(_turn, "epoch", None)
    if at is None:
        return compute()
    now = time.monotonic()
    entry = _entries.get(key)
    if entry is not None and entry[0] == at:
        age = now - entry[1]
        if age < MAX_AGE_SECONDS or (age < STALE_SERVE_SECONDS and _reload_later(key, at, compute)):
            return pickle.loads(entry[2])  # noqa: S301 - bytes this process pickled itself
    value = compute()
    _store(key, at, now, value)
    return value


def _store(key: Hashable, at: int, now: float, value: Any) -> None:
    frozen = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    with _lock:
        _entries[key] = (at, now, frozen)
        _entries.move_to_end(key)
        while len(_entries) > MAX_ENTRIES:
            _entries.popitem(last=False)


def _in_background() -> bool:
    # Under tests each test's data lives in its own transaction or database, which a thread of
    # the process must not outlive: there the turn reads the entry again itself.
    return not settings.TESTING


def _reload_later(key: Hashable, at: int, compute: Callable[[], Any]) -> bool:
    """Starts reading the entry again in the background (unless it already is); False where that
    is not done (tests), for the caller to read it itself."""
    if not _in_background():
        return False
    with _lock:
        if key in _reloading:
            return True
        _reloading.add(key)
    try:
        _reloader.submit(_reload, key, at, compute)
    except RuntimeError:  # the interpreter is shutting down
        with _lock:
            _reloading.discard(key)
        return False
    return True


def _reload(key: Hashable, at: int, compute: Callable[[], Any]) -> None:
    """In a thread of _reloader, RELOAD_DELAY_SECONDS after the turn that asked: compute() at that
    turn's epoch (nested remember() calls see it too), stored as of when the reading began."""
    time.sleep(RELOAD_DELAY_SECONDS)
    previous, started = getattr(_turn, "epoch", None), time.monotonic()
    _turn.epoch = at
    try:
        close_old_connections()
        value = compute()
    except Exception as error:
        logger.info("memo entry %r dropped: reading it again failed: %s", key, error)
        with _lock:
            if key in _entries and _entries[key][0] == at:
                del _entries[key]
    else:
        _store(key, at, started, value)
    finally:
        _turn.epoch = previous
        with _lock:
            _reloading.discard(key)
        connection.close()  # back to the pool: this thread may wait long for the next reload


def forget_all() -> None:
    """Empties this process's memo (tests)."""
    with _lock:
        _entries.clear()


# --- invalidation by model signals ----------------------------------------------------------------

_row_models: frozenset[str] = frozenset().union(*(d.rows for d in DEPENDENCIES.values()))
_set_models: frozenset[str] = frozenset().union(*(d.sets for d in DEPENDENCIES.values()))


def watch_models() -> None:
    """Connects the save, delete and many-to-many signals of every model in DEPENDENCIES to
    `changed()` (at start-up, from an AppConfig's ready()). Each model is connected by name: a
    receiver for every model would keep Django from deleting rows in bulk (chunks by the million)."""
    from django.apps import apps
    from django.db.models.signals import m2m_changed, post_delete, post_save

    for label in sorted(_row_models | _set_models):
        model = apps.get_model(label)
        post_save.connect(_saved, sender=model, dispatch_uid=f"memo-saved-{label}")
        post_delete.connect(_deleted, sender=model, dispatch_uid=f"memo-deleted-{label}")
        for relation in model._meta.local_many_to_many:
            through = relation.remote_field.through
            m2m_changed.connect(
                _links_changed, sender=through, dispatch_uid=f"memo-links-{label}-{relation.name}"
            )


def _saved(sender: Any, created: bool = False, **kwargs: Any) -> None:
    if not created or sender._meta.label in _set_models:
        changed()


def _deleted(sender: Any, **kwargs: Any) -> None:
    changed()


def _links_changed(sender: Any, action: str = "", **kwargs: Any) -> None:
    if action in ("post_add", "post_remove", "post_clear"):
        changed()
