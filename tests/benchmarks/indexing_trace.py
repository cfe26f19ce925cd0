"""The pure parts of bench_indexing.py: what a trace of polled document states says (time in each
status, the longest wait between two moves of the progress bar), the task times in a Celery
worker's log, percentiles, and the figures against the targets of the issue. No Django here, so
that tests/benchmarks/test_indexing_trace.py checks them without a database."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from typing import Any

# What the issue asks of an idle 2-core machine with the bundled e5 model.
TARGETS = {
    "pdf_100_pages_s": 45.0,  # at most
    "attachment_s": 5.0,  # at most, for a file under 100 KB
    "batch_docs_per_s": 5.0,  # at least
    "progress_gap_s": 2.0,  # at most, while embedding
}

FINAL = ("ready", "failed", "cancelled")


@dataclass(frozen=True)
class Sample:
    """One poll of a document, as the web app reads it: seconds since the upload began, status,
    and the `progress` of DocumentSerializer (0..1)."""

    t: float
    status: str
    progress: float


def percentile(values: list[float], q: float) -> float:
    """The nearest-rank percentile (q in 0..1) of the values; NaN when there are none."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def status_seconds(samples: list[Sample]) -> dict[str, float]:
    """How long the document was seen in each status before the next: from the first sample of a
    status to the first sample of the one after it. The final status counts no time."""
    firsts: list[tuple[str, float]] = []
    for sample in samples:
        if not firsts or firsts[-1][0] != sample.status:
            firsts.append((sample.status, sample.t))
    seconds: dict[str, float] = {}
    for (status, start), (_, end) in itertools.pairwise(firsts):
        seconds[status] = round(seconds.get(status, 0.0) + end - start, 3)
    return seconds


def largest_progress_gap(samples: list[Sample]) -> float | None:
    """The longest time the progress bar stood still while the document was embedding: between
    the status becoming `embedding`, each change of progress, and the status leaving it. None when
    no poll saw the document embedding (a document too small to catch in that state)."""
    moves: list[float] = []
    for before, sample in itertools.pairwise([Sample(0.0, "", -1.0), *samples]):
        if before.status == "embedding":
            moved = sample.status != "embedding" or sample.progress != before.progress
        else:
            moved = sample.status == "embedding"
        if moved:
            moves.append(sample.t)
    if len(moves) < 2:
        return None
    return round(max(b - a for a, b in itertools.pairwise(moves)), 3)


_TASK_DONE = re.compile(r"Task (?P<name>[\w.]+)\[[^\]]+\] succeeded in (?P<seconds>[0-9.]+)s")


def task_seconds(log: str) -> dict[str, list[float]]:
    """The duration of every task the worker's log says succeeded, by task name (the short name:
    `ingest_document`, `embed_document`)."""
    found: dict[str, list[float]] = {}
    for match in _TASK_DONE.finditer(log):
        found.setdefault(match["name"].rsplit(".", 1)[-1], []).append(float(match["seconds"]))
    return found


def task_summary(log: str) -> dict[str, dict[str, float]]:
    """Per task name: how many, their total, median and 95th percentile seconds."""
    return {
        name: {
            "count": len(values),
            "total_s": round(sum(values), 3),
            "p50_s": round(percentile(values, 0.5), 3),
            "p95_s": round(percentile(values, 0.95), 3),
        }
        for name, values in sorted(task_seconds(log).items())
    }


def verdicts(figures: dict[str, float | None]) -> dict[str, bool | None]:
    """Each figure against its target (None when it was not measured)."""
    result: dict[str, bool | None] = {}
    for name, target in TARGETS.items():
        value = figures.get(name)
        if value is None:
            result[name] = None
        elif name == "batch_docs_per_s":
            result[name] = value >= target
        else:
            result[name] = value <= target
    return result


def result_json(
    *,
    documents: list[dict[str, Any]],
    batch: dict[str, Any],
    deletion: dict[str, Any],
    worker: dict[str, Any],
    machine: dict[str, Any],
) -> dict[str, Any]:
    """What var/bench/indexing.json holds: the rows, the figures the issue sets targets for, and
    whether each is met."""
    by_name = {row["name"]: row for row in documents}
    gaps = [
        row["largest_progress_gap_s"] for row in documents if row.get("largest_progress_gap_s") is not None
    ]
    figures: dict[str, float | None] = {
        "pdf_100_pages_s": by_name.get("100-page text PDF", {}).get("seconds"),
        "attachment_s": by_name.get("chat attachment", {}).get("seconds"),
        "batch_docs_per_s": batch.get("documents_per_second"),
        "progress_gap_s": max(gaps) if gaps else None,
    }
    return {
        "benchmark": "indexing",
        "documents": documents,
        "batch": batch,
        "delete": deletion,
        "worker": worker,
        "machine": machine,
        "figures": figures,
        "targets": TARGETS,
        "met": verdicts(figures),
    }
