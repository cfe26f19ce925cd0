"""Indexing benchmark, end to end: time from upload to Ready through the real path (the upload
service with dispatch, the Celery workers as `make run` starts them (embedding in one process),
the bundled e5 model of a default knowledge base) for a 100-page text PDF, a 10-page DOCX, a 74 KB
chat attachment and a batch of one-article documents (documents per second); the worker's peak
memory; how long the progress bar stands still while a document embeds; and how long deleting the
batch's knowledge base takes.

    python tests/benchmarks/bench_indexing.py [--batch 500] [--pdf-pages 100]

Prints a table and writes var/bench/indexing.json; the worker's log is var/bench/indexing-worker.log.
Each document is polled every POLL_SECONDS (the web app polls every 1.5 s) for its status and the
`progress` the API returns. Where the time goes: the time in each status seen by the polls, the
stage timings the pipeline stores on its run, the task times of the worker's log, and the
database's transactions and ANALYZEs of the chunk table counted by PostgreSQL during the batch.

Figures to reach (issue "Search the way officials type", idle 2-core machine): 100-page PDF Ready in
≤ 45 s; an attachment under 100 KB usable in ≤ 5 s; ≥ 5 documents a second; progress that moves at
least every 2 s while embedding. The machine's load average is recorded before and after.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.benchmarks.indexing_trace import (  # noqa: E402
    FINAL,
    Sample,
    largest_progress_gap,
    percentile,
    result_json,
    status_seconds,
    task_summary,
)

DOCUMENTS = ROOT.parent / "shared" / "data" / "documents"
OUT = ROOT / "var" / "bench"
WORKER_LOG = OUT / "indexing-worker.log"
POLL_SECONDS = 0.25
DOCX = DOCUMENTS / "legal_samples" / "nghi_quyet_02_2022_NQ_HDTP.docx"  # 10 pages
ATTACHMENT = DOCUMENTS / "legal_samples" / "nghi_dinh_21_2021_ND_CP.docx"  # 74 KB
ARTICLE = re.compile(r"^Điều \d+[.:]", re.MULTILINE)
FORK_WARNING = "local embedding engine was used before fork"
DEPARTMENT = "bench-idx"
REDIS_DB = 15  # of the 16; `make test` uses 1 to PYTEST_WORKERS, `make run` and a plain pytest 0


# --- the worker ---------------------------------------------------------------------------------


class Worker:
    """The Celery workers as `make run` starts them (bureau/embedded/runner.py), their log in
    WORKER_LOG, and the peak memory of their process trees (the pools' processes and the parse
    children they fork), sampled every 0.1 s: the sum of their RSS, and the largest single one."""

    def __init__(self) -> None:
        self.processes: list[subprocess.Popen[bytes]] = []
        self.peak_tree_mb = 0.0
        self.peak_process_mb = 0.0
        self._stop = threading.Event()
        self._sampler = threading.Thread(target=self._sample, daemon=True)

    def start(self) -> None:
        from bureau.embedded.runner import worker_commands

        OUT.mkdir(parents=True, exist_ok=True)
        log = WORKER_LOG.open("wb")
        env = {**os.environ, "BUREAU_DB_ROLE": "app", "LOG_LEVEL": "INFO"}
        for _name, command in worker_commands():
            self.processes.append(
                subprocess.Popen(
                    command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True
                )
            )
        deadline = time.monotonic() + 120
        while self.log().count("ready.") < len(self.processes) and time.monotonic() < deadline:
            if any(process.poll() is not None for process in self.processes):
                raise RuntimeError(f"a worker exited: see {WORKER_LOG}")
            time.sleep(0.2)
        self._sampler.start()

    def _sample(self) -> None:
        import psutil

        roots = [psutil.Process(process.pid) for process in self.processes]
        while not self._stop.wait(0.1):
            sizes = []
            with contextlib.suppress(psutil.NoSuchProcess):
                for root in roots:
                    for each in [root, *root.children(recursive=True)]:
                        with contextlib.suppress(psutil.NoSuchProcess):
                            sizes.append(each.memory_info().rss / 2**20)
            if sizes:
                self.peak_tree_mb = max(self.peak_tree_mb, sum(sizes))
                self.peak_process_mb = max(self.peak_process_mb, max(sizes))

    def log(self) -> str:
        return WORKER_LOG.read_text(encoding="utf-8", errors="replace") if WORKER_LOG.exists() else ""

    def stop(self) -> None:
        self._stop.set()
        running = [process for process in self.processes if process.poll() is None]
        for process in running:
            process.send_signal(signal.SIGTERM)
        for process in running:
            try:
                process.wait(60)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@contextlib.contextmanager
def running_worker() -> Iterator[Worker]:
    worker = Worker()
    try:
        worker.start()
        yield worker
    finally:
        worker.stop()


# --- the platform -------------------------------------------------------------------------------


def setup_django() -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bureau.settings")
    from bureau import embedded

    embedded.ensure_services()
    # A Redis database of the benchmark's own for the queues: a test run or `make run` of the same
    # checkout empties or consumes database 0 (a test's cache.clear() took two tasks of a run).
    os.environ["REDIS_URL"] = embedded.redis_url_with_db(embedded.redis_url(), REDIS_DB)
    django.setup()
    from django.core.management import call_command

    from tests.db_roles import as_owner

    with as_owner():
        call_command("migrate", verbosity=0)


def forget_vectors(knowledge_bases: Any) -> None:
    """Drop the embedding cache's vectors of these knowledge bases' chunks: a run whose texts are
    in the cache embeds nothing (a second run took 2.4 s where the first took 476 s)."""
    from bureau.llm.embedders import text_hash
    from bureau.llm.models import EmbeddingCacheEntry
    from knowledge.ingestion.stages import embedding_text
    from knowledge.models import Chunk
    from knowledge.search.embedding import embedder_for

    for kb in knowledge_bases:
        rows = Chunk.objects.filter(knowledge_base=kb).values_list("heading_path", "text")
        hashes = [text_hash(embedding_text(heading, text)) for heading, text in rows.iterator()]
        namespace = embedder_for(kb).namespace
        EmbeddingCacheEntry.objects.filter(model_key=namespace, text_hash__in=hashes).delete()


def department() -> Any:
    """The benchmark's department, emptied of what earlier runs left."""
    from django.db import transaction

    from assistants.models import Assistant
    from bureau.tenancy.models import Department, Organization
    from knowledge import services
    from knowledge.models import KnowledgeBase

    organization, _ = Organization.objects.get_or_create(slug=DEPARTMENT, defaults={"name": "Bench indexing"})
    found, _ = Department.objects.get_or_create(
        organization=organization, code="bench", defaults={"name": "B"}
    )
    forget_vectors(KnowledgeBase.objects.filter(department=found))
    for old in KnowledgeBase.objects.filter(department=found):
        with transaction.atomic():
            services.knowledge_base_delete(actor=None, knowledge_base=old)
    Assistant.objects.filter(department=found).delete()
    return found


