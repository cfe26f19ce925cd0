"""Where the embedded services keep their data and sockets, the lock that makes concurrent first
calls safe, and the pid checks that detect what a killed process left behind."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def var_dir() -> Path:
    return Path(os.environ.get("BUREAU_VAR_DIR") or BASE_DIR / "var").resolve()


def is_embedded() -> bool:
    """Nothing embedded starts when an external database is configured."""
    return not os.environ.get("DATABASE_URL")


def run_dir() -> Path:
    """Where the Unix sockets live. A socket path is limited to ~107 bytes, so a deep var/ falls
    back to a short per-folder directory under the system temp dir."""
    preferred = var_dir() / "run"
    if len(str(preferred / ".s.PGSQL.5432")) < 100:
        return preferred
    digest = hashlib.sha256(str(var_dir()).encode()).hexdigest()[:12]
    return Path(tempfile.gettempdir()) / f"bureau-{digest}"


@contextlib.contextmanager
def _lock() -> Iterator[None]:
    path = var_dir() / "embedded.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _read_pid(path: Path) -> int | None:
    try:
        return int(path.read_text().split()[0])
    except (FileNotFoundError, ValueError, IndexError):
        return None


def _wait_gone(pid: int, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while _pid_alive(pid) and time.monotonic() < deadline:
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)
        time.sleep(0.05)
