"""The web process's connection pool hands out the connection given back last
(bureau/db_pool.py), so that a few PostgreSQL backends do the work and stay warm."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection
from psycopg_pool import ConnectionPool

from bureau.db_pool import MostRecentFirstPool

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
