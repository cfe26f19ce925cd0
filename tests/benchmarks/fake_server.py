"""The fake LLM (tests/fakes/fake_llm.py) in a process of its own, for the benchmarks: serving 100
streams at once costs CPU, and in the benchmark's own process that CPU would be taken from the
client that measures (and from the baseline and the platform unevenly). Prints its base URL on
the first line of stdout and serves until its stdin closes.

    python tests/benchmarks/fake_server.py --words 120 --token-delay 0.02
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--words", type=int, default=120, help="words in each streamed answer")
    parser.add_argument("--token-delay", type=float, default=0.02, help="seconds between tokens")
    parser.add_argument("--api-key", default="sk-fake-test")
    args = parser.parse_args()

    from tests.fakes.fake_llm import FakeLLM, Fault, Reply

    answer = " ".join(f"từ{n}" for n in range(args.words))
    with FakeLLM(api_key=args.api_key) as fake:
        fake.responder = lambda body: Reply(text=answer, fault=Fault(token_delay=args.token_delay))
        print(fake.base_url, flush=True)
        sys.stdin.read()  # until the parent closes the pipe (or goes away)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
