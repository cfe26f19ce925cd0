"""A real Celery worker indexing with the real local embedding model, killed with SIGKILL in the
middle of embedding: the watchdog re-queues the document and a new worker finishes it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.test import override_settings

from bureau.llm.models import EmbeddingCacheEntry
from knowledge import services
from knowledge.ingestion.watchdog import run_watchdog
from knowledge.models import Chunk, Document, DocumentStatus

ROOT = Path(__file__).resolve().parents[2]


def _worker() -> subprocess.Popen[bytes]:
    db = connection.settings_dict
    socket_dir = urllib.parse.quote(str(db["HOST"]), safe="")
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_CURRENT_TEST"} | {
        "DATABASE_URL": f"postgres://{db['USER']}@{socket_dir}/{db['NAME']}",
        "REDIS_URL": settings.CELERY_BROKER_URL,
        "SECRET_KEY": "test-worker",
        # The audit key of this process, or the worker's audit events would not verify here.
        "BUREAU_AUDIT_KEYS": ",".join(
            f"{key_id}:{key}" for key_id, key in settings.BUREAU_AUDIT_KEYS.items()
        ),
        "KNOWLEDGE_EMBED_BATCH": "4",  # small batches, so that the kill lands between two of them
    }
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "bureau",
            "worker",
            "-Q",
            "ingest,embed",
            "-c",
            "1",
            "-P",
            "solo",
            "--without-heartbeat",
            "--without-mingle",
            "--without-gossip",
            "-l",
            "WARNING",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _wait(predicate: object, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.mark.slow
@pytest.mark.timeout(900)  # above the sum of its own waits, which say what did not happen
@pytest.mark.django_db(transaction=True)  # Celery worker processes index the document
def test_a_worker_killed_mid_embedding_is_recovered_by_the_watchdog() -> None:
    from tests.factories import build_world

    world = build_world()
    with transaction.atomic():
        kb = services.knowledge_base_create(actor=None, department=world.department, name="Chịu lỗi")
    articles = "\n\n".join(
        f"Điều {n}. Trách nhiệm số {n}\nCơ quan, tổ chức có trách nhiệm lưu trữ hồ sơ số {n} đúng thời hạn "
        f"và báo cáo Sở Nội vụ về tình hình thực hiện quy định thứ {n} trong năm."
        for n in range(1, 41)
    )
    first = _worker()
    try:
        with transaction.atomic():
            [result] = services.document_upload(
                actor=None, knowledge_base=kb, files=[SimpleUploadedFile("quy_dinh.txt", articles.encode())]
            )
        document = result.document
        assert document is not None
        _wait(lambda: Document.objects.get(pk=document.pk).chunks_done >= 4, 180, "embedding to start")
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(30)
    killed_at = Document.objects.get(pk=document.pk)
    assert killed_at.status == DocumentStatus.EMBEDDING
    assert 0 < killed_at.chunks_done < killed_at.chunks_total

    second = _worker()
    try:
        time.sleep(1.5)
        with override_settings(KNOWLEDGE_STALE_AFTER_SECONDS=1):
            assert run_watchdog()["requeued"] == 1
        _wait(lambda: Document.objects.get(pk=document.pk).status == DocumentStatus.READY, 300, "READY")
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(60)
    done = Document.objects.get(pk=document.pk)
    run = done.runs.get()
    assert run.requeues == 1 and run.status == "succeeded"
    assert Chunk.objects.filter(document=done, active=True).count() == done.chunks_total
    # What was embedded before the kill came from the cache: each text was embedded once.
    assert EmbeddingCacheEntry.objects.count() == done.chunks_total
