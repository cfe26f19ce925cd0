"""The database roles of the tests. Tests connect as the application's role, as the platform does;
what that role may not do (the attacker's moves on the audit log, the harness's flush between
transactional tests, creating and dropping the test database) is done as the owner, the role
migrations run as (settings.DATABASE_ROLES)."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache

import psycopg
from django.conf import settings
from django.db import connections


@cache
def _roles() -> dict[str, dict[str, object]]:
    """The roles as configured, not as a test may override them for a while."""
    return copy.deepcopy(settings.DATABASE_ROLES)


def connect_as(role: str) -> None:
    """Point Django's connections at `role` ("app" or "owner"): the settings dict is shared by the
    connections of every thread, so each opens its next connection as that role."""
    for connection in connections.all(initialized_only=True):
        connection.close()
    for alias in connections:
        connections[alias].settings_dict.update(_roles()[role])


@contextmanager
def as_owner() -> Iterator[None]:
    """Django's connections as the owner for the duration (outside any open transaction)."""
    connect_as("owner")
    try:
        yield
    finally:
        connect_as("app")


@contextmanager
def owner_connection() -> Iterator[psycopg.Connection[tuple[object, ...]]]:
    """A connection of its own to the test database as its owner, in autocommit: it sees what
    transactional tests committed, not what a rolled-back test holds in its transaction."""
    from django.db import connection

    owner = _roles()["owner"]
    params = connection.get_connection_params() | {"user": owner["USER"]}
    if owner.get("PASSWORD"):
        params["password"] = owner["PASSWORD"]
    with psycopg.connect(**params, autocommit=True) as conn:
        yield conn
