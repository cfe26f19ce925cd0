"""The state machine of a document being indexed (ARCHITECTURE.md), and the bookkeeping of its run.

    UPLOADED → QUEUED → PARSING → CHUNKING → EMBEDDING → READY
    QUEUED..EMBEDDING → FAILED (stage, reason, retryable) → QUEUED (retry)
    QUEUED..EMBEDDING → CANCELLING → CANCELLED (or back to READY when an older generation serves)
    READY → QUEUED (re-index builds generation + 1; the old one serves until the new one is ready)

Every transition is a conditional UPDATE from the expected state and generation, so a task that is
delivered twice, or replayed after the watchdog re-queued its document, finds nothing to do. Each
attempt is an IndexingRun with a heartbeat; the watchdog re-queues runs whose heartbeat went stale
(a killed worker), and fails a document with the reason once it has been re-queued too often.

Entering QUEUED is dispatch.document_enqueue (it sends the task); EMBEDDING → READY is the activate
stage (stages.activate), which switches the generation that serves under the document's lock.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from bureau.audit.services import audit_record
from bureau.llm.embedders import EmbeddingError
from knowledge.models import IN_PROGRESS, Chunk, Document, DocumentStatus, IndexingRun, RunStatus
from knowledge.parsing import ParseError

log = logging.getLogger(__name__)
S = DocumentStatus


class Cancelled(Exception):
    """The user asked to cancel; raised between stages and batches."""


class Superseded(Exception):
    """The document moved on (deleted, re-queued, another run took over): stop quietly."""


# --- the run -------------------------------------------------------------------------------------


def load_run(run_id: int) -> IndexingRun | None:
    """The run, if it is still running: a finished or superseded run has nothing left to do."""
    run = IndexingRun.objects.select_related("document__knowledge_base").filter(pk=run_id).first()
    if run is None or run.status != RunStatus.RUNNING:
        return None
    return run


def beat(run: IndexingRun) -> None:
    """The run's worker is alive (the watchdog re-queues runs whose heartbeat went stale)."""
    IndexingRun.objects.filter(pk=run.pk).update(heartbeat_at=timezone.now())


def record_timing(run: IndexingRun, stage: str, started: float) -> None:
    run.timings[stage] = round(time.monotonic() - started, 3)
    IndexingRun.objects.filter(pk=run.pk).update(timings=run.timings)


def supersede(run: IndexingRun) -> None:
    """The run's document is gone or has moved on without it."""
    IndexingRun.objects.filter(pk=run.pk).update(status=RunStatus.SUPERSEDED, finished_at=timezone.now())


# --- moving forward -------------------------------------------------------------------------------


def move(run: IndexingRun, expected: tuple[str, ...], to: str, **fields: Any) -> bool:
    """The one way a running document changes state: only from an expected state, and only for the
    generation this run builds."""
    changed = Document.objects.filter(
        pk=run.document_id, status__in=expected, building_generation=run.generation
    ).update(status=to, updated_at=timezone.now(), **fields)
    if changed:
        IndexingRun.objects.filter(pk=run.pk).update(stage=to, heartbeat_at=timezone.now())
    return bool(changed)


def ensure_at(run: IndexingRun, stage: str) -> None:
    """Between steps: stop if cancelled, or if the document no longer waits for this run."""
    row = Document.objects.filter(pk=run.document_id).values("status", "building_generation").first()
    if row is None or row["building_generation"] != run.generation:
        raise Superseded()
    if row["status"] == S.CANCELLING:
        raise Cancelled()
    if row["status"] != stage:
        raise Superseded()
    beat(run)


def start_progress(run: IndexingRun, *, total: int) -> None:
    IndexingRun.objects.filter(pk=run.pk).update(progress_total=total, progress_done=0)


def embedding_progress(run: IndexingRun, *, done: int) -> bool:
    """Within a batch: `done` chunks have their vector (the batch writes them at its end). False when
    the document no longer embeds for this run (cancelled, superseded): no need to embed the rest."""
    moved = Document.objects.filter(
        pk=run.document_id, status=S.EMBEDDING, building_generation=run.generation
    ).update(chunks_done=done)
    if moved:
        IndexingRun.objects.filter(pk=run.pk).update(progress_done=done, heartbeat_at=timezone.now())
    return bool(moved)


