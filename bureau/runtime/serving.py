"""How the web server runs the ASGI application: uvicorn under `make run`, gunicorn with this
module's uvicorn worker in the Docker image.

Uvicorn believes X-Forwarded-For and X-Forwarded-Proto from 127.0.0.1 by default, and rewrites the
client's address before the application sees it: any process on the machine, or a local proxy that
passes the header on, chose the address the audit log recorded and the login throttle counted.
Here the server hands the peer's address over unchanged, and Bureau reads X-Forwarded-For itself,
from the proxies in TRUSTED_PROXIES only (bureau/http/request_context.py)."""

from __future__ import annotations

from typing import Any

from uvicorn_worker import UvicornWorker as _UvicornWorker

UVICORN_OPTIONS: dict[str, Any] = {"proxy_headers": False}
UVICORN_FLAGS = ["--no-proxy-headers"]  # the same, on uvicorn's command line


class UvicornWorker(_UvicornWorker):
    """gunicorn's worker class: `gunicorn bureau.asgi:application -k bureau.runtime.serving.UvicornWorker`."""

    CONFIG_KWARGS = {**_UvicornWorker.CONFIG_KWARGS, **UVICORN_OPTIONS}
