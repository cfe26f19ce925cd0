"""The platform's CPU cost of a chat turn and of a relayed token: what contention on a shared
machine does not blur, unlike the wall-clock figures of bench_chat.py.

    python tests/benchmarks/cpu_chat.py [--turns 20] [--concurrency 5]

One web server process (uvicorn, one worker) answers streamed questions (retrieval on, as in
bench_chat.py) from two fake models in processes of their own: one answers SHORT words, the other
LONG words, at the benchmark's pace. The server's CPU time (user + system, from the operating
system) over each series gives the cost per turn; the difference between the series, per extra
word, the cost per relayed token. Prints both and writes var/bench/chat_cpu.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.benchmarks.bench_chat import (  # noqa: E402
    TOKEN_DELAY,
    _conversation,
    _free_port,
    _platform_stream,
    _setup,
    run,
    start_fake,
    wait_until_healthy,
)
from tests.benchmarks.sse_client import SSEConnection  # noqa: E402

SHORT, LONG = 10, 210


def _cpu_seconds(pid: int) -> float:
    """Of the server's process and its children."""
    import psutil

    process = psutil.Process(pid)
    total = 0.0
    for each in [process, *process.children(recursive=True)]:
        times = each.cpu_times()
        total += times.user + times.system
    return total


async def _series(
    base: str, key: str, assistant_id: int, words: int, turns: int, concurrency: int, pid: int
) -> float:
    import httpx

    async with httpx.AsyncClient(timeout=120) as http:
        conversations = [await _conversation(http, base, key, assistant_id) for _ in range(concurrency)]
    connections = [await SSEConnection.open(base) for _ in conversations]
    try:
        await _platform_stream(connections[0], key, conversations[0], range(words, words + 1))  # warm-up
        rounds = max(1, turns // concurrency)

        async def person(connection: SSEConnection, conversation_id: int) -> None:
            for _ in range(rounds):
                await _platform_stream(connection, key, conversation_id, range(words, words + 1))

        before = _cpu_seconds(pid)
        await asyncio.gather(*[person(*pair) for pair in zip(connections, conversations, strict=True)])
        return (_cpu_seconds(pid) - before) / (rounds * len(conversations))
    finally:
        for connection in connections:
            connection.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--turns", type=int, default=20)
    parser.add_argument("--concurrency", type=int, default=5)
    parser.add_argument("--uvicorn", default="", help="more uvicorn options, e.g. '--loop asyncio'")
    args = parser.parse_args()

    with start_fake(SHORT) as short_url, start_fake(LONG) as long_url:
        os.environ.update(EMBEDDING_BASE_URL=short_url, EMBEDDING_API_KEY="sk-fake-test")
        key, assistant_ids = _setup([short_url, long_url])
        port = _free_port()
        command = [sys.executable, "-m", "uvicorn", "bureau.asgi:application", "--port", str(port)]
        command += ["--no-access-log", "--log-level", "warning", *args.uvicorn.split()]
        server = subprocess.Popen(
            command,
            cwd=ROOT,
            env={**os.environ, "LOG_LEVEL": "WARNING"},
        )
        base = f"http://127.0.0.1:{port}"
        try:
            wait_until_healthy(base)
            short, long = (
                run(_series(base, key, a, words, args.turns, args.concurrency, server.pid))
                for a, words in zip(assistant_ids, (SHORT, LONG), strict=True)
            )
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(30)
    per_token = (long - short) / (LONG - SHORT)
    per_turn = short - SHORT * per_token
    result = {
        "token_delay_ms": TOKEN_DELAY * 1000,
        "cpu_ms_per_turn_without_tokens": round(per_turn * 1000, 2),
        "cpu_ms_per_token": round(per_token * 1000, 3),
        "cpu_ms_per_turn_of_120_tokens": round((per_turn + 120 * per_token) * 1000, 2),
    }
    for name, value in result.items():
        print(f"{name:>34}: {value}")
    out = ROOT / "var" / "bench" / "chat_cpu.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2))
    print(f"wrote {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
