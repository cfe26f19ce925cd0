"""Load benchmark: 100 people chatting (streaming answers from the fake LLM, with retrieval over a
small knowledge base) while 2 people upload real documents and wait for them to be Ready. Prints a
table and writes var/bench/load.json: requests/s, streams completed, documents indexed, errors
(must be 0), and p50/p95/p99 of time to first token, full answer, upload, and time to Ready.

    python tests/benchmarks/bench_load.py [--users 100] [--uploaders 2] [--ramp 10] [--duration 60]

It starts the platform as in production on one machine: the embedded PostgreSQL and Redis, a Celery
worker, uvicorn with the project's ASGI app (WEB_WORKERS processes) and the fake LLM (which also
serves the embeddings). The load is a locust scenario run as a library, headless, in a child process
(locust patches the standard library with gevent on import, which this process must not have).
Figures are measured after the ramp-up, for --duration seconds; then everything stops by itself.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.benchmarks.bench_chat import _free_port, wait_until_healthy  # noqa: E402

DOCUMENTS = ROOT.parent / "shared" / "data" / "documents"
TOKEN_DELAY = float(os.environ.get("BENCH_TOKEN_DELAY", "0.02"))  # the fake model: 50 tokens/s
ANSWER_WORDS = 80
WEB_WORKERS = 2
QUESTION = "Thời giờ làm việc bình thường là bao nhiêu giờ trong một ngày?"
METRICS = ("ttft", "answer", "upload", "ready")


def _p(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))], 1)


def _upload_files() -> list[str]:
    """Small real documents of each text kind: the uploads are about the pipeline under load."""
    picked = [
        *sorted((DOCUMENTS / "labor_decrees").glob("*.txt")),
        *sorted((DOCUMENTS / "legal_samples").glob("*.docx")),
    ]
    return [str(path) for path in picked if path.name != "SOURCE.txt" and path.stat().st_size < 350_000]


def _setup() -> dict[str, Any]:
    """A department, a small knowledge base indexed inline, a published assistant on the fake
    provider, an empty knowledge base for the uploads, and two API keys."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bureau.settings")
    from bureau import embedded

    embedded.ensure_services()
    django.setup()
    from django.core.management import call_command
    from django.db import transaction

    from tests.db_roles import as_owner

    with as_owner():  # migrations run as the database owner, the rest as the application
        call_command("migrate", verbosity=0)
    from assistants.models import Assistant
    from bureau.tenancy.models import Department, Organization
    from bureau.tenancy.services import api_key_create
    from knowledge import services
    from knowledge.ingestion import pipeline
    from knowledge.models import KnowledgeBase
    from tests.assistants.chat_helpers import FAKE_KEY, make_assistant, make_provider
    from tests.knowledge.pipeline_helpers import upload

    organization, _ = Organization.objects.get_or_create(slug="bench-load", defaults={"name": "Bench load"})
    department, _ = Department.objects.get_or_create(
        organization=organization, code="bench-load", defaults={"name": "Tải"}
    )
    Assistant.objects.filter(department=department).delete()
    KnowledgeBase.objects.filter(department=department).delete()

    def knowledge_base(name: str) -> KnowledgeBase:
        with transaction.atomic():
            return services.knowledge_base_create(
                actor=None,
                department=department,
                name=f"{name} {time.time()}",
                embedding_provider="openai",
                embedding_model="fake-embed",
                embedding_dimension=384,
            )

    chat_kb = knowledge_base("Tải hỏi đáp")
    source = DOCUMENTS / "labor_decrees" / "nghi_dinh_135_2020_nd_cp.txt"
    result = upload(chat_kb, source.name, source.read_bytes())
    assert result.document is not None
    pipeline.index_document_inline(result.document)
    uploads_kb = knowledge_base("Tải lên")
    provider = make_provider(department, os.environ["EMBEDDING_BASE_URL"], api_key=FAKE_KEY)
    assistant = make_assistant(department, slug="bench-load", provider=provider, knowledge_bases=[chat_kb])
    with transaction.atomic():
        chat_key = api_key_create(actor=None, department=department, name="chat", scopes=["chat"]).raw_key
        upload_key = api_key_create(
            actor=None, department=department, name="upload", scopes=["read", "write"]
        ).raw_key
    return {
        "assistant": assistant.pk,
        "uploads_kb": uploads_kb.pk,
        "chat_key": chat_key,
        "upload_key": upload_key,
    }


