"""The watchdog: no document stays PARSING, CHUNKING or EMBEDDING after its worker died, and none
stays QUEUED after the broker lost its message. Beat runs it every minute."""

from __future__ import annotations

import functools
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from knowledge.ingestion.dispatch import ingest_later, queue_for
from knowledge.ingestion.transitions import S, beat, fail_run, finish_cancel, requeue, supersede
from knowledge.models import Document, IndexingRun, RunStatus


def run_watchdog() -> dict[str, int]:
    """Re-queue documents whose worker died; fail them once that happened too often. Periodic."""
    stale_before = timezone.now() - timedelta(seconds=settings.KNOWLEDGE_STALE_AFTER_SECONDS)
    counts = {"requeued": 0, "failed": 0, "cancelled": 0, "resent": 0}
    stale = IndexingRun.objects.filter(
        status=RunStatus.RUNNING, heartbeat_at__lt=stale_before
    ).select_related("document__knowledge_base")
    for run in stale:
        # Sent again to the queue it was first sent to: an attachment's stays its own.
        queue = queue_for(run.document.knowledge_base)
        status = (
            Document.objects.filter(pk=run.document_id, building_generation=run.generation)
            .values_list("status", flat=True)
            .first()
        )
        if status is None:
            supersede(run)
        elif status == S.CANCELLING:
            finish_cancel(run)
            counts["cancelled"] += 1
        elif status == S.QUEUED:
            # The message may have been lost with the broker (snapshots are off): send it again. A
            # duplicate finds the document past QUEUED and does nothing.
            beat(run)
            ingest_later(run.pk, queue=queue)
            counts["resent"] += 1
        elif status in (S.PARSING, S.CHUNKING, S.EMBEDDING):
            if run.requeues >= settings.KNOWLEDGE_MAX_REQUEUES:
                fail_run(
                    run,
                    stage=status,
                    retryable=True,
                    reason=f"the worker stopped {run.requeues + 1} times while {status} this document",
                )
                counts["failed"] += 1
                continue
            with transaction.atomic():
                if requeue(run, expected=status):
                    transaction.on_commit(functools.partial(ingest_later, run.pk, queue=queue))
                    counts["requeued"] += 1
        else:
            supersede(run)
    return counts
