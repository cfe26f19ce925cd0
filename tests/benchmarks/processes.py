"""The processes a benchmark watches (the fake model, the measuring client, the web server, the
embedded database and Redis, and the ones `--steal` starts): the CPU time each group took during a
run, the table that shows it beside the run's wall time, and how many connections each web worker
holds. Used by bench_chat.py."""

from __future__ import annotations

import contextlib
import os
import time
from dataclasses import dataclass, field
from typing import Any

# The groups of Processes.snapshot() whose CPU seconds a run reports, in the table's order.
CPU_GROUPS = ("fake", "client", "web", "db", "stolen", "machine")


def embedded_services() -> list[int]:
    """The pids of the embedded PostgreSQL and Redis that the web server uses (none if external)."""
    from bureau import embedded

    pids = []
    for path in (embedded.pg_data_dir() / "postmaster.pid", embedded.run_dir() / "redis.pid"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            pids.append(int(path.read_text().split()[0]))
    return pids


@dataclass
class Processes:
    """The processes whose CPU time is reported: the fake, this one (the client), the web server
    (uvicorn and its workers), the embedded database and Redis (shared with whatever else uses
    them), and the processes taking a share of the cores (`--steal`)."""

    fake: int
    web: int
    services: list[int]
    stealers: list[int] = field(default_factory=list)

    def snapshot(self) -> dict[str, dict[int, float]]:
        """CPU seconds (user + system) used so far by each process of each group; the whole
        machine's busy time under pid 0 of "machine", the time of day under pid 0 of "wall"."""
        import psutil

        def of(pids: list[int], tree: bool = False) -> dict[int, float]:
            family: list[psutil.Process] = []
            for pid in pids:
                with contextlib.suppress(psutil.NoSuchProcess):
                    process = psutil.Process(pid)
                    family += [process, *process.children(recursive=True)] if tree else [process]
            seconds = {}
            for each in family:
                with contextlib.suppress(psutil.NoSuchProcess):
                    times = each.cpu_times()
                    seconds[each.pid] = times.user + times.system
            return seconds

        machine = psutil.cpu_times()  # busy: not idle, iowait, steal; guest time is within user
        busy = sum(getattr(machine, name, 0.0) for name in ("user", "nice", "system", "irq", "softirq"))
        return {
            "fake": of([self.fake]),
            "client": of([os.getpid()]),
            "web": of([self.web], tree=True),
            "db": of(self.services, tree=True),
            "stolen": of(self.stealers),
            "machine": {0: float(busy)},
            "wall": {0: time.monotonic()},
        }

    def connections_per_web_process(self, port: int) -> list[int]:
        """How many client connections each web worker holds, most first: the kernel decides which
        worker accepts a connection, and the busier one sets the figures."""
        import psutil

        counts = []
        for child in psutil.Process(self.web).children(recursive=True):
            with contextlib.suppress(psutil.NoSuchProcess):
                mine = [c for c in child.net_connections(kind="tcp") if c.laddr and c.laddr.port == port]
                if any(c.status == psutil.CONN_LISTEN for c in mine):  # a worker, not a helper process
                    counts.append(sum(1 for c in mine if c.status == psutil.CONN_ESTABLISHED))
        return sorted(counts, reverse=True)

    @staticmethod
    def used(before: dict[str, dict[int, float]], after: dict[str, dict[int, float]]) -> dict[str, float]:
        """Seconds per group between two snapshots (of a process that ended in between, what it
        used is lost; one that started counts whole)."""
        return {
            group: round(
                sum(seconds - before[group].get(pid, 0.0) for pid, seconds in after[group].items()), 2
            )
            for group in after
        }


def print_cpu_table(rows: list[dict[str, Any]]) -> None:
    """The CPU seconds of each group in each run of bench_chat.py's rows (the `stolen` column only
    when a run had some), each with its share of the run's wall time on every core."""
    cores = os.cpu_count() or 1
    stealing = any(row.get("platform_cpu_stolen_s") for row in rows)
    print(
        f"\nCPU seconds during each run, and their share of its wall time × {cores} cores (db: the "
        "embedded PostgreSQL and Redis; "
        + ("stolen: what --steal's processes took; " if stealing else "")
        + "machine: all processes, other users' too); work: the CPU ms "
        "of a fixed piece of Python work meanwhile (median, max), higher when the processor was slower:"
    )
    names = [name for name in CPU_GROUPS if stealing or name != "stolen"]
    print(
        f"{'conc':>5} {'side':>9} {'wall s':>7} | "
        + " ".join(f"{name:>13}" for name in names)
        + f" | {'work':>11}"
    )
    for row in rows:
        for side in ("platform", "direct"):
            wall = row[f"{side}_wall_s"]
            cells = []
            for name in names:
                seconds = row[f"{side}_cpu_{name}_s"]
                cells.append(f"{seconds:>6.2f} ({seconds / (wall * cores):>4.0%})")
            work = row[f"{side}_python_work_ms"]
            cells.append(f"| {work['median']:>5.1f}/{work['max']:<5.1f}" if work else "| -")
            print(f"{row['concurrency']:>5} {side:>9} {wall:>7.2f} | " + " ".join(cells))
