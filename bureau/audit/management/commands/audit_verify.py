from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from bureau.audit.checkpoints import FILE_NAME, CheckpointWriteError, checkpoint_dir
from bureau.audit.services import ChainResult, audit_chains_verify_and_store
from bureau.tenancy.models import Organization


class Command(BaseCommand):
    help = (
        "Verify the audit log's chain of every organization (or one, with --organization) against its "
        "last signed checkpoint, store the results, and write a new checkpoint of each intact chain. "
        "Exits non-zero on any break."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--organization", help="slug of one organization")

    def handle(self, *args: Any, **options: Any) -> None:
        organizations = Organization.objects.order_by("pk")
        if options["organization"]:
            organizations = organizations.filter(slug=options["organization"])
            if not organizations.exists():
                raise CommandError(f"No organization with slug {options['organization']!r}")
        slugs = dict(organizations.values_list("pk", "slug"))
        try:
            results = audit_chains_verify_and_store(organization_ids=list(slugs))
        except CheckpointWriteError as error:
            raise CommandError(f"Audit chains verified and stored, but {error}") from error
        broken = []
        for result in results:
            line = f"{slugs[result.organization_id]}: {_outcome(result)}"
            self.stdout.write(line)
            if not result.intact:
                broken.append(line)
        if any(result.intact for result in results):
            self.stdout.write(f"New checkpoints of the intact chains written to {_destinations()}.")
        if broken:
            raise CommandError("Audit chain BROKEN:\n" + "\n".join(broken))
        total = sum(result.events_checked for result in results)
        self.stdout.write(f"Audit chain intact: {total} events checked.")


def _destinations() -> str:
    directory = checkpoint_dir()
    places = [str(directory / FILE_NAME)] if directory else []
    if settings.BUREAU_AUDIT_CHECKPOINT_SYSLOG:
        places.append(f"syslog {settings.BUREAU_AUDIT_CHECKPOINT_SYSLOG}")
    return " and ".join(places) or "nowhere (no checkpoint directory or syslog is configured)"


def _outcome(result: ChainResult) -> str:
    if result.intact:
        outcome = f"intact, {result.events_checked} events"
    elif result.first_broken_id is not None:
        outcome = f"BROKEN at event {result.first_broken_id}: {result.reason}"
    else:
        outcome = f"BROKEN: {result.reason}"
    checkpoint = result.checkpoint
    if checkpoint is not None:
        up_to = f"up to event {checkpoint.last_id}" if checkpoint.last_id is not None else "none yet"
        outcome += f"; compared with the checkpoint of {checkpoint.at} ({checkpoint.events} events {up_to})"
    elif checkpoint_dir() is None:
        outcome += "; no checkpoint to compare with (BUREAU_AUDIT_CHECKPOINT_DIR is not set)"
    else:
        outcome += "; no earlier checkpoint"
    return outcome