def new_knowledge_base(dept: Any, name: str) -> Any:
    from knowledge import services

    return services.knowledge_base_create(actor=None, department=dept, name=f"{name} {time.time():.0f}")


def _poll(document_id: int, started: float, timeout: float) -> list[Sample]:
    """The document's status and progress as the API gives them, until it is done."""
    from knowledge.models import Document
    from knowledge.serializers import DocumentSerializer

    progress = DocumentSerializer().get_progress
    samples: list[Sample] = []
    while time.perf_counter() - started < timeout:
        document = Document.objects.get(pk=document_id)
        samples.append(
            Sample(round(time.perf_counter() - started, 3), str(document.status), progress(document))
        )
        if document.status in FINAL:
            break
        time.sleep(POLL_SECONDS)
    return samples


def _row(name: str, document_id: int, samples: list[Sample], size: int) -> dict[str, Any]:
    from knowledge.models import Document, IndexingRun

    document = Document.objects.get(pk=document_id)
    run = IndexingRun.objects.filter(document=document).order_by("-id").first()
    return {
        "name": name,
        "status": str(document.status),
        "failure_reason": document.failure_reason,
        "size_kb": round(size / 1024, 1),
        "pages": document.page_count,
        "chunks": document.chunks_total,
        "seconds": samples[-1].t if samples and samples[-1].status == "ready" else None,
        "status_seconds": status_seconds(samples),
        "stage_timings_s": run.timings if run else {},
        "largest_progress_gap_s": largest_progress_gap(samples),
        "progress_moves": len({s.progress for s in samples if s.status == "embedding"}),
    }


