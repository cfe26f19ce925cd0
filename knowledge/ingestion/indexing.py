"""The indexing pipeline: parse → chunk → embed → finalize, as the state machine of ARCHITECTURE.md.

    UPLOADED → QUEUED → PARSING → CHUNKING → EMBEDDING → READY
    QUEUED..EMBEDDING → FAILED (stage, reason, retryable) → QUEUED (retry)
    QUEUED..EMBEDDING → CANCELLING → CANCELLED (or back to READY when an older generation serves)
    READY → QUEUED (re-index builds generation + 1; the old one serves until the new one is ready)

Every transition is a conditional UPDATE from the expected state and generation, so a task that is
delivered twice, or replayed after the watchdog re-queued its document, finds nothing to do. Each
attempt is an IndexingRun with a heartbeat; the watchdog re-queues runs whose heartbeat went stale
(a killed worker), and fails a document with the reason once it has been re-queued too often.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from bureau.audit.services import audit_record
from bureau.llm.embedders import EmbeddingError
from knowledge.ingestion import tables
from knowledge.ingestion.chunking import PATH_SEPARATOR, ChunkDraft, chunk_document
from knowledge.ingestion.doc_metadata import extract_document_metadata
from knowledge.ingestion.tables import ExtractedTable
from knowledge.models import IN_PROGRESS, Chunk, Document, DocumentStatus, IndexingRun, RunStatus
from knowledge.parsing import (
    FileKind,
    ParsedDocument,
    ParseError,
    ParseLimits,
    parse_document,
    parse_document_isolated,
)
from knowledge.search import active_chunks, chunk_vectors

log = logging.getLogger(__name__)
PARSER_VERSION = "1"
S = DocumentStatus


class Cancelled(Exception):
    """The user asked to cancel; raised between stages and batches."""


class Superseded(Exception):
    """The document moved on (deleted, re-queued, another run took over): stop quietly."""


# --- state transitions --------------------------------------------------------------------------


def _move(run: IndexingRun, expected: tuple[str, ...], to: str, **fields: Any) -> bool:
    """The one way a running document changes state: only from an expected state, and only for the
    generation this run builds."""
    changed = Document.objects.filter(
        pk=run.document_id, status__in=expected, building_generation=run.generation
    ).update(status=to, updated_at=timezone.now(), **fields)
    if changed:
        IndexingRun.objects.filter(pk=run.pk).update(stage=to, heartbeat_at=timezone.now())
    return bool(changed)


def _check(run: IndexingRun, stage: str) -> None:
    """Between steps: stop if cancelled, or if the document no longer waits for this run."""
    row = Document.objects.filter(pk=run.document_id).values("status", "building_generation").first()
    if row is None or row["building_generation"] != run.generation:
        raise Superseded()
    if row["status"] == S.CANCELLING:
        raise Cancelled()
    if row["status"] != stage:
        raise Superseded()
    IndexingRun.objects.filter(pk=run.pk).update(heartbeat_at=timezone.now())


def _load_run(run_id: int) -> IndexingRun | None:
    run = IndexingRun.objects.select_related("document__knowledge_base").filter(pk=run_id).first()
    if run is None or run.status != RunStatus.RUNNING:
        return None
    return run


def _record_timing(run: IndexingRun, stage: str, started: float) -> None:
    run.timings[stage] = round(time.monotonic() - started, 3)
    IndexingRun.objects.filter(pk=run.pk).update(timings=run.timings)


@contextlib.contextmanager
def _heartbeat(run: IndexingRun) -> Iterator[None]:
    """Keeps the run's heartbeat fresh during one long call (parsing a 1,000-page scan), so that
    the watchdog does not take a busy worker for a dead one. Dies with the worker, as it should."""
    stop = threading.Event()

    def beat() -> None:
        try:
            while not stop.wait(settings.KNOWLEDGE_HEARTBEAT_SECONDS):
                IndexingRun.objects.filter(pk=run.pk).update(heartbeat_at=timezone.now())
        finally:
            connection.close()  # this thread's own connection

    thread = threading.Thread(target=beat, name=f"heartbeat-{run.pk}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=5)


def _read_file(run: IndexingRun, document: Document) -> tuple[ParsedDocument, list[ExtractedTable] | None]:
    """Parse the file (and read its tables) in a child process under the memory and time limits,
    so that a hostile file fails its document instead of taking the worker down."""
    path, kind, stem = Path(document.file.path), FileKind(document.kind), tables.table_stem(document)
    limits = parse_limits()
    if not settings.KNOWLEDGE_PARSE_ISOLATED:
        with _heartbeat(run):
            return parse_document(path, kind, limits=limits), tables.extract_tables_safely(path, kind, stem)

    def beat() -> None:
        IndexingRun.objects.filter(pk=run.pk).update(heartbeat_at=timezone.now())

    # The heartbeat is kept from this thread while waiting: no thread may run while forking.
    return parse_document_isolated(
        path,
        kind,
        limits=limits,
        extra=lambda: tables.extract_tables_safely(path, kind, stem),
        tick=beat,
        tick_every=settings.KNOWLEDGE_HEARTBEAT_SECONDS,
    )


# --- stages -------------------------------------------------------------------------------------


def ingest(run_id: int) -> bool:
    """Parse and chunk. Returns True when the document is ready to embed."""
    run = _load_run(run_id)
    if run is None:
        return False
    document = run.document
    try:
        if not _move(run, (S.QUEUED,), S.PARSING):
            _finish_cancel_if_requested(run)
            return False
        started = time.monotonic()
        parsed, extracted = _read_file(run, document)
        _record_timing(run, "parsing", started)
        tables.save_tables(document, extracted)
        _check(run, S.PARSING)
        _store_metadata(document, parsed)
        if not _move(run, (S.PARSING,), S.CHUNKING):
            raise Superseded()
        started = time.monotonic()
        knowledge_base = document.knowledge_base
        drafts = chunk_document(
            parsed,
            chunk_tokens=knowledge_base.chunk_tokens,
            overlap_tokens=min(knowledge_base.chunk_overlap, knowledge_base.chunk_tokens // 2),
        )
        if not drafts:
            raise ParseError(
                "no_text",
                "the document contains no text to index",
                "tài liệu không có nội dung văn bản để lập chỉ mục",
            )
        _write_chunks(document, run.generation, drafts)
        _record_timing(run, "chunking", started)
        _check(run, S.CHUNKING)
        snapshot = {
            "chunk_tokens": knowledge_base.chunk_tokens,
            "chunk_overlap": knowledge_base.chunk_overlap,
            "chunks": len(drafts),
        }
        if not _move(
            run,
            (S.CHUNKING,),
            S.EMBEDDING,
            chunks_total=len(drafts),
            chunks_done=0,
            parser_version=PARSER_VERSION,
            chunking_snapshot=snapshot,
            page_count=parsed.page_count,
        ):
            raise Superseded()
        IndexingRun.objects.filter(pk=run.pk).update(progress_total=len(drafts), progress_done=0)
        return True
    except ParseError as error:
        fail_run(run, stage=_current_stage(run), reason=failure_reason(error), retryable=False)
    except Cancelled:
        finish_cancel(run)
    except Superseded:
        pass
    return False


def embed(run_id: int, *, batch_size: int | None = None) -> bool:
    """Embed the chunks still without a vector, batch by batch, then switch generations. Resumable:
    a re-run picks up the chunks not yet embedded, and the embedding cache makes the rest free."""
    from knowledge.search.embedding import embedder_for

    run = _load_run(run_id)
    if run is None:
        return False
    document = run.document
    size = batch_size or settings.KNOWLEDGE_EMBED_BATCH
    try:
        _check(run, S.EMBEDDING)
        embedder = embedder_for(document.knowledge_base)
        started = time.monotonic()
        pending = Chunk.objects.filter(document=document, generation=run.generation, embedding__isnull=True)
        while batch := list(pending.order_by("ordinal").values_list("pk", "heading_path", "text")[:size]):
            vectors = embedder.embed_passages([embedding_text(path, text) for _, path, text in batch])
            with transaction.atomic():
                for (pk, _path, _text), vector in zip(batch, vectors, strict=True):
                    Chunk.objects.filter(pk=pk).update(embedding=vector, embedding_dim=len(vector))
                done = Chunk.objects.filter(
                    document=document, generation=run.generation, embedding__isnull=False
                ).count()
                Document.objects.filter(pk=document.pk, building_generation=run.generation).update(
                    chunks_done=done
                )
                IndexingRun.objects.filter(pk=run.pk).update(progress_done=done, heartbeat_at=timezone.now())
            _check(run, S.EMBEDDING)
        _record_timing(run, "embedding", started)
        _finalize(run)
        return True
    except EmbeddingError as error:
        if error.transient:
            raise  # the task retries with backoff; the last retry calls fail_after_retries
        fail_run(run, stage=S.EMBEDDING, reason=error.reason, retryable=False)
    except Cancelled:
        finish_cancel(run)
    except Superseded:
        pass
    return False


def fail_after_retries(run_id: int, error: EmbeddingError) -> None:
    run = _load_run(run_id)
    if run is not None:
        fail_run(run, stage=S.EMBEDDING, reason=f"{error.reason} (gave up after retrying)", retryable=True)


def fail_unexpected(run_id: int, error: BaseException) -> None:
    """A bug or an outage we did not foresee still ends in FAILED with a reason, never a stuck state."""
    run = _load_run(run_id)
    if run is not None:
        fail_run(
            run,
            stage=_current_stage(run),
            reason=f"unexpected error ({type(error).__name__}): {error}"[:2000],
            retryable=True,
        )


def fail_timed_out(run_id: int, seconds: int) -> None:
    run = _load_run(run_id)
    if run is not None:
        fail_run(
            run,
            stage=_current_stage(run),
            reason=f"xử lý tài liệu mất quá {seconds} giây (processing took longer than {seconds} seconds)",
            retryable=False,
        )


def _finalize(run: IndexingRun) -> None:
    _activate(run)
    # After the commit: the chunks just made live are what the statistics must now count.
    active_chunks.refresh_planner_statistics(knowledge_base_id=run.document.knowledge_base_id)


def _activate(run: IndexingRun) -> None:
    with transaction.atomic():
        document = Document.objects.select_for_update().get(pk=run.document_id)
        missing = Chunk.objects.filter(document=document, generation=run.generation, embedding__isnull=True)
        if (
            document.status != S.EMBEDDING
            or document.building_generation != run.generation
            or missing.exists()
        ):
            raise Superseded()
        previous = document.active_generation
        Document.objects.filter(pk=document.pk).update(
            status=S.READY,
            active_generation=run.generation,
            indexed_at=timezone.now(),
            updated_at=timezone.now(),
        )
        document.active_generation = run.generation
        active_chunks.activate_generation(document=document, generation=run.generation)
        IndexingRun.objects.filter(pk=run.pk).update(
            status=RunStatus.SUCCEEDED, stage=S.READY, finished_at=timezone.now()
        )
        audit_record(
            actor=None,
            organization=document.knowledge_base.organization_id,
            department=document.knowledge_base.department_id,
            action="document.indexed",
            target=document,
            before={"generation": previous},
            after={"generation": run.generation, "chunks": document.chunks_total},
        )


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


def _finish_cancel_if_requested(run: IndexingRun) -> None:
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


def _current_stage(run: IndexingRun) -> str:
    status = Document.objects.filter(pk=run.document_id).values_list("status", flat=True).first()
    return str(status) if status in IN_PROGRESS else str(run.stage)


def failure_reason(error: ParseError) -> str:
    """Stored once for every reader: Vietnamese first, then English."""
    return f"{error.reason_vi} ({error.reason})" if error.reason_vi else error.reason


# --- what chunks store --------------------------------------------------------------------------


def parse_limits() -> ParseLimits:
    return ParseLimits(
        max_pages=settings.KNOWLEDGE_MAX_PAGES,
        max_zip_members=settings.KNOWLEDGE_MAX_ZIP_MEMBERS,
        max_uncompressed_bytes=settings.KNOWLEDGE_MAX_UNCOMPRESSED_MB * 1024 * 1024,
        max_compression_ratio=float(settings.KNOWLEDGE_MAX_COMPRESSION_RATIO),
        max_text_chars=settings.KNOWLEDGE_MAX_TEXT_CHARS,
        max_nesting_depth=settings.KNOWLEDGE_MAX_NESTING_DEPTH,
        memory_mb=settings.KNOWLEDGE_PARSE_MEMORY_MB,
        timeout_seconds=float(settings.KNOWLEDGE_PARSE_TIMEOUT_SECONDS),
    )


def embedding_text(heading_path: list[str], text: str) -> str:
    return f"{PATH_SEPARATOR.join(heading_path)}\n{text}" if heading_path else text


def _search_text(draft: ChunkDraft) -> str:
    # The section's own title (e.g. "Điều 8. Thể thức văn bản") makes its words findable in every
    # chunk of the section; the higher levels of the path would only add noise.
    title = draft.heading_path[-1] if draft.heading_path else ""
    return f"{title}\n{draft.text}" if title and title not in draft.text else draft.text


_INSERT = """
INSERT INTO knowledge_chunk (knowledge_base_id, document_id, generation, active, ordinal, section_key,
    section_title, heading_path, page_start, page_end, text, token_count, search_exact, search_folded,
    legal_refs)
