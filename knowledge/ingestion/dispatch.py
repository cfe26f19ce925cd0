"""Into the pipeline: a document is queued (a new IndexingRun, the document QUEUED) and its ingest
task sent when the transaction commits. The one module that imports the tasks, and only when it
sends one: the tasks import the pipeline (pipeline, transitions, watchdog), which reach the tasks
only through here, so the modules import in one direction."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from knowledge.models import Document, DocumentStatus, IndexingRun, KnowledgeBase, RunStatus

S = DocumentStatus

# The queue of every stage of a file attached to a conversation: someone is waiting to ask about it,
# and on the `ingest` and `embed` queues it would wait behind the long documents of knowledge bases.
ATTACHMENTS_QUEUE = "attachments"


def queue_for(knowledge_base: KnowledgeBase) -> str | None:
    """The queue of a document's stages: a scoped knowledge base holds the files attached to a
    conversation (the knowledge app knows it only by its scope); None sends each stage where the
    task's route says (settings.CELERY_TASK_ROUTES)."""
    return ATTACHMENTS_QUEUE if knowledge_base.scope else None


def ingest_later(run_id: int, *, queue: str | None = None) -> None:
    """Send the run's ingest task (its first stage; ingest sends embed itself, to the same `queue`)."""
    from knowledge import tasks  # on use: knowledge.tasks imports the pipeline, which imports this

    tasks.ingest_document.apply_async((run_id,), {"queue": queue}, queue=queue)


def document_enqueue(*, document: Document, new_generation: bool, dispatch: bool = True) -> IndexingRun:
    """Queue a document for (re-)indexing. Runs inside the caller's transaction; the task is sent
    when it commits (`dispatch=False` leaves it to index_document_inline)."""
    generation = max(document.active_generation, document.building_generation) + (1 if new_generation else 0)
    IndexingRun.objects.filter(document=document, status=RunStatus.RUNNING).update(
        status=RunStatus.SUPERSEDED, finished_at=timezone.now()
    )
    run = IndexingRun.objects.create(
        document=document,
        generation=generation,
        attempt=document.attempts + 1,
        stage=S.QUEUED,
        heartbeat_at=timezone.now(),
    )
    Document.objects.filter(pk=document.pk).update(
        status=S.QUEUED,
        building_generation=generation,
        attempts=F("attempts") + 1,
        failed_stage="",
        failure_reason="",
        failure_retryable=False,
        chunks_done=0,
        chunks_total=0,
        updated_at=timezone.now(),
    )
    if dispatch:
        queue = queue_for(document.knowledge_base)
        transaction.on_commit(lambda: ingest_later(run.pk, queue=queue))
    return run
