"""Faults of the parts around Bureau, with the real parts: the database dropping the app's
connections, Redis restarting mid-run, the model provider failing embeddings.

Covered elsewhere, not repeated here:
- a worker killed with SIGKILL mid-embedding, recovered by the watchdog to READY:
  tests/knowledge/test_worker_faults.py;
- the chat's provider answering 429, 500 or 401 (an error event and a stored failed message) and
  timing out: tests/assistants/test_chat.py (test_provider_failures_become_an_error_event_and_a_
  failed_message, test_a_provider_timeout_is_reported); the embedder's own retries on 429, 5xx and
  timeouts: tests/llm/test_embedders.py.
"""

from __future__ import annotations

from typing import Any

import psycopg
import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.test import Client, override_settings

from assistants.models import Message, MessageStatus
from bureau import embedded
from bureau.tenancy.models import Department
from bureau.tenancy.services import api_key_create
from knowledge import services
from knowledge.ingestion.watchdog import run_watchdog
from knowledge.models import Document, DocumentStatus, KnowledgeBase
from tests.assistants.chat_helpers import FAKE_KEY, make_assistant, make_provider, sse_events, streamed
from tests.factories import build_world
from tests.fakes.fake_llm import FakeLLM, Fault
from tests.fakes.replies import DEFAULT_EMBEDDING_DIM, DEFAULT_EMBEDDING_MODEL
from tests.reliability.worker import start_worker, stop_worker, wait_for


def _terminate_the_apps_connections() -> int:
    """What a database restart or a failover does to the app: every connection of the app's
    database is ended from the server's side."""
    settings = connection.settings_dict
    owner = django_settings.DATABASE_ROLES["owner"]  # an administrator's move, as a restart is
    with psycopg.connect(
        host=str(settings["HOST"]), user=str(owner["USER"]), dbname="postgres", autocommit=True
    ) as admin:
        rows = admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = %s AND pid <> pg_backend_pid()",
            [settings["NAME"]],
        ).fetchall()
    return len(rows)


@pytest.mark.django_db(transaction=True)  # the app's connections are cut, a test's transaction too
def test_a_dropped_database_connection_fails_one_request_cleanly_and_the_next_succeeds() -> None:
    world = build_world()
    client = Client()
    client.force_login(world.user("member"))
    assert client.get("/api/v1/me/").status_code == 200

    assert _terminate_the_apps_connections() >= 1
    failed = client.get("/api/v1/me/", HTTP_X_REQUEST_ID="mat-ket-noi-1")
    assert failed.status_code == 503 and failed["Retry-After"]
    body = failed.json()
    assert body["error"]["code"] == "database_unavailable"
    assert (
        body["error"]["message"]
        == "Cơ sở dữ liệu tạm thời không truy cập được. Vui lòng thử lại sau giây lát."
    )
    assert body["request_id"] == "mat-ket-noi-1"
    assert b"Traceback" not in failed.content and b"psycopg" not in failed.content

    again = client.get("/api/v1/me/")
    assert again.status_code == 200 and again.json()["email"] == world.user("member").email


@pytest.mark.django_db(transaction=True)  # the app's connections are cut, a test's transaction too
def test_the_async_views_answer_503_too_and_recover() -> None:
    """The OpenAI-compatible API is an async view outside DRF: the middleware answers for it."""
    world = build_world()
    created = api_key_create(actor=None, department=world.department, name="Máy chủ", scopes=["read", "chat"])
    client = Client(HTTP_AUTHORIZATION=f"Bearer {created.raw_key}", HTTP_ACCEPT_LANGUAGE="en")
    assert client.get("/v1/models").status_code == 200

    _terminate_the_apps_connections()
    failed = client.get("/v1/models")
    assert failed.status_code == 503, failed.content
    assert failed.json()["error"]["code"] == "database_unavailable"
    assert failed.json()["error"]["message"] == "The database is unavailable. Try again in a moment."
    assert client.get("/v1/models").status_code == 200


# --- Redis and the model provider, with a real worker -----------------------------------------------


def _articles(title: str, count: int = 6) -> bytes:
    return "\n\n".join(
        f"Điều {n}. {title} {n}\nCơ quan có trách nhiệm lưu trữ hồ sơ {title.lower()} số {n} đúng thời hạn."
        for n in range(1, count + 1)
    ).encode()


def _upload(kb: KnowledgeBase, name: str, content: bytes) -> Document:
    with transaction.atomic():
        [result] = services.document_upload(
            actor=None, knowledge_base=kb, files=[SimpleUploadedFile(name, content)]
        )
    assert result.document is not None, result.reason
    return result.document


def _status(document: Document) -> str:
    return str(Document.objects.values_list("status", flat=True).get(pk=document.pk))


def _settled(document: Document) -> bool:
    return _status(document) in (DocumentStatus.READY, DocumentStatus.FAILED)


def _restart_redis() -> None:
    # Snapshots are off (bureau/embedded/redis.py): what the broker held is gone, as after a crash.
    embedded.stop_redis()
    assert not embedded.redis_running()
    embedded.ensure_redis()


def _knowledge_base(department: Department, name: str, **values: object) -> KnowledgeBase:
    with transaction.atomic():
        return services.knowledge_base_create(actor=None, department=department, name=name, **values)


