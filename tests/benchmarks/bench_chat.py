"""Benchmark: the platform's added time to first token and added gap between tokens, against calling
the same fake LLM directly, at 1 and at 100 concurrent streaming conversations (retrieval on, over
a small knowledge base whose embeddings also come from the fake). Prints a table and writes
var/bench/chat.json.

    python tests/benchmarks/bench_chat.py [--concurrency 1,100] [--rounds 3]

It starts the fake LLM (fake_server.py) and the web server (uvicorn, WEB_WORKERS processes) as
children, and uses the embedded database. The fake runs in a process of its own, not in this one:
serving 100 streams costs it CPU, which in this process was taken from the client measuring the
times, and unevenly (the platform's run also sends it the embedding requests). Both runs, the
platform's and the direct baseline, face that same fake process, at the same pace and answer length.
tests/benchmarks/cpu_chat.py measures the platform's CPU per turn and per token, which contention
on a shared machine blurs less than these wall-clock times.

Figures to reach: added TTFT p95 ≤ 25 ms at 1, ≤ 100 ms at 100; added inter-token gap p95 ≤ 5 ms;
no errors.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

# The fake model's pace: 50 tokens per second unless BENCH_TOKEN_DELAY says otherwise.
TOKEN_DELAY = float(os.environ.get("BENCH_TOKEN_DELAY", "0.02"))
ANSWER_WORDS = 120  # so a stream lasts ~2.4 s, as real answers do (they last longer)
WEB_WORKERS = 2  # as in production: one ASGI process per core


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _p(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def wait_until_healthy(base: str, seconds: float = 60) -> None:
    """Until the web server started as a child answers /healthz (or `seconds` pass)."""
    import httpx

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.2)


@contextlib.contextmanager
def start_fake(words: int = ANSWER_WORDS, token_delay: float = TOKEN_DELAY) -> Iterator[str]:
    """The fake LLM in a process of its own (fake_server.py); yields its base URL."""
    fake = subprocess.Popen(
        [
            sys.executable,
            str(ROOT / "tests" / "benchmarks" / "fake_server.py"),
            "--words",
            str(words),
            "--token-delay",
            str(token_delay),
        ],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        # Its server logs each connection a client drops; the clients count their own errors.
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert fake.stdout is not None
        yield fake.stdout.readline().strip()
    finally:
        assert fake.stdin is not None
        fake.stdin.close()
        fake.wait(30)


def _setup(fake_urls: list[str]) -> tuple[str, list[int]]:
    """An organization, a knowledge base, an assistant on each fake provider, and an API key."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bureau.settings")
    from bureau import embedded

    embedded.ensure_services()
    django.setup()
    from django.core.management import call_command
    from django.db import transaction

    call_command("migrate", verbosity=0)
    from assistants.models import Assistant
    from bureau.tenancy.models import Department, Organization
    from bureau.tenancy.services import api_key_create
    from knowledge import indexing, services
    from knowledge.models import KnowledgeBase
    from tests.assistants.chat_helpers import FAKE_KEY, make_assistant, make_provider
    from tests.knowledge.pipeline_helpers import DATA, upload

    organization, _ = Organization.objects.get_or_create(slug="bench-chat", defaults={"name": "Bench chat"})
    department, _ = Department.objects.get_or_create(
        organization=organization, code="bench", defaults={"name": "B"}
    )
    Assistant.objects.filter(department=department).delete()
    # The previous runs' knowledge bases go too, so that every run searches the same amount.
    for old in KnowledgeBase.objects.filter(department=department):
        with transaction.atomic():
            services.knowledge_base_delete(actor=None, knowledge_base=old)
    with transaction.atomic():
        kb = services.knowledge_base_create(
            actor=None,
            department=department,
            name=f"Bench {time.time()}",
            embedding_provider="openai",
            embedding_model="fake-embed",
            embedding_dimension=384,
        )
    for name in ("nghi_dinh_145_2020_nd_cp.txt",):
        result = upload(kb, name, (DATA / "labor_decrees" / name).read_bytes())
        assert result.document is not None
        indexing.index_document_inline(result.document)
    assistants = [
        make_assistant(
            department,
            slug=f"bench-{n}",
            provider=make_provider(department, url, api_key=FAKE_KEY),
            knowledge_bases=[kb],
        )
        for n, url in enumerate(fake_urls)
    ]
    with transaction.atomic():
        key = api_key_create(actor=None, department=department, name="bench", scopes=["chat"]).raw_key
    return key, [assistant.pk for assistant in assistants]