def _spawn(args: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(args, cwd=ROOT, env=env, start_new_session=True)


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--users", type=int, default=100, help="people chatting")
    parser.add_argument("--uploaders", type=int, default=2, help="people uploading documents")
    parser.add_argument("--ramp", type=float, default=10, help="seconds to start everyone")
    parser.add_argument("--duration", type=float, default=60, help="seconds of measured load")
    args = parser.parse_args()

    from tests.fakes.fake_llm import FakeLLM, Fault, Reply

    answer = " ".join(f"từ{n}" for n in range(ANSWER_WORDS))
    with FakeLLM(api_key="sk-fake-test") as fake:
        fake.responder = lambda body: Reply(text=answer, fault=Fault(token_delay=TOKEN_DELAY))
        os.environ.update(EMBEDDING_BASE_URL=fake.base_url, EMBEDDING_API_KEY="sk-fake-test")
        seeded = _setup()
        port = _free_port()
        env = {**os.environ, "LOG_LEVEL": "WARNING"}
        queues = "ingest,embed,attachments,default"
        celery = [sys.executable, "-m", "celery", "-A", "bureau", "worker", "-Q", queues]
        worker = _spawn([*celery, "-c", "2", "-l", "WARNING", "-n", f"bench-load-{os.getpid()}@%h"], env)
        uvicorn = [sys.executable, "-m", "uvicorn", "bureau.asgi:application", "--port", str(port)]
        quiet = ["--no-access-log", "--log-level", "warning", "--timeout-keep-alive", "30"]
        server = _spawn([*uvicorn, *quiet, "--workers", str(WEB_WORKERS)], env)
        base = f"http://127.0.0.1:{port}"
        try:
            wait_until_healthy(base)
            with tempfile.TemporaryDirectory() as scratch:
                config = Path(scratch) / "config.json"
                out = Path(scratch) / "result.json"
                config.write_text(
                    json.dumps(
                        {
                            **seeded,
                            "base": base,
                            "users": args.users,
                            "uploaders": args.uploaders,
                            "ramp": args.ramp,
                            "duration": args.duration,
                            "files": _upload_files(),
                            "question": QUESTION,
                            "out": str(out),
                        }
                    )
                )
                code = subprocess.call(
                    [sys.executable, str(ROOT / "tests" / "benchmarks" / "load_scenario.py"), str(config)],
                    cwd=ROOT,
                )
                if code != 0 or not out.exists():
                    print("the load scenario failed", file=sys.stderr)
                    return 1
                raw = json.loads(out.read_text())
        finally:
            _stop(server)
            _stop(worker)
    return _report(raw, args)


def _report(raw: dict[str, Any], args: argparse.Namespace) -> int:
    row: dict[str, Any] = {
        "users": args.users,
        "uploaders": args.uploaders,
        "duration_s": raw["duration_s"],
        "requests": raw["requests"],
        "requests_per_s": round(raw["requests"] / raw["duration_s"], 1),
        "streams_completed": raw["streams_completed"],
        "documents_indexed": raw["documents_indexed"],
        "errors": raw["errors"],
        "error_samples": raw["error_samples"],
    }
    for metric in METRICS:
        for q in (50, 95, 99):
            row[f"{metric}_p{q}_ms"] = _p(raw["timings"][metric], q / 100)
    print(
        f"{'users':>6} {'req/s':>7} {'streams':>8} {'indexed':>8} {'errors':>7} | "
        + " | ".join(f"{m + ' p50/p95/p99 ms':>26}" for m in METRICS)
    )
    cells = []
    for metric in METRICS:
        values = [row[f"{metric}_p{q}_ms"] for q in (50, 95, 99)]
        cells.append(f"{'/'.join('-' if v is None else f'{v:.0f}' for v in values):>26}")
    print(
        f"{args.users + args.uploaders:>6} {row['requests_per_s']:>7.1f} {row['streams_completed']:>8} "
        f"{row['documents_indexed']:>8} {row['errors']:>7} | " + " | ".join(cells)
    )
    for sample in row["error_samples"]:
        print(f"error: {sample}", file=sys.stderr)
    out = ROOT / "var" / "bench" / "load.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        json.dumps(
            {"benchmark": "load", "token_delay_ms": TOKEN_DELAY * 1000, "answer_words": ANSWER_WORDS, **row},
            indent=2,
            ensure_ascii=False,
        )
    )
    print(f"wrote {out.relative_to(ROOT)}")
    return 0 if row["errors"] == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
