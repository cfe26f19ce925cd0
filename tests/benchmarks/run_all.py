"""Run every benchmark, each in its own process (so that each reports its own peak memory).

``make bench`` runs this through ``python -m bureau.embedded bench``. Each benchmark prints its
table and writes its JSON under var/bench/; this exits non-zero if one of them failed to run.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
BENCHMARKS = sorted(path.name for path in HERE.glob("bench_*.py"))


def main() -> int:
    failed = []
    for name in BENCHMARKS:
        print(f"== {name}", flush=True)
        if subprocess.call([sys.executable, str(HERE / name), *sys.argv[1:]], cwd=ROOT) != 0:
            failed.append(name)
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
