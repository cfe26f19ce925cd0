"""A real Celery worker process for reliability tests, on the test database and the embedded Redis
(the same way tests/knowledge/test_worker_faults.py starts one), plus a polling helper."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def start_worker(
    extra_env: dict[str, str] | None = None, queues: str = "ingest,embed"
) -> subprocess.Popen[bytes]:
    db = connection.settings_dict
    socket_dir = urllib.parse.quote(str(db["HOST"]), safe="")
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_CURRENT_TEST"} | {
        "DATABASE_URL": f"postgres://{db['USER']}@{socket_dir}/{db['NAME']}",
        "REDIS_URL": settings.CELERY_BROKER_URL,
        "SECRET_KEY": "test-worker",
        # The audit key of this process, or the worker's audit events would not verify here.
        "BUREAU_AUDIT_KEYS": ",".join(
            f"{key_id}:{key}" for key_id, key in settings.BUREAU_AUDIT_KEYS.items()
        ),
    }
    env |= extra_env or {}
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "bureau",
            "worker",
            "-Q",
            queues,
            "-c",
            "1",
            "-P",
            "solo",
            "--without-heartbeat",
            "--without-mingle",
            "--without-gossip",
            "-l",
            "WARNING",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def stop_worker(worker: subprocess.Popen[bytes]) -> None:
    if worker.poll() is None:
        worker.terminate()
        try:
            worker.wait(60)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait(10)


def wait_for(predicate: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}")
