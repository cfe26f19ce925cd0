"""The indexing benchmark's own arithmetic (tests/benchmarks/indexing_trace.py)."""

from __future__ import annotations

import json
import math

from tests.benchmarks.indexing_trace import (
    TARGETS,
    Sample,
    largest_progress_gap,
    percentile,
    result_json,
    status_seconds,
    task_seconds,
    task_summary,
    verdicts,
)

# A document polled every half second: queued, parsed, chunked, then embedded in three batches of
# which the second took 3 s to show, and Ready.
TRACE = [
    Sample(0.0, "queued", 0.02),
    Sample(0.5, "parsing", 0.05),
    Sample(1.0, "chunking", 0.15),
    Sample(1.5, "embedding", 0.2),
    Sample(2.0, "embedding", 0.2),
    Sample(2.5, "embedding", 0.4),
    Sample(3.0, "embedding", 0.4),
    Sample(5.5, "embedding", 0.4),
    Sample(5.5, "embedding", 0.4),
    Sample(6.0, "embedding", 0.6),
    Sample(6.5, "embedding", 0.8),
    Sample(7.0, "ready", 1.0),
]


def test_percentiles_are_nearest_rank() -> None:
    values = [float(n) for n in range(1, 101)]
    assert percentile(values, 0.5) == 51.0
    assert percentile(values, 0.95) == 95.0
    assert percentile(values, 1.0) == 100.0
    assert percentile([3.0, 1.0, 2.0], 0.0) == 1.0
    assert math.isnan(percentile([], 0.5))


def test_time_in_each_status_runs_to_the_next_status_seen() -> None:
    assert status_seconds(TRACE) == {"queued": 0.5, "parsing": 0.5, "chunking": 0.5, "embedding": 5.5}
    assert status_seconds([Sample(0.0, "ready", 1.0)]) == {}


def test_the_progress_gap_counts_from_entering_embedding_to_leaving_it() -> None:
    # Moves at 1.5 (embedding begins), 2.5, 6.0, 6.5, 7.0 (Ready): the longest wait is 2.5 → 6.0.
    assert largest_progress_gap(TRACE) == 3.5


def test_a_bar_that_never_moves_while_embedding_is_still_for_the_whole_stage() -> None:
    frozen = [Sample(0.0, "queued", 0.02), Sample(1.0, "embedding", 0.2), Sample(9.0, "embedding", 0.2)]
    assert largest_progress_gap([*frozen, Sample(12.0, "ready", 1.0)]) == 11.0


def test_no_gap_without_a_poll_seeing_the_document_embed() -> None:
    assert largest_progress_gap([Sample(0.0, "queued", 0.02), Sample(0.5, "ready", 1.0)]) is None
    assert largest_progress_gap([]) is None


LOG = """
[07:27:20,957: INFO/ForkPoolWorker-2] Task knowledge.tasks.ingest_document[9236] succeeded in 2.0s: None
[07:27:21,229: INFO/ForkPoolWorker-1] loaded local embedding model
[07:35:17,705: INFO/ForkPoolWorker-1] Task knowledge.tasks.embed_document[4e4e] succeeded in 476.5s: None
[07:35:18,363: INFO/ForkPoolWorker-2] Task knowledge.tasks.ingest_document[d68f] succeeded in 1.0s: None
[07:35:18,400: INFO/MainProcess] Task knowledge.tasks.embed_document[be1b] received
"""


def test_task_times_are_read_from_the_worker_log_by_short_name() -> None:
    assert task_seconds(LOG) == {"ingest_document": [2.0, 1.0], "embed_document": [476.5]}
    summary = task_summary(LOG)
    assert summary["ingest_document"] == {"count": 2, "total_s": 3.0, "p50_s": 1.0, "p95_s": 2.0}
    assert summary["embed_document"]["count"] == 1
    assert task_seconds("nothing here") == {}


def test_each_figure_is_held_to_its_target_in_the_right_direction() -> None:
    assert verdicts(
        {"pdf_100_pages_s": 44.0, "attachment_s": 6.0, "batch_docs_per_s": 5.0, "progress_gap_s": None}
    ) == {"pdf_100_pages_s": True, "attachment_s": False, "batch_docs_per_s": True, "progress_gap_s": None}
    assert verdicts({"batch_docs_per_s": 4.9})["batch_docs_per_s"] is False


def test_the_json_holds_the_rows_the_figures_and_whether_each_target_is_met() -> None:
    documents = [
        {"name": "100-page text PDF", "seconds": 50.0, "largest_progress_gap_s": 1.5},
        {"name": "10-page DOCX", "seconds": 8.0, "largest_progress_gap_s": 2.5},
        {"name": "chat attachment", "seconds": 4.0, "largest_progress_gap_s": None},
    ]
    result = result_json(
        documents=documents,
        batch={"documents_per_second": 6.0},
        deletion={"documents": 500, "seconds": 1.2},
        worker={"peak_tree_mb": 700.0},
        machine={"cores": 2},
    )
    assert set(result) == {
        "benchmark",
        "documents",
        "batch",
        "delete",
        "worker",
        "machine",
        "figures",
        "targets",
        "met",
    }
    assert result["benchmark"] == "indexing"
    assert result["figures"] == {
        "pdf_100_pages_s": 50.0,
        "attachment_s": 4.0,
        "batch_docs_per_s": 6.0,
        "progress_gap_s": 2.5,  # the worst document's
    }
    assert result["met"] == {
        "pdf_100_pages_s": False,
        "attachment_s": True,
        "batch_docs_per_s": True,
        "progress_gap_s": False,
    }
    assert result["targets"] == TARGETS
    assert json.loads(json.dumps(result)) == result  # what the benchmark writes


def test_figures_not_measured_are_none_not_missing() -> None:
    result = result_json(documents=[], batch={}, deletion={}, worker={}, machine={})
    assert result["figures"] == dict.fromkeys(TARGETS)
    assert result["met"] == dict.fromkeys(TARGETS)
