"""Benchmark: the platform's added time to first token and added gap between tokens, against calling
the same fake LLM directly, at 1 and at 100 concurrent streaming conversations (retrieval on, over
a small knowledge base whose embeddings also come from the fake). Prints a table of the times and
one of the CPU the processes took, and writes var/bench/chat.json.

    python tests/benchmarks/bench_chat.py [--concurrency 1,100] [--rounds 3] [--same-length] [--steal 33]

It starts the fake LLM (fake_server.py) and the web server (uvicorn, WEB_WORKERS processes) as
children, and uses the embedded database. Both runs, the platform's and the direct baseline, face
the same fake process, at the same pace and answer length, and are timed by the same client.

The measuring tools are lean, because on a 2-core machine every CPU second they take is taken from
the platform they measure, and their own delays show up in both sides' times: with a threaded fake,
httpx and the openai client (pydantic models for every chunk), and INFO logs of every request, the
direct baseline alone showed a TTFT p95 of 600 ms and a gap p95 of 118 ms at 100 streams of 50
tokens a second. So the fake is a single-threaded asyncio server whose tokens cost one write each
(fake_server.py), the client is a raw HTTP/1.1 one that stamps each event when its bytes are read
(sse_client.py), this process logs nothing below WARNING, and the CPU seconds each of them (and the
web server, and the whole machine) took in each run are reported, so a reader sees what the tools
took of the 2 cores. tests/benchmarks/cpu_chat.py measures the platform's CPU per turn and per
token, which contention on a shared machine blurs less than these wall-clock times. Before and
after the runs it measures what the machine charges for touching memory left alone for a while
(machine_check.py): on a virtual machine that can be most of a figure at 1 stream. Before, during
and after the runs it also times a fixed piece of Python work (machine_check.WorkProbe): the same
code gave an added TTFT p95 at 100 streams of 61 ms in one run and 372 ms in another the same hour,
so each run's figures are read beside how fast the processor was during it.

Each concurrency asks at least MIN_STREAMS questions in all, so that its 95th percentiles leave
some out. `--steal PERCENT` takes that share of every core during the measured runs (steal.py), to
see how much processor the figures have to spare.

Figures to reach: added TTFT p95 ≤ 25 ms at 1, ≤ 100 ms at 100; added inter-token gap p95 ≤ 5 ms;
no errors.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import math
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from pathlib import Path
from typing import Any, TypeVar

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.benchmarks.fake_server import answer_lengths  # noqa: E402
from tests.benchmarks.machine_check import (  # noqa: E402
    WorkProbe,
    describe,
    memory_retouch_ms,
    python_work_now,
)
from tests.benchmarks.processes import CPU_GROUPS, Processes, embedded_services, print_cpu_table  # noqa: E402
from tests.benchmarks.sse_client import (  # noqa: E402
    SSEConnection,
    Tokens,
    check_words,
    openai_tokens,
    platform_tokens,
)
from tests.benchmarks.steal import ProcessorSteal  # noqa: E402

T = TypeVar("T")

# The fake model's pace: 50 tokens per second unless BENCH_TOKEN_DELAY says otherwise.
TOKEN_DELAY = float(os.environ.get("BENCH_TOKEN_DELAY", "0.02"))
ANSWER_WORDS = 120  # on average, so a stream lasts ~2.4 s, as real answers do (they last longer)
# How much an answer's length varies, as a fraction of ANSWER_WORDS (see _closed_loop).
ANSWER_VARY = 0.5
WEB_WORKERS = int(os.environ.get("BENCH_WEB_WORKERS", "2"))  # as in production: one ASGI process per core
# A 95th percentile needs samples enough to leave some out: of 10 streams (1 person asking 10
# questions) it is the slowest one. Each concurrency asks at least this many questions in all.
MIN_STREAMS = 40


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
def start_fake_process(
    words: int = ANSWER_WORDS, token_delay: float = TOKEN_DELAY, vary: float = 0.0
) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    """The fake LLM in a process of its own (fake_server.py), its answers of `words` words ± the
    fraction `vary`; yields its base URL and its process."""
    fake = subprocess.Popen(
        [
            sys.executable,
            str(ROOT / "tests" / "benchmarks" / "fake_server.py"),
            "--words",
            str(words),
            "--token-delay",
            str(token_delay),
            "--vary",
            str(vary),
        ],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,  # its stderr is this process's: it says nothing unless it fails
    )
    try:
        assert fake.stdout is not None
        url = fake.stdout.readline().strip()
        if not url:
            raise RuntimeError("the fake LLM did not start")
        yield url, fake
    finally:
        assert fake.stdin is not None
        fake.stdin.close()
        fake.wait(30)


@contextlib.contextmanager
def start_fake(
    words: int = ANSWER_WORDS, token_delay: float = TOKEN_DELAY, vary: float = 0.0
) -> Iterator[str]:
    """The fake LLM in a process of its own (fake_server.py); yields its base URL."""
    with start_fake_process(words, token_delay, vary) as (url, _):
        yield url


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    """On uvloop when installed (the web server runs on it too): less of the CPU for the client."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(coroutine)
    return uvloop.run(coroutine)


