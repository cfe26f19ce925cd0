"""The stages of the indexing pipeline, each the work of one step and nothing of its order:

- parse: read the file (and its tables) in a child process under limits; store the metadata;
- chunk: cut the text into chunks and write them, without vectors, as the run's generation;
- embed: give the next batch of chunks their vectors;
- activate: make the run's generation the one that serves, and the document READY.

pipeline.py runs them in order; transitions.py moves the document from state to state between them.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from bureau.audit.services import audit_record
from bureau.llm.embedders import Embedder
from knowledge.ingestion import tables, transitions
from knowledge.ingestion.chunking import PATH_SEPARATOR, ChunkDraft, chunk_document
from knowledge.ingestion.doc_metadata import extract_document_metadata
from knowledge.ingestion.tables import ExtractedTable
from knowledge.ingestion.transitions import S, Superseded, beat
from knowledge.models import Chunk, Document, IndexingRun, KnowledgeBase, RunStatus
from knowledge.parsing import (
    FileKind,
    ParsedDocument,
    ParseError,
    ParseLimits,
    parse_document,
    parse_document_isolated,
)
from knowledge.search import active_chunks, chunk_vectors

PARSER_VERSION = "1"


# --- parse ---------------------------------------------------------------------------------------


def parse(run: IndexingRun, document: Document) -> tuple[ParsedDocument, list[ExtractedTable] | None]:
    """Parse the file (and read its tables) in a child process under the memory and time limits,
    so that a hostile file fails its document instead of taking the worker down."""
    path, kind, stem = Path(document.file.path), FileKind(document.kind), tables.table_stem(document)
    limits = parse_limits()
    if not settings.KNOWLEDGE_PARSE_ISOLATED:
        with _heartbeat(run):
            return parse_document(path, kind, limits=limits), tables.extract_tables_safely(path, kind, stem)

    # The heartbeat is kept from this thread while waiting: no thread may run while forking.
    return parse_document_isolated(
        path,
        kind,
        limits=limits,
        extra=lambda: tables.extract_tables_safely(path, kind, stem),
        tick=lambda: beat(run),
        tick_every=settings.KNOWLEDGE_HEARTBEAT_SECONDS,
    )


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


@contextlib.contextmanager
def _heartbeat(run: IndexingRun) -> Iterator[None]:
    """Keeps the run's heartbeat fresh during one long call (parsing a 1,000-page scan), so that
    the watchdog does not take a busy worker for a dead one. Dies with the worker, as it should."""
    stop = threading.Event()

    def beating() -> None:
        try:
            while not stop.wait(settings.KNOWLEDGE_HEARTBEAT_SECONDS):
                beat(run)
        finally:
            connection.close()  # this thread's own connection

    thread = threading.Thread(target=beating, name=f"heartbeat-{run.pk}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=5)


def store_metadata(document: Document, parsed: ParsedDocument) -> None:
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


# --- chunk ---------------------------------------------------------------------------------------


def chunk(run: IndexingRun, document: Document, parsed: ParsedDocument) -> list[ChunkDraft]:
    """Cut the text by the knowledge base's chunking settings and write the chunks, without
    vectors and not yet serving, as the run's generation."""
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
    return drafts


def chunked_fields(
    knowledge_base: KnowledgeBase, parsed: ParsedDocument, drafts: list[ChunkDraft]
) -> dict[str, Any]:
    """What the document records of its parsing and chunking as it enters EMBEDDING."""
    snapshot = {
        "chunk_tokens": knowledge_base.chunk_tokens,
        "chunk_overlap": knowledge_base.chunk_overlap,
        "chunks": len(drafts),
    }
    return {
        "chunks_total": len(drafts),
        "chunks_done": 0,
        "parser_version": PARSER_VERSION,
        "chunking_snapshot": snapshot,
        "page_count": parsed.page_count,
    }


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


# --- embed ---------------------------------------------------------------------------------------


def embed_batch(run: IndexingRun, document: Document, embedder: Embedder, *, size: int, step: int) -> bool:
    """Embed the next `size` chunks still without a vector, `step` at a time with the progress moved
    after each, then write them and count them done; False when there were none left. Resumable: a
    re-run picks up the chunks not yet embedded, and the embedding cache makes the rest free."""
    generation = Chunk.objects.filter(document=document, generation=run.generation)
    pending = generation.filter(embedding__isnull=True)
    batch = list(pending.order_by("ordinal").values_list("pk", "heading_path", "text")[:size])
    if not batch:
        return False
    texts = [embedding_text(path, text) for _, path, text in batch]
    already = generation.filter(embedding__isnull=False).count() if len(texts) > step else 0
    vectors: list[list[float]] = []
    for start in range(0, len(texts), step):
        if start and not transitions.embedding_progress(run, done=already + start):
            transitions.ensure_at(run, S.EMBEDDING)  # raises Cancelled or Superseded
        vectors.extend(embedder.embed_passages(texts[start : start + step]))
    with transaction.atomic():
        for (pk, _path, _text), vector in zip(batch, vectors, strict=True):
            Chunk.objects.filter(pk=pk).update(embedding=vector, embedding_dim=len(vector))
        done = Chunk.objects.filter(
            document=document, generation=run.generation, embedding__isnull=False
        ).count()
        Document.objects.filter(pk=document.pk, building_generation=run.generation).update(chunks_done=done)
        IndexingRun.objects.filter(pk=run.pk).update(progress_done=done, heartbeat_at=timezone.now())
    return True


def embedding_text(heading_path: list[str], text: str) -> str:
    return f"{PATH_SEPARATOR.join(heading_path)}\n{text}" if heading_path else text


# --- activate ------------------------------------------------------------------------------------


def activate(run: IndexingRun) -> None:
    """EMBEDDING → READY: the run's generation serves searches, the older one is gone, in one
    transaction under the document's lock (what enabling or disabling a document takes too).
    Raises Superseded when the document no longer waits for this run or a chunk has no vector."""
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
    # After the commit: the chunks just made live are what the statistics must now count.
    active_chunks.refresh_planner_statistics(knowledge_base_id=run.document.knowledge_base_id)
