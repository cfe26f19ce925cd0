"""The application's database role (settings.BUREAU_DB_APP_USER) owns nothing: migrations run as the
owner (BUREAU_DB_ROLE=owner), which grants it every privilege on the other tables and sequences,
today's and those later migrations create, but only SELECT and INSERT on the audit tables. Whoever
takes over the application's connection can then neither change nor delete audit events, nor
TRUNCATE the table, nor switch its trigger off (ALTER TABLE needs the owner). Run again by hand
(`migrate audit 0006` then `migrate`) after recreating a table outside migrations."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import migrations

AUDIT_TABLES = ["audit_auditevent", "audit_auditchaincheck"]


def _roles(schema_editor: Any) -> tuple[str, str, str] | None:
    """(owner, app, schema), quoted; None when both roles are one (nothing to separate)."""
    connection = schema_editor.connection
    app = settings.BUREAU_DB_APP_USER
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user, current_schema()")
        owner, schema = cursor.fetchone()
        if owner == app:
            return None
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [app])
        if cursor.fetchone() is None:
            raise RuntimeError(
                f"The application's database role {app!r} does not exist: create it before migrating "
                "(README, 'Audit log')"
            )
        cursor.execute(
            "SELECT string_agg(tablename, ', ') FROM pg_tables WHERE schemaname = %s AND tableowner = %s",
            [schema, app],
        )
        (owned,) = cursor.fetchone()
        if owned:
            raise RuntimeError(
                f"The application's role {app!r} owns tables ({owned}), so it could change the audit log: "
                f"as an administrator, REASSIGN OWNED BY {app} TO {owner}; then migrate again"
            )
    quote = connection.ops.quote_name
    return quote(owner), quote(app), quote(schema)


def grant(apps: Any, schema_editor: Any) -> None:
    roles = _roles(schema_editor)
    if roles is None:
        return
    _, app, schema = roles
    statements = [
        f"GRANT USAGE ON SCHEMA {schema} TO {app}",
        f"GRANT ALL ON ALL TABLES IN SCHEMA {schema} TO {app}",
        f"GRANT ALL ON ALL SEQUENCES IN SCHEMA {schema} TO {app}",
        # What the owner creates from now on (the next migrations' tables).
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} GRANT ALL ON TABLES TO {app}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} GRANT ALL ON SEQUENCES TO {app}",
    ]
    with schema_editor.connection.cursor() as cursor:
        for table in AUDIT_TABLES:
            cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
            (sequence,) = cursor.fetchone()
            statements += [
                f"REVOKE ALL ON {table} FROM {app}",
                f"GRANT SELECT, INSERT ON {table} TO {app}",
                # The id's sequence: taking the next value, never setting it back.
                f"REVOKE ALL ON SEQUENCE {sequence} FROM {app}",
                f"GRANT USAGE ON SEQUENCE {sequence} TO {app}",
            ]
        for statement in statements:
            cursor.execute(statement)


def revoke(apps: Any, schema_editor: Any) -> None:
    roles = _roles(schema_editor)
    if roles is None:
        return
    _, app, schema = roles
    with schema_editor.connection.cursor() as cursor:
        for statement in [
            f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} REVOKE ALL ON TABLES FROM {app}",
            f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} REVOKE ALL ON SEQUENCES FROM {app}",
            f"REVOKE ALL ON ALL TABLES IN SCHEMA {schema} FROM {app}",
            f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA {schema} FROM {app}",
        ]:
            cursor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("audit", "0006_keyed_hashes")]

    operations = [migrations.RunPython(grant, revoke, elidable=False)]