def index_one(kb: Any, name: str, path: Path, timeout: float = 1800) -> dict[str, Any]:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from knowledge import services

    content = path.read_bytes()
    started = time.perf_counter()
    [result] = services.document_upload(
        actor=None, knowledge_base=kb, files=[SimpleUploadedFile(path.name, content)], dispatch=True
    )
    assert result.document is not None, result.reason
    return _row(name, result.document.pk, _poll(result.document.pk, started, timeout), len(content))


def attach_one(dept: Any, path: Path, timeout: float = 600) -> dict[str, Any]:
    """A file attached to a conversation, until a chat turn can search it (attachment_knowledge_bases)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from assistants.conversations import attachments
    from assistants.conversations.services import conversation_create
    from tests.assistants.chat_helpers import make_assistant, make_provider

    assistant = make_assistant(
        dept, slug="bench-attach", provider=make_provider(dept, "http://127.0.0.1:9/v1")
    )
    conversation = conversation_create(actor=None, assistant=assistant)
    content = path.read_bytes()
    started = time.perf_counter()
    [result] = attachments.attachment_add(
        actor=None, conversation=conversation, files=[SimpleUploadedFile(path.name, content)], dispatch=True
    )
    assert result.document is not None, result.reason
    row = _row(
        "chat attachment", result.document.pk, _poll(result.document.pk, started, timeout), len(content)
    )
    row["searchable"] = bool(attachments.attachment_knowledge_bases(conversation))
    return row


def one_article_documents(count: int) -> list[tuple[str, bytes]]:
    """`count` documents of one article each (about a page), cut from the real laws of
    laws_txt, each headed by its law's first lines so that none is a duplicate of another."""
    found: list[tuple[str, bytes]] = []
    for path in sorted((DOCUMENTS / "laws_txt").glob("*.txt")):
        text = path.read_text(encoding="utf-8", errors="replace")
        head = "\n".join(text.splitlines()[:6])
        starts = [m.start() for m in ARTICLE.finditer(text)]
        for n, (a, b) in enumerate(zip(starts, [*starts[1:], len(text)], strict=False)):
            article = text[a:b].strip()[:3500]
            if len(article) >= 300:
                found.append((f"{path.stem[:80]}-dieu-{n + 1}.txt", f"{head}\n{article}\n".encode()))
            if len(found) == count:
                return found
    return found


def _database_counters() -> dict[str, int]:
    """Transactions committed in this database, and ANALYZEs of the chunk table (manual, auto)."""
    from django.db import connection

    from knowledge.models import Chunk

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_force_next_flush()")
        cursor.execute("SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()")
        (commits,) = cursor.fetchone()
        cursor.execute(
            "SELECT analyze_count, autoanalyze_count FROM pg_stat_user_tables WHERE relname = %s",
            [Chunk._meta.db_table],
        )
        analyze, autoanalyze = cursor.fetchone()
    return {"commits": int(commits), "analyze": int(analyze), "autoanalyze": int(autoanalyze)}


