"""The web process's connection pool hands out the connection given back last, not the one idle
longest.

psycopg_pool takes connections from one end of its queue and puts them back at the other, so a
pool of ten serving a few turns at a time goes round all ten, and each PostgreSQL backend behind
them sits idle the longest possible between two uses. An idle backend's memory (its catalog and
plan caches, the buffers it last read) is slow to reach again on a virtual machine
(tests/benchmarks/machine_check.py), and it costs in the query: the retrieval statement, taken in
turn from eight connections at 60 a second, took 8.2 ms on average and 11.2 ms at p95; from the
same connection each time, 7.2 and 8.5 ms. Handed out most recent first, as pgbouncer does by
default, a few connections do the work and stay warm, and the others idle until the pool closes
them (max_idle).
"""

from __future__ import annotations

from typing import Any

from django.db import connections
from psycopg_pool import ConnectionPool


class MostRecentFirstPool(ConnectionPool):
    def _get_ready_connection(self, timeout: float | None) -> Any:
        # Called with the pool's lock held. The connection given back last goes first; the others
        # keep their order, so the one idle longest is still the first the pool closes.
        if self._pool:
            self._pool.rotate(1)
        return super()._get_ready_connection(timeout)


def hand_out_most_recent_first(alias: str = "default") -> bool:
    """Makes the pool of `alias` (if it has one) hand out the connection given back last; whether
    it has one. Before the pool's first use: Django makes it when first asked, unopened."""
    pool = getattr(connections[alias], "pool", None)  # PostgreSQL's wrapper has one
    if pool is None:
        return False
    pool.__class__ = MostRecentFirstPool
    return True
