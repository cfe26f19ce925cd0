"""How far indexing has got, for the console of `make run`: on a fresh start the demo documents are
still being parsed and embedded for a while after the URL is printed, and a search finds nothing of
them until they are Ready. With --follow the command prints a line each time the counts change and
ends when no document is waiting or in progress."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db.models import Count, Q

from knowledge.models import IN_PROGRESS, Document, DocumentStatus


@dataclass(frozen=True)
class IndexingCounts:
    ready: int
    waiting: int  # uploaded, queued or in one of the pipeline's stages
    failed: int

    @property
    def total(self) -> int:
        return self.ready + self.waiting + self.failed


def indexing_counts() -> IndexingCounts:
    """Every document of the installation: the console's reader is its operator."""
    waiting = (DocumentStatus.UPLOADED, *IN_PROGRESS)
    counts = Document.objects.aggregate(
        ready=Count("id", filter=Q(status=DocumentStatus.READY)),
        waiting=Count("id", filter=Q(status__in=waiting)),
        failed=Count("id", filter=Q(status=DocumentStatus.FAILED)),
    )
    return IndexingCounts(**counts)


def progress_line(counts: IndexingCounts) -> str:
    if counts.waiting:
        return (
            f"Bureau: indexing the knowledge bases: {counts.ready} of {counts.total} documents ready. "
            "Search and chat find the others once they are "
            "(the web app's Knowledge page shows each one's progress)."
        )
    failed = f", {counts.failed} failed (the Knowledge page says why)" if counts.failed else ""
    return f"Bureau: the knowledge bases are indexed: {counts.ready} documents ready{failed}."


class Command(BaseCommand):
    help = "Print how many documents are ready and how many are still being indexed."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--follow", action="store_true", help="print each change until none is waiting")
        parser.add_argument("--interval", type=float, default=2.0, help="seconds between looks (--follow)")

    def handle(self, *args: Any, **options: Any) -> None:
        last: IndexingCounts | None = None
        while True:
            counts = indexing_counts()
            if counts != last:
                self.stdout.write(progress_line(counts))
                self.stdout.flush()
                last = counts
            if not options["follow"] or not counts.waiting:
                return
            time.sleep(options["interval"])