def requeue(run: IndexingRun, *, expected: str) -> bool:
    """Back to QUEUED after the run's worker died in `expected` (the watchdog), counted."""
    if not Document.objects.filter(
        pk=run.document_id, status=expected, building_generation=run.generation
    ).update(status=S.QUEUED):
        return False
    IndexingRun.objects.filter(pk=run.pk).update(
        stage=S.QUEUED, requeues=F("requeues") + 1, heartbeat_at=timezone.now()
    )
    return True


def current_stage(run: IndexingRun) -> str:
    status = Document.objects.filter(pk=run.document_id).values_list("status", flat=True).first()
    return str(status) if status in IN_PROGRESS else str(run.stage)


# --- failing -------------------------------------------------------------------------------------


def fail_run(run: IndexingRun, *, stage: str, reason: str, retryable: bool) -> None:
    with transaction.atomic():
        changed = Document.objects.filter(
            pk=run.document_id, building_generation=run.generation, status__in=[*IN_PROGRESS, S.CANCELLING]
        ).update(
            status=S.FAILED,
            failed_stage=stage,
            failure_reason=reason,
            failure_retryable=retryable,
            updated_at=timezone.now(),
        )
        IndexingRun.objects.filter(pk=run.pk).update(
            status=RunStatus.FAILED, error=reason, finished_at=timezone.now()
        )
        if not changed:
            return
        # The half-built generation is useless now; an older one, if any, keeps serving.
        Chunk.objects.filter(document_id=run.document_id, generation=run.generation).delete()
        document = Document.objects.select_related("knowledge_base").get(pk=run.document_id)
        audit_record(
            actor=None,
            organization=document.knowledge_base.organization_id,
            department=document.knowledge_base.department_id,
            action="document.index_failed",
            target=document,
            after={"stage": stage, "reason": reason, "retryable": retryable},
        )
    log.warning("indexing of document %s failed at %s: %s", run.document_id, stage, reason)


def failure_reason(error: ParseError) -> str:
    """Stored once for every reader: Vietnamese first, then English."""
    return f"{error.reason_vi} ({error.reason})" if error.reason_vi else error.reason


def fail_after_retries(run_id: int, error: EmbeddingError) -> None:
    run = load_run(run_id)
    if run is not None:
        fail_run(run, stage=S.EMBEDDING, reason=f"{error.reason} (gave up after retrying)", retryable=True)


def fail_unexpected(run_id: int, error: BaseException) -> None:
    """A bug or an outage we did not foresee still ends in FAILED with a reason, never a stuck state."""
    run = load_run(run_id)
    if run is not None:
        fail_run(
            run,
            stage=current_stage(run),
            reason=f"unexpected error ({type(error).__name__}): {error}"[:2000],
            retryable=True,
        )


def fail_timed_out(run_id: int, seconds: int) -> None:
    run = load_run(run_id)
    if run is not None:
        fail_run(
            run,
            stage=current_stage(run),
            reason=f"xử lý tài liệu mất quá {seconds} giây (processing took longer than {seconds} seconds)",
            retryable=False,
        )


# --- cancelling ----------------------------------------------------------------------------------


def request_cancel(*, document: Document) -> bool:
    changed = Document.objects.filter(pk=document.pk, status__in=IN_PROGRESS).update(
        status=S.CANCELLING, updated_at=timezone.now()
    )
    IndexingRun.objects.filter(document=document, status=RunStatus.RUNNING).update(cancel_requested=True)
    return bool(changed)


def finish_cancel_if_requested(run: IndexingRun) -> None:
    if Document.objects.filter(
        pk=run.document_id, status=S.CANCELLING, building_generation=run.generation
    ).exists():
        finish_cancel(run)


def finish_cancel(run: IndexingRun) -> None:
    with transaction.atomic():
        document = Document.objects.select_for_update().filter(pk=run.document_id).first()
        if document is None or document.building_generation != run.generation:
            return
        Chunk.objects.filter(document=document, generation=run.generation).delete()
        # A cancelled re-index leaves the previous generation serving, so the document is READY.
        outcome = (
            S.READY
            if document.active_generation and document.active_generation != run.generation
            else (S.CANCELLED)
        )
        Document.objects.filter(pk=document.pk, status=S.CANCELLING).update(
            status=outcome, building_generation=document.active_generation, updated_at=timezone.now()
        )
        IndexingRun.objects.filter(pk=run.pk).update(status=RunStatus.CANCELLED, finished_at=timezone.now())
