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

from bureau.embedded.base import BASE_DIR, _pid_alive, is_embedded, run_dir, var_dir
from bureau.embedded.postgres import (
    PG_APP_USER,
    PG_DATABASE,
    PG_USER,
    ensure_postgres,
    pg_data_dir,
    pg_socket_dir,
    postgres_running,
    stop_postgres,
)
from bureau.embedded.redis import (
    ensure_redis,
    redis_client_url,
    redis_running,
    redis_socket,
    redis_url,
    redis_url_with_db,
    stop_redis,
)
from bureau.embedded.runner import ensure_services, main, run, stop_services, web_server_command

__all__ = [
    "BASE_DIR",
    "PG_APP_USER",
    "PG_DATABASE",
    "PG_USER",
    "_pid_alive",
    "ensure_postgres",
    "ensure_redis",
    "ensure_services",
    "is_embedded",
    "main",
    "pg_data_dir",
    "pg_socket_dir",
    "postgres_running",
    "redis_client_url",
    "redis_running",
    "redis_socket",
    "redis_url",
    "redis_url_with_db",
    "run",
    "run_dir",
    "stop_postgres",
    "stop_redis",
    "stop_services",
    "var_dir",
    "web_server_command",
]