@pytest.mark.slow
@pytest.mark.timeout(900)  # above the sum of its own waits, which say what did not happen
@pytest.mark.serial  # it restarts the Redis every test worker of this run uses
@pytest.mark.django_db(transaction=True)  # a Celery worker process indexes the documents
def test_queued_work_completes_after_redis_restarts() -> None:
    world = build_world()
    kb = _knowledge_base(world.department, "Redis")
    # A document queued while no worker runs: its message waits in Redis, and a restart loses it.
    waiting = _upload(kb, "cho.txt", _articles("Lưu trữ"))
    assert _status(waiting) == DocumentStatus.QUEUED
    _restart_redis()
    worker = start_worker()
    try:
        # The watchdog (beat, every minute) sends again what has waited in QUEUED too long.
        with override_settings(KNOWLEDGE_STALE_AFTER_SECONDS=0):
            assert run_watchdog()["resent"] == 1
        wait_for(lambda: _settled(waiting), 300, "the re-sent document")
        assert _status(waiting) == DocumentStatus.READY

        # Redis restarts under the running worker: it reconnects, and new work goes through.
        _restart_redis()
        later = _upload(kb, "sau.txt", _articles("Văn thư"))
        wait_for(lambda: _settled(later), 300, "a document uploaded after the restart")
        assert _status(later) == DocumentStatus.READY
        assert worker.poll() is None
    finally:
        stop_worker(worker)


@pytest.mark.slow
@pytest.mark.timeout(1200)  # above the sum of its own waits, which say what did not happen
@pytest.mark.django_db(transaction=True)  # a Celery worker process indexes the documents
def test_embeddings_are_retried_through_server_errors_and_fail_at_once_on_a_bad_key(
    llm: FakeLLM, settings: Any
) -> None:
    settings.EMBEDDING_BASE_URL = llm.base_url  # what the worker below is configured with
    world = build_world()
    profile = {
        "embedding_provider": "openai",
        "embedding_model": DEFAULT_EMBEDDING_MODEL,
        "embedding_dimension": DEFAULT_EMBEDDING_DIM,
    }
    kb = _knowledge_base(world.department, "Nhà cung cấp", **profile)
    worker = start_worker({"EMBEDDING_BASE_URL": llm.base_url, "EMBEDDING_API_KEY": FAKE_KEY})
    try:
        # Four 500s: more than the embedder's own attempts, so the task itself retries later.
        llm.inject(Fault(status=500), times=4, path="/embeddings")
        flaky = _upload(kb, "loi_may_chu.txt", _articles("Máy chủ"))
        wait_for(lambda: _settled(flaky), 300, "the document embedded through server errors")
        assert _status(flaky) == DocumentStatus.READY
        assert len(llm.embedding_requests) >= 5

        # A refused key is not worth retrying: the document fails at once, saying why.
        before = len(llm.embedding_requests)
        llm.inject(Fault(status=401), times=1, path="/embeddings")
        refused = _upload(kb, "sai_khoa.txt", _articles("Khóa"))
        wait_for(lambda: _settled(refused), 120, "the document refused by the provider")
        refused.refresh_from_db()
        assert refused.status == DocumentStatus.FAILED and refused.failed_stage == DocumentStatus.EMBEDDING
        assert not refused.failure_retryable and refused.failure_reason
        assert len(llm.embedding_requests) == before + 1

        # A rate limit with Retry-After is waited out, then the document completes.
        llm.inject(Fault(status=429, retry_after=1), times=2, path="/embeddings")
        limited = _upload(kb, "gioi_han.txt", _articles("Hạn mức"))
        wait_for(lambda: _settled(limited), 300, "the rate-limited document")
        assert _status(limited) == DocumentStatus.READY
    finally:
        stop_worker(worker)


# --- the chat's provider timing out or breaking mid-answer ---------------------------------------


def _stream_question(client: Client, assistant_id: int, question: str) -> list[tuple[str, dict[str, Any]]]:
    started = client.post(
        "/api/v1/conversations/", {"assistant": assistant_id}, content_type="application/json"
    )
    assert started.status_code == 201, started.content
    response = client.post(
        f"/api/v1/conversations/{started.json()['id']}/messages/",
        {"content": question},
        content_type="application/json",
        headers={"Accept": "text/event-stream"},
    )
    return sse_events(streamed(response))


@pytest.mark.django_db
@pytest.mark.parametrize("fault", ["timeout", "broken_stream"])
def test_a_provider_that_times_out_or_breaks_mid_answer_gives_an_error_event_and_a_failed_message(
    llm: FakeLLM, settings: Any, fault: str
) -> None:
    settings.LLM_TIMEOUT_SECONDS = 1
    world = build_world()
    assistant = make_assistant(world.department, provider=make_provider(world.department, llm.base_url))
    if fault == "timeout":
        llm.hang_next(5, path="/chat/completions")
    else:
        llm.break_next_stream(after_events=3)
    client = Client()
    client.force_login(world.user("member"))
    events = _stream_question(client, assistant.pk, "Thủ tục cấp phép là gì?")
    kind, data = events[-1]
    assert kind == "error" and data["code"] in {"provider_timeout", "provider_unreachable", "provider_error"}
    assert data["message"] and "Traceback" not in data["message"]
    failed = Message.objects.get(pk=data["message_id"])
    assert failed.status == MessageStatus.FAILED and failed.error
    assert Message.objects.filter(conversation=failed.conversation, role="user").exists()
    # The next question, with the provider healthy again, is answered.
    events = _stream_question(client, assistant.pk, "Xin chào")
    assert events[-1][0] == "message.completed", events[-1]
