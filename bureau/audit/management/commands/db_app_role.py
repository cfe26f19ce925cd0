from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from psycopg import sql


class Command(BaseCommand):
    help = (
        "As the database owner (BUREAU_DB_ROLE=owner), create the application's role, the user of "
        "DATABASE_URL, with its password, when it does not exist yet. Its privileges come from the "
        "migrations. docker/compose.yaml runs it before migrate."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        app = settings.BUREAU_DB_APP_USER
        password = str(settings.DATABASE_ROLES["app"]["PASSWORD"] or "")
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT current_user, rolsuper OR rolcreaterole FROM pg_roles WHERE rolname = current_user"
            )
            owner, may_create_roles = cursor.fetchone()
            if owner == app:
                self.stdout.write(
                    f"The application connects as the owner ({owner}): no separate role to create, and the "
                    "audit log is not protected from the application (README, 'Audit log')."
                )
                return
            cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [app])
            if cursor.fetchone() is not None:
                self.stdout.write(f"The application's role {app} exists.")
                return
            statement = sql.SQL(
                "CREATE ROLE {} LOGIN PASSWORD {} NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION"
            ).format(sql.Identifier(app), sql.Literal(password) if password else sql.SQL("NULL"))
            if not may_create_roles:
                raise CommandError(
                    f"The application's role {app} does not exist and {owner} may not create roles: as an "
                    f"administrator, CREATE ROLE {app} LOGIN PASSWORD '…' (the password of DATABASE_URL)"
                )
            cursor.execute(statement.as_string(cursor.connection))
        self.stdout.write(f"Created the application's role {app}.")
