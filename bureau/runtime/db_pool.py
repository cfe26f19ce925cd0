"""The web process's connection pool: it hands out the connection given back last, not the one idle
longest, and checks a connection without a round trip to the server when it can.

psycopg_pool takes connections from one end of its queue and puts them back at the other, so a
pool of ten serving a few turns at a time goes round all ten, and each PostgreSQL backend behind
them sits idle the longest possible between two uses. An idle backend's memory (its catalog and
plan caches, the buffers it last read) is slow to reach again on a virtual machine, and the
queries it then runs are slower (figures: docs/performance.md). Handed out most recent first, as
pgbouncer does by default, a few connections do the work and stay warm, and the others idle until
the pool closes them (max_idle).

Each connection the pool hands out is checked first (CONN_HEALTH_CHECKS): psycopg_pool's check
sends an empty query and waits for the answer, a round trip to the database, and a chat turn takes
two connections before its first token (its own, and the search's, db.beside). An idle connection
is checked here first by looking at its socket: a backend that ends (the server restarts or stops,
pg_terminate_backend, an idle timeout) sends its reason and closes the connection, so the socket
has something to read. Only then, or when the connection is not idle, does the full check run.
"""

from __future__ import annotations

import select
from typing import Any

from django.db import connections
from psycopg import Connection
from psycopg.pq import TransactionStatus
from psycopg_pool import ConnectionPool


def idle_and_quiet(conn: Connection[Any]) -> bool:
    """Whether the connection is open, outside a transaction, and has nothing from the server
    waiting to be read: what the server says on its own, between queries, is that it is ending the
    connection (or a notice, which the full check also reads)."""
    if conn.closed or conn.broken or conn.info.transaction_status != TransactionStatus.IDLE:
        return False
    try:
        poller = select.poll()  # not select.select(), which fails on descriptors past 1023
        poller.register(conn.fileno(), select.POLLIN)
        return not poller.poll(0)
    except (OSError, ValueError):
        return False


class MostRecentFirstPool(ConnectionPool):
    def _check_connection(self, conn: Any) -> None:
        if self._check is not None and idle_and_quiet(conn):
            return
        super()._check_connection(conn)

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