def _setup(fake_urls: list[str]) -> tuple[str, list[int]]:
    """An organization, a knowledge base, an assistant on each fake provider, and an API key."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bureau.settings")
    from bureau import embedded

    embedded.ensure_services()
    django.setup()
    # The project's logging configuration logs every request of httpx (and of openai) at INFO: in
    # this process, that is CPU taken from the measuring client.
    for name in ("httpx", "httpcore", "openai"):
        logging.getLogger(name).setLevel(logging.WARNING)
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
        pipeline.index_document_inline(result.document)
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


QUESTION = "Thời giờ làm việc bình thường là bao nhiêu giờ?"


async def _platform_stream(
    connection: SSEConnection, key: str, conversation_id: int, words: range | None
) -> Tokens:
    """One question in the conversation, streamed; its text.delta events, checked to carry the
    fake's whole answer (of a length in `words`, unless None)."""
    response = await connection.post(
        f"/api/v1/conversations/{conversation_id}/messages/",
        {"content": QUESTION},
        {"Authorization": f"Bearer {key}"},
    )
    tokens = platform_tokens(response)
    if words is not None:
        check_words(tokens, words)
    return tokens


async def _direct_stream(connection: SSEConnection, words: range) -> Tokens:
    """The same question to the fake, as the platform asks it; one content chunk per word."""
    response = await connection.post(
        "/chat/completions",
        {
            "model": "fake-chat",
            "stream": True,
            "stream_options": {"include_usage": True},
            "messages": [{"role": "user", "content": QUESTION}],
        },
        {"Authorization": "Bearer sk-fake-test"},
    )
    tokens = openai_tokens(response)
    check_words(tokens, words, one_event_per_word=True)
    return tokens


async def _closed_loop(
    concurrency: int, rounds: int, stream: Callable[[int], Awaitable[Tokens]]
) -> tuple[list[Tokens], int]:
    """`concurrency` conversations, each asking `rounds` questions one after the other: the steady
    state of that many people chatting at once. Starts are spread over one answer's length, as
    they would be in use (a burst of simultaneous first questions is another benchmark), and the
    fake's answers vary in length (ANSWER_VARY), as real ones do, so that the starts stay spread.
    Were every answer as long, a delay would gather them: the questions asked during a slow moment
    all get their first token at its end, so they end together, and their next questions come in
    one burst, which makes the next slow moment. In a run of 100 streams with answers all of 120
    words, by its 18th second every third second held 41–49 of the questions asked, and the
    seconds between them 23–25; the median time to first token of the questions asked in those
    busy seconds was 150–260 ms, against 20 ms for the fake alone."""
    import random

    spread = TOKEN_DELAY * ANSWER_WORDS
    outcomes: list[Tokens] = []
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


