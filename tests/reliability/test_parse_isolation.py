"""Parsing runs in a forked child under a memory cap and a deadline (knowledge.parsing.isolated): a
runaway or crashing reader fails its document with a reason, and the process that asked survives."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from django.db import transaction
from django.test import override_settings

from knowledge import services
from knowledge.ingestion import pipeline
from knowledge.models import Document, DocumentStatus, IndexingRun, KnowledgeBase
from knowledge.parsing import FileKind, ParseError, ParseLimits, parse_document, parse_document_isolated
from knowledge.parsing.isolated import run_isolated
from tests.factories import World
from tests.knowledge.pipeline_helpers import DATA, upload, use_hash_embedder

DOCX = DATA / "nd30_2020" / "30_2020_ND_CP.docx"
PDF = DATA / "legal_samples" / "an_le_so_432021AL.pdf"


def _allocate_without_bound() -> int:
    hoard = []
    for _ in range(64):
        hoard.append(bytearray(64 * 1024 * 1024))  # 4 GiB in all, far past the cap
    return len(hoard)


def test_a_parse_past_its_memory_cap_fails_and_the_caller_survives() -> None:
    with pytest.raises(ParseError) as caught:
        run_isolated(_allocate_without_bound, memory_mb=64, timeout=120)
    assert caught.value.code == "too_much_memory"
    assert "64 MB" in caught.value.reason and "bộ nhớ" in caught.value.reason_vi
    assert run_isolated(lambda: "vẫn chạy", memory_mb=64, timeout=60) == "vẫn chạy"


def test_a_reader_that_crashes_fails_with_a_reason() -> None:
    def segfault() -> None:
        os.kill(os.getpid(), signal.SIGSEGV)

    with pytest.raises(ParseError) as caught:
        run_isolated(segfault, memory_mb=256, timeout=60)
    assert caught.value.code == "parser_crashed" and "SIGSEGV" in caught.value.detail


def test_a_reader_that_never_ends_is_stopped_at_the_deadline() -> None:
    ticks: list[int] = []
    with pytest.raises(ParseError) as caught:
        run_isolated(
            lambda: time.sleep(600), memory_mb=256, timeout=2, tick=lambda: ticks.append(1), tick_every=0.2
        )
    assert caught.value.code == "parse_timeout" and "2 giây" in caught.value.reason_vi
    assert ticks, "the heartbeat is kept while waiting"
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)  # the child was reaped: no zombie left behind


def test_other_exceptions_in_the_child_become_a_readable_reason() -> None:
    def broken() -> None:
        raise RuntimeError("thư viện hỏng")

    with pytest.raises(ParseError) as caught:
        run_isolated(broken, memory_mb=256, timeout=60)
    assert caught.value.code == "parser_crashed" and "thư viện hỏng" in caught.value.detail


@pytest.mark.parametrize("path", [DOCX, PDF], ids=["docx", "pdf"])
def test_the_isolated_parse_reads_what_the_in_process_one_reads(path: Path) -> None:
    kind = FileKind(path.suffix.lstrip("."))
    inline = parse_document(path, kind)
    isolated, extra = parse_document_isolated(path, kind, limits=ParseLimits(), extra=lambda: 42)
    assert [b.text for b in isolated.blocks] == [b.text for b in inline.blocks]
    assert (isolated.page_count, extra) == (inline.page_count, 42)


@pytest.mark.django_db
def test_the_pipeline_fails_a_document_whose_parse_breaks_the_memory_cap_and_goes_on(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_hash_embedder(monkeypatch)
    with transaction.atomic():
        kb: KnowledgeBase = services.knowledge_base_create(
            actor=None, department=world.department, name="Bộ nhớ"
        )
    # Half a million short lines: ~17 MB on disk, several times that as text blocks in memory.
    hungry = b"".join(f"Dòng {n} của một tệp rất dài\n".encode() for n in range(500_000))
    with override_settings(KNOWLEDGE_PARSE_MEMORY_MB=64):
        result = upload(kb, "dai.txt", hungry)
        assert result.document is not None
        document = pipeline.index_document_inline(result.document)
    assert document.status == DocumentStatus.FAILED and document.failed_stage == DocumentStatus.PARSING
    assert "64 MB" in document.failure_reason, document.failure_reason
    assert IndexingRun.objects.get(document=document).status == "failed"
    # The same process indexes the next file normally.
    good = upload(kb, DOCX.name, DOCX.read_bytes())
    assert good.document is not None
    assert pipeline.index_document_inline(good.document).status == DocumentStatus.READY
    assert Document.objects.filter(knowledge_base=kb, status=DocumentStatus.READY).count() == 1


def test_at_the_deadline_what_the_reader_started_is_stopped_too(tmp_path: Path) -> None:
    """OCR and the .doc converters are programs the reader starts: they go with it."""
    marker = tmp_path / "pid"

    def start_a_program_and_wait() -> None:
        program = subprocess.Popen(["sleep", "600"])
        marker.write_text(str(program.pid))
        program.wait()

    with pytest.raises(ParseError):
        run_isolated(start_a_program_and_wait, memory_mb=256, timeout=2)
    grandchild = int(marker.read_text())
    for _ in range(50):
        try:
            os.kill(grandchild, 0)
        except ProcessLookupError:
            break
        time.sleep(0.1)
    else:
        raise AssertionError("the program the reader started is still running")


def test_the_ingest_time_limit_fails_the_document_with_the_reason(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Celery's soft time limit (prefork workers) raises inside the task: the document fails saying
    so, instead of the generic "unexpected error"."""
    from celery.exceptions import SoftTimeLimitExceeded

    from knowledge import tasks

    assert tasks.ingest_document.soft_time_limit == tasks.INGEST_SOFT_TIME_LIMIT
    assert tasks.ingest_document.time_limit > tasks.INGEST_SOFT_TIME_LIMIT
    with transaction.atomic():
        kb = services.knowledge_base_create(actor=None, department=world.department, name="Hạn giờ")
    result = upload(kb, DOCX.name, DOCX.read_bytes())
    assert result.document is not None
    run = IndexingRun.objects.get(document=result.document)

    def too_slow(run_id: int) -> bool:
        raise SoftTimeLimitExceeded()

    monkeypatch.setattr(pipeline, "ingest", too_slow)
    tasks.ingest_document.run(run.pk)
    document = Document.objects.get(pk=result.document.pk)
    assert document.status == DocumentStatus.FAILED
    assert f"{tasks.INGEST_SOFT_TIME_LIMIT} giây" in document.failure_reason
