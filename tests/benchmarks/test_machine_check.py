"""The machine readings printed beside the benchmarks' figures."""

from __future__ import annotations

import time

from tests.benchmarks.machine_check import WorkProbe, describe, python_work_now


def test_the_fixed_work_is_timed_before_and_after_a_run() -> None:
    work = python_work_now(samples=3, pause=0)
    assert work["samples"] == 3
    assert 0 < work["min"] <= work["median"] <= work["max"]
    assert "the fixed Python work took" in describe({"0": 0.1}, work)


def test_the_probe_times_the_work_during_a_run_and_stops_with_it() -> None:
    with WorkProbe(every=0.05) as probe:
        time.sleep(0.6)
    assert probe._process is not None and probe._process.returncode == 0  # stopped, not killed
    summary = probe.summary()
    assert summary is not None and summary["samples"] >= 2 and summary["min"] > 0
    assert WorkProbe().summary() is None  # a probe that never ran has nothing to say