def index_batch(kb: Any, documents: list[tuple[str, bytes]], timeout: float = 3600) -> dict[str, Any]:
    """Upload every document (as a folder upload does, one after the other, each queued as it is
    stored) and wait until none is in the pipeline any more."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db.models import Count

    from knowledge import services
    from knowledge.models import Document, IndexingRun

    before = _database_counters()
    started = time.perf_counter()
    for name, content in documents:
        services.document_upload(
            actor=None, knowledge_base=kb, files=[SimpleUploadedFile(name, content)], dispatch=True
        )
    uploaded = time.perf_counter() - started
    counts: dict[str, int] = {}
    while time.perf_counter() - started < timeout:
        rows = Document.objects.filter(knowledge_base=kb).values("status").annotate(n=Count("id"))
        counts = {str(row["status"]): int(row["n"]) for row in rows}
        if sum(n for status, n in counts.items() if status in FINAL) >= len(documents):
            break
        time.sleep(0.5)
    seconds = time.perf_counter() - started
    after = _database_counters()
    runs = IndexingRun.objects.filter(document__knowledge_base=kb, status="succeeded")
    stages: dict[str, list[float]] = {}
    for timings in runs.values_list("timings", flat=True):
        for stage, value in timings.items():
            stages.setdefault(stage, []).append(float(value))
    ready = counts.get("ready", 0)
    return {
        "documents": len(documents),
        "ready": ready,
        "statuses": counts,
        "upload_seconds": round(uploaded, 2),
        "seconds": round(seconds, 2),
        "documents_per_second": round(ready / seconds, 2) if seconds else None,
        "stage_timings_s": {
            stage: {
                "total": round(sum(values), 2),
                "p50": round(percentile(values, 0.5), 3),
                "p95": round(percentile(values, 0.95), 3),
            }
            for stage, values in sorted(stages.items())
        },
        "commits_per_document": round((after["commits"] - before["commits"]) / len(documents), 1),
        "chunk_table_analyzes": after["analyze"] - before["analyze"],
        "chunk_table_autoanalyzes": after["autoanalyze"] - before["autoanalyze"],
    }


def delete_knowledge_base(kb: Any) -> dict[str, Any]:
    from django.db import transaction

    from knowledge import services
    from knowledge.models import Chunk, KeywordTermStat

    documents = kb.documents.count()
    chunks = Chunk.objects.filter(knowledge_base=kb).count()
    terms = KeywordTermStat.objects.filter(knowledge_base=kb).count()
    started = time.perf_counter()
    with transaction.atomic():
        services.knowledge_base_delete(actor=None, knowledge_base=kb)
    seconds = time.perf_counter() - started
    return {"documents": documents, "chunks": chunks, "term_rows": terms, "seconds": round(seconds, 2)}


def embedding_alone(texts: list[str]) -> dict[str, Any]:
    """The bundled model on its own, in this process, on the batch's chunk texts: what the
    pipeline's per-document cost is compared with."""
    from bureau.llm.embedders import LocalE5Embedder

    embedder = LocalE5Embedder()
    embedder.embed_passages(texts[:2])  # loading the model
    started = time.perf_counter()
    embedder.embed_passages(texts)
    seconds = time.perf_counter() - started
    return {
        "chunks": len(texts),
        "seconds": round(seconds, 2),
        "chunks_per_second": round(len(texts) / seconds, 2),
    }


def batch_texts(kb: Any, limit: int) -> list[str]:
    from knowledge.ingestion.stages import embedding_text
    from knowledge.models import Chunk

    rows = Chunk.objects.filter(knowledge_base=kb, active=True).order_by("id")[:limit]
    return [embedding_text(heading, text) for heading, text in rows.values_list("heading_path", "text")]


# --- output -------------------------------------------------------------------------------------