VALUES (%s, %s, %s, false, %s, %s, %s, %s, %s, %s, %s, %s, %s::tsvector, %s::tsvector, %s)
"""


def _write_chunks(document: Document, generation: int, drafts: list[ChunkDraft]) -> None:
    rows = []
    for draft in drafts:
        text = _search_text(draft)
        rows.append(
            (
                document.knowledge_base_id,
                document.pk,
                generation,
                draft.ordinal,
                draft.section_key[:300],
                draft.section_title[:500],
                list(draft.heading_path),
                draft.page_start,
                draft.page_end,
                draft.text,
                draft.token_count,
                chunk_vectors.tsvector_literal(text, folded=False),
                chunk_vectors.tsvector_literal(text, folded=True),
                chunk_vectors.chunk_legal_refs(draft.heading_path, document.doc_number),
            )
        )
    with transaction.atomic(), connection.cursor() as cursor:
        # A replayed run starts its generation afresh.
        Chunk.objects.filter(document=document, generation=generation).delete()
        cursor.executemany(_INSERT, rows)


def _store_metadata(document: Document, parsed: ParsedDocument) -> None:
    head = "\n".join(block.text for block in parsed.blocks[:80])[:4000]
    tail = "\n".join(block.text for block in parsed.blocks[-40:])[-3000:]
    metadata = extract_document_metadata(head, tail)
    fields: dict[str, Any] = {"metadata": metadata.as_dict()}
    if metadata.number:
        fields["doc_number"] = metadata.number[:100]
    if metadata.doc_type:
        fields["doc_type"] = metadata.doc_type[:100]
    if metadata.issuer:
        fields["issuer"] = metadata.issuer[:300]
    if metadata.issue_date:
        fields["issued_on"] = metadata.issue_date
    Document.objects.filter(pk=document.pk).update(**fields)
    for name, value in fields.items():
        setattr(document, name, value)


def index_document_inline(document: Document) -> Document:
    """Run every stage in this process, now (evaluation, demo seeding, tests). The document must be
    QUEUED with its run, as document_enqueue leaves it."""
    run = IndexingRun.objects.filter(document=document, status=RunStatus.RUNNING).order_by("-id").first()
    if run is not None and ingest(run.pk):
        try:
            embed(run.pk)
        except EmbeddingError as error:
            fail_after_retries(run.pk, error)
    document.refresh_from_db()
    return document
