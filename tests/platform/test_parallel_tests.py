"""Tests run in parallel (pytest-xdist): each worker on a Redis database of its own, the cache's and
the broker's alike, so that one worker's cache.clear() or Celery queues never reach another's."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bureau import embedded

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("url", "celery", "redis_py"),
    [
        (
            "redis+socket:///v/run/redis.sock",
            "redis+socket:///v/run/redis.sock?virtual_host=4",
            "unix:///v/run/redis.sock?db=4",
        ),
        (
            "redis+socket:///v/redis.sock?virtual_host=2&x=1",
            "redis+socket:///v/redis.sock?x=1&virtual_host=4",
            "unix:///v/redis.sock?x=1&db=4",
        ),
        ("redis://cache:6379/0", "redis://cache:6379/4", "redis://cache:6379/4"),
        (
            "rediss://:secret@cache:6380?ssl_cert_reqs=none",
            "rediss://:secret@cache:6380/4?ssl_cert_reqs=none",
            None,
        ),
    ],
)
def test_a_redis_url_moves_to_another_database(url: str, celery: str, redis_py: str | None) -> None:
    assert embedded.redis_url_with_db(url, 4) == celery
    assert embedded.redis_url_with_db(celery, 4) == celery  # a process started by a test: the same
    assert embedded.redis_client_url(celery) == (redis_py or celery)


def _settings_in_a_process(worker: str | None) -> list[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "REDIS_URL"))}
    env |= {"BUREAU_TESTING": "1"} | ({"PYTEST_XDIST_WORKER": worker} if worker else {})
    shown = subprocess.run(
        [
            sys.executable,
            "-c",
            "import bureau.settings as s; print(s.CELERY_BROKER_URL); print(s.CACHES['default']['LOCATION'])",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return shown.stdout.split()


def test_each_test_worker_has_its_redis_database() -> None:
    broker, cache = _settings_in_a_process("gw3")
    assert broker.endswith("virtual_host=4") and cache.endswith("db=4")
    first_broker, first_cache = _settings_in_a_process("gw0")
    assert first_broker.endswith("virtual_host=1") and first_cache.endswith("db=1")
    serial_broker, serial_cache = _settings_in_a_process(None)
    assert "virtual_host" not in serial_broker and "db=" not in serial_cache  # database 0


def test_the_broker_and_the_cache_of_this_process_share_one_database() -> None:
    from bureau.celery import app
    from bureau.runtime import shared_redis

    with app.connection_for_write() as connection:
        broker_db = connection.default_channel.client.connection_pool.connection_kwargs["db"]
    cache_db = shared_redis.client().connection_pool.connection_kwargs.get("db", 0)
    assert broker_db == cache_db
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    assert cache_db == (1 + int(worker.removeprefix("gw")) % 15 if worker else 0)