async def _phase(
    processes: Processes, concurrency: int, rounds: int, stream: Callable[[int], Awaitable[Tokens]]
) -> tuple[list[Tokens], int, dict[str, Any]]:
    """A closed loop, the CPU seconds each process took during it, and how fast the processor was
    meanwhile (machine_check.WorkProbe)."""
    before = processes.snapshot()
    with WorkProbe() as probe:
        outcomes, errors = await _closed_loop(concurrency, rounds, stream)
    used: dict[str, Any] = processes.used(before, processes.snapshot())
    used["python_work_ms"] = probe.summary()
    return outcomes, errors, used


async def _measure(
    concurrency: int,
    rounds: int,
    lengths: range,
    base: str,
    key: str,
    assistant_id: int,
    fake_url: str,
    processes: Processes,
) -> dict[str, Any]:
    import httpx

    # Each simulated person has one conversation, on a connection of its own to the platform (and
    # one to the fake for the baseline), and asks `rounds` questions in it. The connection opens at
    # the first question, as a browser's does, not all of them at once before: the kernel hands a
    # new connection to whichever web process accepts first, and 100 connections opened in one
    # burst to idle processes were split up to 61/39, which loaded one process half as much again
    # as the other for the whole run.
    async with httpx.AsyncClient(timeout=120) as http:
        conversations = [await _conversation(http, base, key, assistant_id) for _ in range(concurrency)]
    platform = [SSEConnection(base) for _ in range(concurrency)]
    direct = [SSEConnection(fake_url) for _ in range(concurrency)]
    try:
        sides = {
            "platform": await _phase(
                processes,
                concurrency,
                rounds,
                lambda i: _platform_stream(platform[i], key, conversations[i], lengths),
            ),
        }
        split = processes.connections_per_web_process(int(base.rsplit(":", 1)[1]))
        sides["direct"] = await _phase(
            processes, concurrency, rounds, lambda i: _direct_stream(direct[i], lengths)
        )
    finally:
        for connection in platform + direct:
            connection.close()
    row: dict[str, Any] = {
        "concurrency": concurrency,
        "streams": concurrency * rounds,
        "errors": sum(errors for _, errors, _ in sides.values()),
        "connections_per_web_process": split,
    }
    gaps: dict[str, list[float]] = {}
    for side, (outcomes, _, cpu) in sides.items():
        ttfts = [tokens.ttft for tokens in outcomes]
        gaps[side] = [gap for tokens in outcomes for gap in tokens.gaps]
        for metric, values in (("ttft", ttfts), ("gap", gaps[side])):
            row[f"{side}_{metric}_p50_ms"] = round(_p(values, 0.5) * 1000, 2)
            row[f"{side}_{metric}_p95_ms"] = round(_p(values, 0.95) * 1000, 2)
        row[f"{side}_wall_s"] = cpu["wall"]
        for name in CPU_GROUPS:
            row[f"{side}_cpu_{name}_s"] = cpu[name]
        row[f"{side}_python_work_ms"] = cpu["python_work_ms"]
    row["added_ttft_p50_ms"] = round(row["platform_ttft_p50_ms"] - row["direct_ttft_p50_ms"], 2)
    row["added_ttft_p95_ms"] = round(row["platform_ttft_p95_ms"] - row["direct_ttft_p95_ms"], 2)
    row["added_gap_p95_ms"] = round(row["platform_gap_p95_ms"] - row["direct_gap_p95_ms"], 2)
    row["mean_gap_ms"] = round(statistics.fmean(gaps["platform"]) * 1000, 2) if gaps["platform"] else None
    return row


