"""Before a management command that reads or writes the database: on the embedded default, migrate
it first if it is not (a fresh clone, before `make run` ever did); on an external DATABASE_URL, say
what to run instead of failing on the first missing table."""

from __future__ import annotations

import sys

from bureau.embedded.base import is_embedded

# Commands that work without the schema, or make it: everything else is assumed to need it.
SCHEMA_FREE_COMMANDS = frozenset(
    {
        "check",
        "collectstatic",
        "compilemessages",
        "db_app_role",  # creates the application's role, before migrate (docker/compose.yaml)
        "dbshell",
        "diffsettings",
        "help",
        "makemessages",
        "makemigrations",
        "migrate",
        "optimizemigration",
        "shell",
        "showmigrations",
        "spectacular",
        "sqlmigrate",
        "squashmigrations",
        "startapp",
        "startproject",
        "test",
        "version",
    }
)
HELP_FLAGS = frozenset({"-h", "--help", "--version"})


def command_needs_schema(argv: list[str]) -> bool:
    if len(argv) < 2 or argv[1].startswith("-") or argv[1] in SCHEMA_FREE_COMMANDS:
        return False
    return not HELP_FLAGS.intersection(argv[2:])


def migrations_pending() -> bool:
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    return bool(executor.migration_plan(executor.loader.graph.leaf_nodes()))


def ensure_schema(argv: list[str]) -> None:
    """Called by manage.py, after the embedded services started and before the command runs."""
    if not command_needs_schema(argv):
        return
    import django

    django.setup()
    if not migrations_pending():
        return
    if not is_embedded():
        sys.exit(
            "Bureau: the database is not migrated: run `BUREAU_DB_ROLE=owner python manage.py migrate` "
            "(with DATABASE_OWNER_URL set), then this command again."
        )
    from bureau.embedded.runner import manage

    message = "Bureau: the embedded database is not migrated: migrating it first (as its owner)…"
    print(message, file=sys.stderr, flush=True)
    manage("migrate", "--noinput", "-v", "0", role="owner")