async def _conversation(client: Any, base: str, key: str, assistant_id: int) -> int:
    created = await client.post(
        f"{base}/api/v1/conversations/",
        json={"assistant": assistant_id},
        headers={"Authorization": f"Bearer {key}"},
    )
    created.raise_for_status()
    return int(created.json()["id"])


async def _platform_stream(
    client: Any, base: str, key: str, conversation_id: int
) -> tuple[float, list[float]]:
    url = f"{base}/api/v1/conversations/{conversation_id}/messages/"
    headers = {"Authorization": f"Bearer {key}", "Accept": "text/event-stream"}
    started = time.perf_counter()
    first: float | None = None
    stamps: list[float] = []
    async with client.stream(
        "POST", url, json={"content": "Thời giờ làm việc bình thường là bao nhiêu giờ?"}, headers=headers
    ) as response:
        response.raise_for_status()
        async for line in response.aiter_lines():
            if line.startswith("event: error"):
                raise RuntimeError("error event")
            if line.startswith("event: text.delta"):
                now = time.perf_counter()
                first = first if first is not None else now - started
                stamps.append(now)
    if first is None:
        raise RuntimeError("no text")
    return first, [b - a for a, b in itertools.pairwise(stamps)]


async def _direct_stream(client: Any, question: str) -> tuple[float, list[float]]:
    started = time.perf_counter()
    first: float | None = None
    stamps: list[float] = []
    stream = await client.chat.completions.create(
        model="fake-chat", stream=True, messages=[{"role": "user", "content": question}]
    )
    async for chunk in stream:
        if chunk.choices and chunk.choices[0].delta.content:
            now = time.perf_counter()
            first = first if first is not None else now - started
            stamps.append(now)
    assert first is not None
    return first, [b - a for a, b in itertools.pairwise(stamps)]


async def _closed_loop(concurrency: int, rounds: int, stream: Any) -> tuple[list[Any], int]:
    """`concurrency` conversations, each asking `rounds` questions one after the other: the steady
    state of that many people chatting at once. Starts are spread over one answer's length, as
    they would be in use (a burst of simultaneous first questions is another benchmark)."""
    import random

    spread = TOKEN_DELAY * ANSWER_WORDS
    outcomes: list[Any] = []
    errors = 0

    async def conversation(index: int) -> None:
        nonlocal errors
        await asyncio.sleep(random.Random(index).uniform(0, spread))
        for _ in range(rounds):
            try:
                outcomes.append(await stream(index))
            except Exception as error:
                errors += 1
                if errors <= 3:
                    print(f"error: {type(error).__name__}: {error}"[:300], file=sys.stderr)

    await asyncio.gather(*[conversation(i) for i in range(concurrency)])
    return outcomes, errors


