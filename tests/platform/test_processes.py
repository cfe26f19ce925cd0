"""Real processes: a Celery worker on the embedded Redis, and the embedded PostgreSQL's restarts. The
whole runner of `make run`, started from an empty folder and stopped, is checked by the end-to-end
tests' platform (tests/e2e/conftest.py), which is started exactly that way."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection, transaction

from bureau import embedded
from bureau.audit.models import AuditChainCheck
from bureau.audit.tasks import verify_audit_chains
from bureau.tenancy.services import department_update
from tests.factories import build_world

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_for(predicate: object, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return
        time.sleep(0.25)
    raise AssertionError(f"timed out waiting for {what}")


def _clean_env() -> dict[str, str]:
    return {
        k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "PYTEST_CURRENT_TEST"}
    }


def test_make_run_embeds_in_one_worker_process_and_parses_in_another() -> None:
    # Each embedding process runs the local model on every core: two of them fight over the cores
    # (six times slower per chunk), so the embed queue has a worker of its own with one process.
    from bureau.embedded.runner import worker_commands

    workers = dict(worker_commands())

    def option(command: list[str], flag: str) -> str:
        return command[command.index(flag) + 1]

    embed = [command for command in workers.values() if "embed" in option(command, "-Q").split(",")]
    assert len(embed) == 1 and option(embed[0], "-Q") == "embed" and option(embed[0], "-c") == "1"
    queues = sorted(queue for command in workers.values() for queue in option(command, "-Q").split(","))
    assert queues == sorted({*queues}) and {"ingest", "embed", "default", "attachments"} <= {*queues}
    names = [option(command, "-n") for command in workers.values()]
    assert len(set(names)) == len(names)  # two workers on one host need their own node names


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)  # a Celery worker process reads and writes the rows
def test_a_real_worker_runs_a_task_from_the_broker() -> None:
    world = build_world()
    with transaction.atomic():
        department_update(actor=world.user("org_admin"), department=world.department, name="Sở được kiểm tra")
    queue = f"test-{uuid.uuid4().hex[:8]}"  # so that a `make run` worker on the same Redis ignores it
    db = connection.settings_dict
    socket_dir = urllib.parse.quote(str(db["HOST"]), safe="")
    env = _clean_env() | {
        "DATABASE_URL": f"postgres://{db['USER']}@{socket_dir}/{db['NAME']}",
        "REDIS_URL": settings.CELERY_BROKER_URL,
        "SECRET_KEY": "test-worker",
        # The audit key of this process, or the worker's audit events would not verify here.
        "BUREAU_AUDIT_KEYS": ",".join(
            f"{key_id}:{key}" for key_id, key in settings.BUREAU_AUDIT_KEYS.items()
        ),
    }
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "bureau",
            "worker",
            "-Q",
            queue,
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
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        verify_audit_chains.apply_async(queue=queue)
        _wait_for(
            lambda: AuditChainCheck.objects.filter(organization=world.organization).exists(),
            60,
            "the worker to store a chain check",
        )
        check = AuditChainCheck.objects.get(organization=world.organization)
        assert check.intact and check.events_checked == 1
    finally:
        worker.send_signal(signal.SIGTERM)
        output = worker.communicate(timeout=30)[0].decode(errors="replace")
    assert worker.returncode == 0, output


@pytest.mark.slow
def test_a_killed_database_leaves_a_stale_pid_file_that_the_next_start_clears(tmp_path: Path) -> None:
    os.environ["BUREAU_VAR_DIR"] = str(tmp_path / "var")
    try:
        assert embedded.ensure_postgres() is True
        pid_file = embedded.pg_data_dir() / "postmaster.pid"
        pid = int(pid_file.read_text().split()[0])
        os.kill(pid, signal.SIGKILL)
        _wait_for(lambda: not embedded._pid_alive(pid), 10, "the postmaster to die")
        assert pid_file.exists()  # what a killed server leaves behind
        assert not embedded.postgres_running()
        assert embedded.ensure_postgres() is True  # started again, over the stale file
        assert embedded.postgres_running()
        assert embedded.ensure_postgres() is False  # and shared from now on
    finally:
        embedded.stop_postgres()
        del os.environ["BUREAU_VAR_DIR"]
