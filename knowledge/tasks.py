"""Thin Celery tasks: each takes an id and calls knowledge.ingestion.pipeline (its failures end in
knowledge.ingestion.transitions). Queues: `ingest` for parsing and chunking, `embed` for embeddings
(routed in settings); both stages of a file attached to a conversation go to `attachments` instead
(knowledge.ingestion.dispatch.queue_for)."""

from __future__ import annotations

from celery import Task, shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings

from bureau.llm.embedders import EmbeddingError
from knowledge.ingestion import pipeline, transitions
from knowledge.ingestion.watchdog import run_watchdog

EMBED_MAX_RETRIES = 5
# Beyond the parse's own deadline (enforced in its child process): chunking and writing the chunks
# of the largest document. The soft limit fails the document with the reason; the hard one (prefork
# pool only) ends the pool process, and the watchdog then re-queues or fails the document.
INGEST_SOFT_TIME_LIMIT = settings.KNOWLEDGE_PARSE_TIMEOUT_SECONDS + 300
INGEST_TIME_LIMIT = INGEST_SOFT_TIME_LIMIT + 120


@shared_task(
    name="knowledge.tasks.ingest_document",
    acks_late=True,
    soft_time_limit=INGEST_SOFT_TIME_LIMIT,
    time_limit=INGEST_TIME_LIMIT,
)
def ingest_document(run_id: int, queue: str | None = None) -> None:
    """`queue`: where the embedding stage goes too (None: its route)."""
    try:
        ready = pipeline.ingest(run_id)
    except SoftTimeLimitExceeded:
        transitions.fail_timed_out(run_id, INGEST_SOFT_TIME_LIMIT)
        return
    except Exception as error:
        transitions.fail_unexpected(run_id, error)
        raise
    if ready:
        embed_document.apply_async((run_id,), queue=queue)


@shared_task(name="knowledge.tasks.embed_document", bind=True, acks_late=True, max_retries=EMBED_MAX_RETRIES)
def embed_document(self: Task, run_id: int) -> None:
    try:
        pipeline.embed(run_id)
    except EmbeddingError as error:
        # Only transient errors reach here (rate limits, 5xx, timeouts): back off and try again.
        if self.request.retries >= EMBED_MAX_RETRIES:
            transitions.fail_after_retries(run_id, error)
            return
        countdown = error.retry_after or min(300, 5 * 2**self.request.retries)
        raise self.retry(exc=error, countdown=countdown) from error
    except Exception as error:
        transitions.fail_unexpected(run_id, error)
        raise


@shared_task(name="knowledge.tasks.watchdog")
def watchdog() -> dict[str, int]:
    return run_watchdog()
