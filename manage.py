#!/usr/bin/env python
"""Django's command-line utility. With no DATABASE_URL, every command uses the embedded PostgreSQL
(and Redis), started on demand and shared with the other processes, and migrated first if a
command needs the schema and it is not there yet (bureau/embedded/schema.py)."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bureau.settings")
    from bureau import embedded
    from bureau.embedded.schema import ensure_schema

    embedded.ensure_services()
    ensure_schema(sys.argv)  # a fresh clone's embedded database is migrated first
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