async def _measure(
    concurrency: int, rounds: int, base: str, key: str, assistant_id: int, fake_url: str
) -> dict[str, Any]:
    import httpx
    import openai

    results: dict[str, dict[str, list[float]]] = {
        "platform": {"ttft": [], "gap": []},
        "direct": {"ttft": [], "gap": []},
    }
    errors = 0
    limits = httpx.Limits(max_connections=concurrency + 10, max_keepalive_connections=concurrency + 10)
    async with httpx.AsyncClient(timeout=120, limits=limits) as http:
        direct = openai.AsyncOpenAI(
            base_url=fake_url,
            api_key="sk-fake-test",
            max_retries=0,
            timeout=120,
        )
        # Each simulated person has one conversation and asks `rounds` questions in it.
        conversations = [await _conversation(http, base, key, assistant_id) for _ in range(concurrency)]
        platform, failed = await _closed_loop(
            concurrency, rounds, lambda i: _platform_stream(http, base, key, conversations[i])
        )
        errors += failed
        baseline, failed = await _closed_loop(
            concurrency, rounds, lambda i: _direct_stream(direct, "Thời giờ?")
        )
        errors += failed
        await direct.close()  # in this loop: closed later, it would find the loop gone
        for side, outcomes in (("platform", platform), ("direct", baseline)):
            for ttft, gaps in outcomes:
                results[side]["ttft"].append(ttft)
                results[side]["gap"].extend(gaps)
    row: dict[str, Any] = {"concurrency": concurrency, "streams": concurrency * rounds, "errors": errors}
    for side in ("platform", "direct"):
        for metric in ("ttft", "gap"):
            values = results[side][metric]
            row[f"{side}_{metric}_p50_ms"] = round(_p(values, 0.5) * 1000, 2)
            row[f"{side}_{metric}_p95_ms"] = round(_p(values, 0.95) * 1000, 2)
    row["added_ttft_p50_ms"] = round(row["platform_ttft_p50_ms"] - row["direct_ttft_p50_ms"], 2)
    row["added_ttft_p95_ms"] = round(row["platform_ttft_p95_ms"] - row["direct_ttft_p95_ms"], 2)
    row["added_gap_p95_ms"] = round(row["platform_gap_p95_ms"] - row["direct_gap_p95_ms"], 2)
    row["mean_gap_ms"] = (
        round(statistics.fmean(results["platform"]["gap"]) * 1000, 2) if results["platform"]["gap"] else None
    )
    return row


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--concurrency", default="1,100")
    parser.add_argument("--rounds", type=int, default=3, help="questions per conversation")
    args = parser.parse_args()

    with start_fake() as fake_url:
        os.environ.update(EMBEDDING_BASE_URL=fake_url, EMBEDDING_API_KEY="sk-fake-test")
        key, [assistant_id] = _setup([fake_url])
        port = _free_port()
        env = {**os.environ, "LOG_LEVEL": "WARNING"}
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "bureau.asgi:application",
                "--port",
                str(port),
                "--no-access-log",
                "--log-level",
                "warning",
                "--timeout-keep-alive",
                "30",
                "--workers",
                str(WEB_WORKERS),
            ],
            cwd=ROOT,
            env=env,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            wait_until_healthy(base)
            # Warm-up of every worker (the kernel hands connections to either): a worker's first
            # turn loads modules and makes its model client, which no later turn does again.
            asyncio.run(_measure(4 * WEB_WORKERS, 2, base, key, assistant_id, fake_url))
            rows = [
                asyncio.run(_measure(int(c), args.rounds, base, key, assistant_id, fake_url))
                for c in args.concurrency.split(",")
            ]
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(30)
    print(
        f"{'streams':>8} {'conc':>5} {'err':>4} | {'platform TTFT p50/p95':>22} {'direct TTFT p50/p95':>20} "
        f"| {'added TTFT p95':>14} | {'added gap p95':>13}"
    )
    for row in rows:
        print(
            f"{row['streams']:>8} {row['concurrency']:>5} {row['errors']:>4} | "
            f"{row['platform_ttft_p50_ms']:>10.1f}/{row['platform_ttft_p95_ms']:<10.1f} "
            f"{row['direct_ttft_p50_ms']:>9.1f}/{row['direct_ttft_p95_ms']:<10.1f} | "
            f"{row['added_ttft_p95_ms']:>14.1f} | {row['added_gap_p95_ms']:>13.2f}"
        )
    out = ROOT / "var" / "bench" / "chat.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        json.dumps({"benchmark": "chat", "token_delay_ms": TOKEN_DELAY * 1000, "rows": rows}, indent=2)
    )
    print(f"wrote {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
