"""The web process's connection pool (bureau/runtime/db_pool.py) hands out the connection given back last,
so that a few PostgreSQL backends do the work and stay warm, and checks an idle connection by its
socket, without a round trip, unless the server has said something since."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import psycopg
import pytest
from django.db import connection
from psycopg_pool import ConnectionPool

from bureau.runtime.db_pool import MostRecentFirstPool, idle_and_quiet

ROOT = Path(__file__).resolve().parents[2]


def _backends_handed_out(pool_class: type[ConnectionPool]) -> tuple[int, int, int]:
    """With three connections ready: takes two, gives them back (first, then second), and takes
    one more; the backends of the second, of the one taken after, and of the one never taken."""
    with pool_class(kwargs=connection.get_connection_params(), min_size=3, max_size=3, open=True) as pool:
        pool.wait(timeout=30)
        first, second = pool.getconn(), pool.getconn()
        first_pid, second_pid = first.info.backend_pid, second.info.backend_pid
        pool.putconn(first)
        pool.putconn(second)
        with pool.connection() as after:
            after_pid = after.info.backend_pid
        untouched = {pool.getconn().info.backend_pid for _ in range(3)} - {first_pid, second_pid}
    return second_pid, after_pid, untouched.pop()


@pytest.mark.django_db
def test_the_connection_given_back_last_is_handed_out_first() -> None:
    connection.ensure_connection()
    second, after, untouched = _backends_handed_out(MostRecentFirstPool)
    assert after == second != untouched
    # psycopg_pool's own order, for comparison: the connection idle longest, never taken yet.
    second, after, untouched = _backends_handed_out(ConnectionPool)
    assert after == untouched != second


def test_the_web_process_pool_is_most_recent_first() -> None:
    # In a process of its own, as a web worker imports the application (tests have no pool).
    env = {key: value for key, value in os.environ.items() if key != "BUREAU_TESTING"}
    printed = subprocess.run(
        [
            sys.executable,
            "-c",
            "import bureau.asgi; from django.db import connection; print(type(connection.pool).__name__)",
        ],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "bureau.settings"},
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert printed == "MostRecentFirstPool"


def _terminate(pid: int) -> None:
    """Ends a backend, as a server restart does, and waits until its goodbye reaches the socket."""
    with psycopg.connect(**connection.get_connection_params(), autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [pid])


def _wait_until_said(conn: psycopg.Connection[Any]) -> None:
    deadline = time.monotonic() + 10
    while idle_and_quiet(conn) and time.monotonic() < deadline:
        time.sleep(0.01)


@pytest.mark.django_db
def test_an_idle_connection_is_quiet_until_its_backend_ends() -> None:
    connection.ensure_connection()
    with psycopg.connect(**connection.get_connection_params()) as conn:
        conn.execute("SELECT 1")
        assert not idle_and_quiet(conn)  # in a transaction: the full check must run
        conn.rollback()
        assert idle_and_quiet(conn)
        _terminate(conn.info.backend_pid)
        _wait_until_said(conn)
        assert not idle_and_quiet(conn)
    assert not idle_and_quiet(conn)  # closed


@pytest.mark.django_db
def test_the_pool_checks_with_a_query_only_a_connection_whose_backend_spoke() -> None:
    connection.ensure_connection()
    full_checks: list[int] = []

    def check(conn: psycopg.Connection[Any]) -> None:
        full_checks.append(conn.info.backend_pid)
        ConnectionPool.check_connection(conn)

    params = connection.get_connection_params()
    with MostRecentFirstPool(kwargs=params, min_size=1, max_size=2, check=check, open=True) as pool:
        pool.wait(timeout=30)
        with pool.connection() as conn:
            first_pid = conn.info.backend_pid
        with pool.connection() as conn:  # idle and quiet: handed out without a query
            assert conn.info.backend_pid == first_pid
            assert conn.execute("SELECT 1").fetchone() == (1,)
        assert full_checks == []

        conn = pool.getconn()
        pool.putconn(conn)
        _terminate(first_pid)
        _wait_until_said(conn)
        with pool.connection() as replacement:  # the dead one fails its check and is dropped
            assert replacement.info.backend_pid != first_pid
            assert replacement.execute("SELECT 1").fetchone() == (1,)
        assert full_checks[0] == first_pid
