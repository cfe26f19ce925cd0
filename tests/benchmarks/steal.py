"""Takes a share of every core while a benchmark runs, to see how much processor its figures have
to spare:

    python tests/benchmarks/bench_chat.py --steal 33

A slower processor, or a neighbour on a shared host, leaves the platform less of each core than the
development machine gives it on a good day. ProcessorSteal starts one process per core that
alternates SLICE_MS of busy Python with a sleep, so that each takes `percent` of a core. The slices
are short, so the platform meets a processor that is slower all the time rather than one that stops
now and then, which it bears better: taking about 40% of the machine's time, 4 ms slices gave an
added time to first token (p95) of 83.5 ms at 100 streams, 1 ms slices 155.4 ms. The kernel places the
processes like any other load, and they wait for a core like any other: on a busy machine they get
less than they ask (at 100 streams, `--steal 33` took 28% of the machine's time, `--steal 40` 32%),
so read the share they took, which bench_chat.py reports as `stolen`.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time

SLICE_MS = 1.0


def idle_ms(percent: float, busy_ms: float = SLICE_MS) -> float:
    """The sleep after each busy slice that makes the slices `percent` of a core's time."""
    if not 0 < percent < 100:
        raise ValueError(f"the share to take must be between 0 and 100 (exclusive), not {percent}")
    return busy_ms * (100 - percent) / percent


class ProcessorSteal:
    """`percent` of each of `cores` cores (all of them by default), taken for the `with` block's
    duration; `percent` 0 takes nothing. `pids` are the processes taking it, for whoever counts
    their CPU time."""

    def __init__(self, percent: float, cores: int | None = None) -> None:
        self.percent = percent
        self.cores = cores or os.cpu_count() or 1
        self._processes: list[subprocess.Popen[bytes]] = []

    @property
    def pids(self) -> list[int]:
        return [process.pid for process in self._processes]

    def __enter__(self) -> ProcessorSteal:
        if self.percent:
            arguments = ["--busy-ms", str(SLICE_MS), "--idle-ms", str(idle_ms(self.percent))]
            self._processes = [
                subprocess.Popen([sys.executable, __file__, *arguments]) for _ in range(self.cores)
            ]
        return self

    def __exit__(self, *exc: object) -> None:
        for process in self._processes:
            process.terminate()
        for process in self._processes:
            process.wait(10)


def _take(busy_ms: float, idle_ms: float) -> None:
    busy, idle = busy_ms / 1000, idle_ms / 1000
    while True:
        until = time.perf_counter() + busy
        while time.perf_counter() < until:
            pass
        time.sleep(idle)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="One core's share of ProcessorSteal (until terminated).")
    parser.add_argument("--busy-ms", type=float, required=True)
    parser.add_argument("--idle-ms", type=float, required=True)
    args = parser.parse_args()
    _take(args.busy_ms, args.idle_ms)
