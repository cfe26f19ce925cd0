from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import CommandError
from django.core.management.commands.migrate import Command as DjangoMigrate
from django.db import connections


class Command(DjangoMigrate):
    """Django's migrate, which first makes sure it runs as the database owner: the application's
    role may not create or alter tables (bureau/audit/migrations/0007), and would fail on the first
    permission with a message that does not say why."""

    def handle(self, *args: Any, **options: Any) -> None:
        owner = settings.DATABASE_ROLES["owner"]["USER"]
        user = connections[options["database"]].settings_dict["USER"]
        if owner != settings.BUREAU_DB_APP_USER and user != owner:
            raise CommandError(
                f"Migrations run as the database owner ({owner}), not as the application's role ({user}): "
                "BUREAU_DB_ROLE=owner python manage.py migrate (in production with DATABASE_OWNER_URL set)"
            )
        super().handle(*args, **options)
