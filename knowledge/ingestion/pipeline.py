"""The indexing pipeline: parse → chunk → embed → activate, in two tasks (knowledge/tasks.py).

ingest (queue `ingest`) parses and chunks; embed (queue `embed`) embeds batch by batch (a few chunks
at a time within a batch, the progress moving after each) and activates.
Between two stages the document moves on by a conditional transition (transitions.py), and the run
stops when it was cancelled or superseded meanwhile. What each stage does is in stages.py.
"""

from __future__ import annotations

import time

from django.conf import settings

from bureau.llm.embedders import EmbeddingError
from knowledge.ingestion import stages, tables, transitions
from knowledge.ingestion.transitions import Cancelled, S, Superseded
from knowledge.models import Document, IndexingRun, RunStatus
from knowledge.parsing import ParseError


def ingest(run_id: int) -> bool:
    """Parse and chunk. Returns True when the document is ready to embed."""
    run = transitions.load_run(run_id)
    if run is None:
        return False
    document = run.document
    try:
        if not transitions.move(run, (S.QUEUED,), S.PARSING):
            transitions.finish_cancel_if_requested(run)
            return False
        started = time.monotonic()
        parsed, extracted = stages.parse(run, document)
        transitions.record_timing(run, "parsing", started)
        tables.save_tables(document, extracted)
        transitions.ensure_at(run, S.PARSING)
        stages.store_metadata(document, parsed)

        if not transitions.move(run, (S.PARSING,), S.CHUNKING):
            raise Superseded()
        started = time.monotonic()
        drafts = stages.chunk(run, document, parsed)
        transitions.record_timing(run, "chunking", started)
        transitions.ensure_at(run, S.CHUNKING)

        fields = stages.chunked_fields(document.knowledge_base, parsed, drafts)
        if not transitions.move(run, (S.CHUNKING,), S.EMBEDDING, **fields):
            raise Superseded()
        transitions.start_progress(run, total=len(drafts))
        return True
    except ParseError as error:
        transitions.fail_run(
            run,
            stage=transitions.current_stage(run),
            reason=transitions.failure_reason(error),
            retryable=False,
        )
    except Cancelled:
        transitions.finish_cancel(run)
    except Superseded:
        pass
    return False


def embed(run_id: int, *, batch_size: int | None = None) -> bool:
    """Embed the chunks still without a vector, batch by batch, then switch generations. A transient
    EmbeddingError is raised for the task to retry; the rest end the document FAILED."""
    from knowledge.search.embedding import embedder_for

    run = transitions.load_run(run_id)
    if run is None:
        return False
    document = run.document
    size = batch_size or settings.KNOWLEDGE_EMBED_BATCH
    try:
        transitions.ensure_at(run, S.EMBEDDING)
        embedder = embedder_for(document.knowledge_base)
        started = time.monotonic()
        step = min(settings.KNOWLEDGE_EMBED_STEP, size)
        while stages.embed_batch(run, document, embedder, size=size, step=step):
            transitions.ensure_at(run, S.EMBEDDING)
        transitions.record_timing(run, "embedding", started)
        stages.activate(run)
        return True
    except EmbeddingError as error:
        if error.transient:
            raise  # the task retries with backoff; the last retry calls fail_after_retries
        transitions.fail_run(run, stage=S.EMBEDDING, reason=error.reason, retryable=False)
    except Cancelled:
        transitions.finish_cancel(run)
    except Superseded:
        pass
    return False


def index_document_inline(document: Document) -> Document:
    """Run every stage in this process, now (evaluation, demo seeding, tests). The document must be
    QUEUED with its run, as document_enqueue leaves it."""
    run = IndexingRun.objects.filter(document=document, status=RunStatus.RUNNING).order_by("-id").first()
    if run is not None and ingest(run.pk):
        try:
            embed(run.pk)
        except EmbeddingError as error:
            transitions.fail_after_retries(run.pk, error)
    document.refresh_from_db()
    return document