def _print_tables(rows: list[dict[str, Any]]) -> None:
    print(
        f"{'streams':>8} {'conc':>5} {'err':>4} | {'platform TTFT p50/p95':>22} {'direct TTFT p50/p95':>20} "
        f"| {'added TTFT p95':>14} | {'platform/direct gap p95':>23} | {'added gap p95':>13} | per worker"
    )
    for row in rows:
        print(
            f"{row['streams']:>8} {row['concurrency']:>5} {row['errors']:>4} | "
            f"{row['platform_ttft_p50_ms']:>10.1f}/{row['platform_ttft_p95_ms']:<10.1f} "
            f"{row['direct_ttft_p50_ms']:>9.1f}/{row['direct_ttft_p95_ms']:<10.1f} | "
            f"{row['added_ttft_p95_ms']:>14.1f} | "
            f"{row['platform_gap_p95_ms']:>11.1f}/{row['direct_gap_p95_ms']:<11.1f} | "
            f"{row['added_gap_p95_ms']:>13.2f} | "
            + "/".join(str(n) for n in row["connections_per_web_process"])
        )
    print_cpu_table(rows)


def rounds_for(concurrency: int, rounds: int) -> int:
    """The questions each person asks: `rounds`, or more when there are too few people for
    MIN_STREAMS questions in all."""
    return max(rounds, math.ceil(MIN_STREAMS / concurrency))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--concurrency", default="1,100")
    parser.add_argument(
        "--rounds", type=int, default=3, help=f"questions per conversation (at least {MIN_STREAMS} in all)"
    )
    parser.add_argument(
        "--same-length",
        action="store_true",
        help=f"every answer of {ANSWER_WORDS} words (by default ±{ANSWER_VARY:.0%}%, see _closed_loop)",
    )
    parser.add_argument(
        "--steal",
        type=float,
        default=0.0,
        metavar="PERCENT",
        help="take this share of every core during the measured runs, as a slower or shared machine "
        "would (steal.py)",
    )
    args = parser.parse_args()

    retouch = {"before": memory_retouch_ms()}
    work = {"before": python_work_now()}
    vary = 0.0 if args.same_length else ANSWER_VARY
    lengths = answer_lengths(ANSWER_WORDS, vary)
    with start_fake_process(ANSWER_WORDS, TOKEN_DELAY, vary) as (fake_url, fake):
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
        processes = Processes(fake=fake.pid, web=server.pid, services=embedded_services())
        try:
            wait_until_healthy(base)
            # Warm-up of every worker (the kernel hands connections to either): a worker's first
            # turn loads modules and makes its model client, which no later turn does again.
            run(_measure(4 * WEB_WORKERS, 2, lengths, base, key, assistant_id, fake_url, processes))
            rows = []
            with ProcessorSteal(args.steal) as steal:
                processes.stealers = steal.pids
                for concurrency in (int(c) for c in args.concurrency.split(",")):
                    rounds = rounds_for(concurrency, args.rounds)
                    measured = _measure(
                        concurrency, rounds, lengths, base, key, assistant_id, fake_url, processes
                    )
                    rows.append(run(measured))
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(30)
    retouch["after"] = memory_retouch_ms()
    work["after"] = python_work_now()
    if args.steal:
        print(f"With {args.steal:g}% of every core taken (--steal) during the measured runs.")
    _print_tables(rows)
    print(
        f"\nThe machine (tests/benchmarks/machine_check.py), before the runs: "
        f"{describe(retouch['before'], work['before'])}; after: {describe(retouch['after'], work['after'])}."
    )
    out = ROOT / "var" / "bench" / "chat.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    result = {
        "benchmark": "chat",
        "token_delay_ms": TOKEN_DELAY * 1000,
        "answer_words": [lengths.start, lengths.stop - 1],
        "steal_percent": args.steal,
        "rows": rows,
        "memory_retouch_ms": retouch,
        "python_work_ms": work,
    }
    out.write_text(json.dumps(result, indent=2))
    print(f"wrote {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
