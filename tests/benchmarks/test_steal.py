"""The processes that take a share of the cores for `bench_chat.py --steal`."""

from __future__ import annotations

import time

import psutil
import pytest

from tests.benchmarks.steal import ProcessorSteal, idle_ms


def test_the_sleep_after_each_slice_makes_the_share_asked() -> None:
    assert idle_ms(50) == 1.0
    assert idle_ms(25) == 3.0
    assert idle_ms(20, busy_ms=2.0) == 8.0
    for wrong in (0, 100, -5, 150):
        with pytest.raises(ValueError, match="between 0 and 100"):
            idle_ms(wrong)


def test_one_process_per_core_takes_processor_time_until_the_block_ends() -> None:
    with ProcessorSteal(50, cores=2) as steal:
        assert len(steal.pids) == 2
        processes = [psutil.Process(pid) for pid in steal.pids]
        # Each takes processor time (a sleeping process would take next to none): waited for
        # rather than measured over a fixed second, which a busy machine may not give them.
        deadline = time.monotonic() + 300
        used = [0.0] * len(processes)
        while not all(seconds > 0.05 for seconds in used) and time.monotonic() < deadline:
            time.sleep(0.2)
            used = [sum(process.cpu_times()[:2]) for process in processes]
    assert all(seconds > 0.05 for seconds in used), used
    # ... and none is left running.
    assert not any(psutil.pid_exists(pid) for pid in steal.pids)


def test_no_share_starts_nothing() -> None:
    with ProcessorSteal(0) as steal:
        assert steal.pids == []
