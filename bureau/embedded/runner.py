"""Starting and stopping what is embedded, and the runner behind `make run`: migrations, the demo
seed, the workers (one for the files attached to conversations), beat and the web server, stopped
in reverse order on Ctrl-C."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass

from bureau.embedded.base import BASE_DIR, is_embedded, var_dir
from bureau.embedded.postgres import ensure_postgres, stop_postgres
from bureau.embedded.redis import ensure_redis, stop_redis


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


@dataclass
class Child:
    name: str
    process: subprocess.Popen[bytes]


def manage(*args: str, role: str = "app") -> None:
    """`python manage.py <args>` in a child process, connected as `role` (app or owner)."""
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
    from bureau.runtime.serving import UVICORN_FLAGS  # the client's address as the peer gave it

    application = ["-m", "uvicorn", "bureau.asgi:application", "--host", host, "--port", str(port)]
    return [sys.executable, *application, "--no-access-log", *UVICORN_FLAGS]


def worker_commands() -> list[tuple[str, list[str]]]:
    """The Celery workers of `make run`. Embedding has a worker of its own with ONE process: the
    local model runs on every core, and two processes embedding at once fight over them (a chunk
    took six times longer). The other worker's processes parse and chunk (each file in a forked
    child) and run the default tasks. The files attached to conversations, which a chat turn waits
    for, have a worker of their own for both stages: in the others they would wait behind long
    documents (it embeds beside the embed worker only while a small file is being read)."""
    celery = [sys.executable, "-m", "celery", "-A", "bureau", "worker", "-l", "INFO"]
    return [
        ("worker", [*celery, "-Q", "ingest,default", "-c", "2", "-n", "worker@%h"]),
        ("embed", [*celery, "-Q", "embed", "-c", "1", "-n", "embed@%h"]),
        ("worker-attachments", [*celery, "-Q", "attachments", "-c", "1", "-n", "attachments@%h"]),
    ]


def run(host: str, port: int, seed: bool = True) -> int:
    started = ensure_services()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bureau.settings")
    print("Bureau: migrating the database…", flush=True)
    manage("migrate", "--noinput", "-v", "0", role="owner")
    manage("collectstatic", "--noinput", "-v", "0")
    if seed:
        manage("seed_demo")
        manage("seed_templates")
    (var_dir() / "log").mkdir(parents=True, exist_ok=True)
    os.environ["BUREAU_DB_ROLE"] = "app"  # the web server, the worker and beat: never the owner
    celery = [sys.executable, "-m", "celery", "-A", "bureau"]
    children = [
        *(_spawn(name, command) for name, command in worker_commands()),
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
    progress: subprocess.Popen[bytes] | None = None
    if seed:
        manage("seed_demo", "--print-logins")
        # The demo documents are indexed for a while after the URL is printed: say so until they
        # are, on this console, from a child that ends by itself.
        progress = subprocess.Popen(
            [sys.executable, str(BASE_DIR / "manage.py"), "knowledge_progress", "--follow"],
            cwd=BASE_DIR,
            start_new_session=True,
        )
    code = 0
    while not stopping:
        for child in children:
            if child.process.poll() is not None:
                print(
                    f"Bureau: {child.name} exited with code {child.process.returncode}; stopping.", flush=True
                )
                stopping, code = True, 1
        time.sleep(0.3)
    print("Bureau: stopping web, beat, workers…", flush=True)
    if progress is not None:
        _stop_child(Child("progress", progress))
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
