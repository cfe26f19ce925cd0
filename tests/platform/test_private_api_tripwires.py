"""Tripwires on the private code of libraries that the project overrides or copies: each pins the
source of what an override was written against, so that an upgrade that changes it fails here,
naming the override to re-read, instead of changing behaviour silently."""

from __future__ import annotations

import collections
import hashlib
import inspect
import textwrap
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.messages.middleware import MessageMiddleware
from django.contrib.messages.storage.base import BaseStorage
from django.contrib.sessions.middleware import SessionMiddleware
from django.core.handlers.asgi import ASGIHandler
from django.core.handlers.base import BaseHandler
from django.utils.deprecation import MiddlewareMixin
from psycopg_pool import ConnectionPool


def _source_hash(function: Callable[..., Any]) -> str:
    return hashlib.sha256(textwrap.dedent(inspect.getsource(function)).encode()).hexdigest()


# (what, its source's SHA-256 when the override was written, the override to re-read)
PINNED: list[tuple[Callable[..., Any], str, str]] = [
    # bureau/runtime/db_pool.py: MostRecentFirstPool overrides both (psycopg-pool 3.3.3).
    (
        ConnectionPool._check_connection,
        "86354ea052dd726fbe67fd82c6cd4ec5cc24f0e3049ea158b7b5009f687ac3e8",
        "bureau/runtime/db_pool.py (MostRecentFirstPool._check_connection)",
    ),
    (
        ConnectionPool._get_ready_connection,
        "d20ed97efbe28f209db0a26f9a85a3d5927a90c3b8993b3425753e7fe26988f1",
        "bureau/runtime/db_pool.py (MostRecentFirstPool._get_ready_connection)",
    ),
    # bureau/runtime/asgi_handler.py: handle_chat_turn is a copy of handle(), and
    # listen_for_disconnect replaces Django's (Django 5.2.20).
    (
        ASGIHandler.handle,
        "ab2236e287c805bf4efa9dcb64d0172a4874d7a931331d4841acf0ecd66366f6",
        "bureau/runtime/asgi_handler.py (BureauASGIHandler.handle_chat_turn copies it)",
    ),
    (
        ASGIHandler.listen_for_disconnect,
        "f5cd1839116b8ddeeeb5e8424945ebf2114d0a63c0c1a6051c53c762a464ea6e",
        "bureau/runtime/asgi_handler.py (BureauASGIHandler.listen_for_disconnect)",
    ),
    # bureau/http/middleware.py: InlineHooksMixin, SessionMiddleware and MessageMiddleware replace
    # MiddlewareMixin's __acall__ and rely on its __init__ setting get_response and async_mode, and
    # on Django reading process_view from the instance when it loads the middleware.
    (
        MiddlewareMixin.__init__,
        "1f92aed85c68cadefe70284d8d3eebade15140c87730a00e05a4ff3998dafbc9",
        "bureau/http/middleware.py (InlineHooksMixin)",
    ),
    (
        MiddlewareMixin.__call__,
        "84f3fb5d6d1fdc78a334c16103a01ae8427c51068d499bc5c3259b7a1b2ec1d4",
        "bureau/http/middleware.py (InlineHooksMixin.__acall__)",
    ),
    (
        MiddlewareMixin.__acall__,
        "5c839eda8e41012076de9a8cad6a3811dfe630cbfd1e829736741b6cd09d8522",
        "bureau/http/middleware.py (InlineHooksMixin, SessionMiddleware, MessageMiddleware .__acall__)",
    ),
    (
        SessionMiddleware.process_response,
        "6c7ba28c4b9f3d9378d4fc44d440450a09e043d59896cb7b3936668e74569825",
        "bureau/http/middleware.py (SessionMiddleware.__acall__ skips it when nothing changed)",
    ),
    (
        MessageMiddleware.process_response,
        "9a7aa57da7368b460b68572da6424ba323df13504fa2a15e7640c2db16e15600",
        "bureau/http/middleware.py (MessageMiddleware.__acall__ skips it when nothing changed)",
    ),
]


@pytest.mark.parametrize(
    ("function", "expected", "override"), PINNED, ids=lambda p: getattr(p, "__qualname__", "")
)
def test_the_overridden_private_code_is_the_one_the_override_was_written_for(
    function: Callable[..., Any], expected: str, override: str
) -> None:
    assert _source_hash(function) == expected, (
        f"{function.__module__}.{function.__qualname__} changed since {override} was written against it: "
        f"re-read the override against the new source, then update the hash in this test."
    )


def test_the_pool_attributes_the_override_reads_are_there() -> None:
    pool = ConnectionPool("", open=False)
    assert isinstance(pool._pool, collections.deque), (
        "re-read bureau/runtime/db_pool.py: it rotates pool._pool"
    )
    assert hasattr(pool, "_check"), "re-read bureau/runtime/db_pool.py: it reads pool._check"
    signature = inspect.signature(ConnectionPool._get_ready_connection)
    assert list(signature.parameters) == ["self", "timeout"], "re-read bureau/runtime/db_pool.py"


def test_the_middleware_hooks_django_reads_are_the_ones_overridden() -> None:
    loader = inspect.getsource(BaseHandler.load_middleware)
    assert "mw_instance.process_view" in loader, (
        "Django no longer reads process_view from the middleware instance: re-read "
        "bureau/http/middleware.py (InlineHooksMixin sets an async one there)"
    )
    for attribute in ("used", "added_new"):
        assert attribute in inspect.getsource(BaseStorage.__init__), (
            f"re-read bureau/http/middleware.py: MessageMiddleware.__acall__ reads storage.{attribute}"
        )
