from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from bureau.audit.services import audit_chain_verify
from bureau.tenancy.models import Organization


class Command(BaseCommand):
    help = "Verify the audit log's hash chain of every organization (or one, with --organization)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--organization", help="slug of one organization")

    def handle(self, *args: Any, **options: Any) -> None:
        organizations = Organization.objects.order_by("pk")
        if options["organization"]:
            organizations = organizations.filter(slug=options["organization"])
            if not organizations.exists():
                raise CommandError(f"No organization with slug {options['organization']!r}")
        total = 0
        for organization in organizations:
            result = audit_chain_verify(organization_id=organization.pk)
            total += result.events_checked
            if not result.intact:
                raise CommandError(
                    f"Audit chain of {organization.slug} is BROKEN at event {result.first_broken_id}: "
                    f"{result.reason}"
                )
        self.stdout.write(f"Audit chain intact: {total} events checked.")
