"""Whether someone asked a running answer to stop. The stop request may reach another web process
than the one streaming the answer, so the flag lives in the shared cache (`message_stop`).

Each event loop has one poller that asks the cache about all the answers it is streaming at once,
every STOP_CHECK_SECONDS: one `get_many` for 100 streams, where each stream asking for itself would
make 100 round trips, each through a thread (Django's cache has no async client)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import weakref
from collections.abc import Iterator

from asgiref.sync import sync_to_async
from django.core.cache import cache

from assistants.conversations.services import STOP_KEY

STOP_CHECK_SECONDS = 0.25

logger = logging.getLogger(__name__)


class _Poller:
    def __init__(self) -> None:
        self.flags: dict[int, asyncio.Event] = {}
        self.task: asyncio.Task[None] | None = None

    def watch(self, message_id: int) -> asyncio.Event:
        flag = self.flags.setdefault(message_id, asyncio.Event())
        if self.task is None or self.task.done():
            self.task = asyncio.get_running_loop().create_task(self._run())
        return flag

    def unwatch(self, message_id: int) -> None:
        self.flags.pop(message_id, None)
        if not self.flags and self.task is not None:
            self.task.cancel()  # nothing left to watch: the loop may end without a pending task
            self.task = None

    async def _run(self) -> None:
        read = sync_to_async(cache.get_many, thread_sensitive=False)
        while self.flags:
            await asyncio.sleep(STOP_CHECK_SECONDS)
            keys = {STOP_KEY.format(message_id): message_id for message_id in self.flags}
            try:
                found = await read(list(keys))
            except Exception:  # the cache is down: the answers go on, the next poll tries again
                logger.warning("could not read the stop flags", exc_info=True)
                continue
            for key in found:
                flag = self.flags.get(keys[key])
                if flag is not None:
                    flag.set()


_pollers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Poller] = weakref.WeakKeyDictionary()


@contextlib.contextmanager
def stop_flag(message_id: int) -> Iterator[asyncio.Event]:
    """Inside the event loop streaming the answer: an event set once a stop is asked for."""
    poller = _pollers.setdefault(asyncio.get_running_loop(), _Poller())
    try:
        yield poller.watch(message_id)
    finally:
        poller.unwatch(message_id)