def print_tables(result: dict[str, Any]) -> None:
    def cell(value: Any, fmt: str = ".1f") -> str:
        return "-" if value is None else format(value, fmt)

    print(
        f"{'document':<18} {'KB':>6} {'pages':>5} {'chunks':>6} {'status':>7} {'to Ready s':>10} "
        f"{'gap s':>6} | seconds in queued/parsing/chunking/embedding | stored parse/chunk/embed"
    )
    for row in result["documents"]:
        seen = row["status_seconds"]
        stored = row["stage_timings_s"]
        print(
            f"{row['name']:<18} {row['size_kb']:>6.0f} {row['pages']:>5} {row['chunks']:>6} "
            f"{row['status']:>7} "
            f"{cell(row['seconds']):>10} {cell(row['largest_progress_gap_s']):>6} | "
            + "/".join(cell(seen.get(s)) for s in ("queued", "parsing", "chunking", "embedding"))
            + " | "
            + "/".join(cell(stored.get(s), ".2f") for s in ("parsing", "chunking", "embedding"))
        )
    batch = result["batch"]
    if batch:
        print(
            f"\nbatch: {batch['ready']}/{batch['documents']} one-article documents Ready in "
            f"{batch['seconds']} s "
            f"(uploads took {batch['upload_seconds']} s): {batch['documents_per_second']} documents/s; "
            f"{batch['commits_per_document']} database commits per document; "
            f"ANALYZE of the chunk table: {batch['chunk_table_analyzes']} "
            f"(+{batch['chunk_table_autoanalyzes']} auto)"
        )
        for stage, t in batch["stage_timings_s"].items():
            print(
                f"  stored {stage:<10} total {t['total']:>8.2f} s  p50 {t['p50']:.3f} s  p95 {t['p95']:.3f} s"
            )
        for task, t in batch.get("tasks", {}).items():
            print(
                f"  task {task:<16} {t['count']:>5} × p50 {t['p50_s']:.3f} s, p95 {t['p95_s']:.3f} s, "
                f"total {t['total_s']:.1f} s"
            )
        alone = batch.get("embedding_alone")
        if alone:
            print(
                f"  the e5 model alone, in one process: {alone['chunks']} of these chunks in "
                f"{alone['seconds']} s "
                f"({alone['chunks_per_second']} chunks/s)"
            )
    deletion = result["delete"]
    if deletion:
        print(
            f"\ndelete a knowledge base of {deletion['documents']} documents ({deletion['chunks']} chunks, "
            f"{deletion['term_rows']} term rows): {deletion['seconds']} s"
        )
    worker = result["worker"]
    print(
        f"\nworker peak memory: {worker['peak_tree_mb']:.0f} MB (sum of RSS over its process tree), "
        f"largest process {worker['peak_process_mb']:.0f} MB; '{FORK_WARNING}' logged "
        f"{worker['fork_warnings']} times"
    )
    machine = result["machine"]
    print(
        f"load average before: {machine['load_before']}, after: {machine['load_after']} "
        f"({machine['cores']} cores)"
    )
    print(
        "targets: " + ", ".join(f"{k} {v}" for k, v in result["figures"].items()) + f" → met: {result['met']}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--batch", type=int, default=500, help="one-article documents in the batch")
    parser.add_argument("--pdf-pages", type=int, default=100)
    args = parser.parse_args()
    # A stopped benchmark stops its worker too (the `finally` of running_worker).
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(1))

    from tests.benchmarks.bench_ingestion import generate_pdf

    load_before = [round(x, 2) for x in os.getloadavg()]
    OUT.mkdir(parents=True, exist_ok=True)
    pdf = OUT / f"generated_{args.pdf_pages}_pages.pdf"
    if not pdf.exists():
        generate_pdf(pdf, pages=args.pdf_pages)
    setup_django()
    dept = department()
    rows: list[dict[str, Any]] = []
    batch: dict[str, Any] = {}
    deletion: dict[str, Any] = {}
    texts: list[str] = []
    with running_worker() as worker:
        rows.append(index_one(new_knowledge_base(dept, "PDF"), f"{args.pdf_pages}-page text PDF", pdf))
        rows.append(index_one(new_knowledge_base(dept, "DOCX"), "10-page DOCX", DOCX))
        rows.append(attach_one(dept, ATTACHMENT))
        if args.batch:
            kb = new_knowledge_base(dept, "Batch")
            offset = len(worker.log())
            batch = index_batch(kb, one_article_documents(args.batch))
            batch["tasks"] = task_summary(worker.log()[offset:])
            texts = batch_texts(kb, 200)
            forget_vectors([kb])
            deletion = delete_knowledge_base(kb)
        fork_warnings = worker.log().count(FORK_WARNING)
    if texts:
        batch["embedding_alone"] = embedding_alone(texts)
    result = result_json(
        documents=rows,
        batch=batch,
        deletion=deletion,
        worker={
            "peak_tree_mb": round(worker.peak_tree_mb, 1),
            "peak_process_mb": round(worker.peak_process_mb, 1),
            "fork_warnings": fork_warnings,
            "log": str(WORKER_LOG.relative_to(ROOT)),
        },
        machine={
            "cores": os.cpu_count(),
            "load_before": load_before,
            "load_after": [round(x, 2) for x in os.getloadavg()],
        },
    )
    print_tables(result)
    out = OUT / "indexing.json"
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False), encoding="utf-8")
    print(f"wrote {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
