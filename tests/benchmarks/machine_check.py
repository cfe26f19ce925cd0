"""What the machine charges for touching memory again after a pause: the benchmarks print it beside
their figures, because on a virtual machine it can be most of a figure and it changes by the hour.

On the development machine, reading one byte of each 4 KiB page of a 64 MiB buffer takes about 1 ms
when the buffer was just read, but 15-20 ms after a pause of 0.1 s and 50-230 ms after 2.4 s (the
pause between one person's questions in bench_chat.py), whether the pages are read or written,
with transparent huge pages or not, and with the guest's own memory monitor (DAMON) off: the host
behind the virtual machine makes pages left alone slow to reach again. A chat turn at 1 stream
finds the web process's and the database's pages in that state, so its time to first token moves
with this figure, not only with the platform's code.

It also times a fixed piece of Python work, as CPU time of its thread: on this machine the same
work varied by a factor of two within one idle minute, so a run's figures are read beside how fast
the processor was then. bench_chat.py takes this reading during each run as well (`WorkProbe`).
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import threading
import time

PAGE = 4096


def memory_retouch_ms(pauses: tuple[float, ...] = (0.0, 0.1, 2.4), mebibytes: int = 64) -> dict[str, float]:
    """For each pause (seconds), the median of 3 times (ms) to read each page of a buffer again
    after leaving it alone that long."""
    buffer = bytearray(mebibytes * 1024 * 1024)
    buffer[::PAGE] = b"\x01" * (len(buffer) // PAGE)  # every page mapped before the first read
    result = {}
    for pause in pauses:
        times = []
        for _ in range(3):
            time.sleep(pause)
            started = time.perf_counter()
            bytes(buffer[::PAGE])  # one byte of each page
            times.append((time.perf_counter() - started) * 1000)
        result[f"{pause:g}"] = round(statistics.median(times), 1)
    return result


def python_work_ms() -> float:
    """The CPU time (ms) of a fixed piece of pure Python work, in this thread: time spent waiting
    for a core or for the GIL is not counted, time the host took the core away is."""
    started = time.thread_time()
    total = 0
    for number in range(100_000):
        total += number * number % 7
    return (time.thread_time() - started) * 1000


def python_work_summary(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "samples": len(ordered),
        "min": round(ordered[0], 1),
        "median": round(statistics.median(ordered), 1),
        "max": round(ordered[-1], 1),
    }


def python_work_now(samples: int = 10, pause: float = 0.1) -> dict[str, float]:
    times = []
    for _ in range(samples):
        times.append(python_work_ms())
        time.sleep(pause)
    return python_work_summary(times)


class WorkProbe:
    """Times the fixed work every `every` seconds while a run goes on, in a process of its own (in
    the benchmark's process it would hold the GIL that stamps the tokens' arrival), taking well
    under 1% of one core: how fast the processor was during the run, not only before and after."""

    def __init__(self, every: float = 1.0) -> None:
        self.every = every
        self.samples: list[float] = []
        self._process: subprocess.Popen[str] | None = None
        self._reader = threading.Thread(target=self._read, name="work-probe", daemon=True)

    def _read(self) -> None:
        assert self._process is not None and self._process.stdout is not None
        for line in self._process.stdout:
            self.samples.append(float(line))

    def __enter__(self) -> WorkProbe:
        self._process = subprocess.Popen(
            [sys.executable, __file__, "--probe", str(self.every)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self._reader.start()
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._process is not None and self._process.stdin is not None
        self._process.stdin.close()  # the probe's signal to stop
        self._process.wait(10)
        self._reader.join(10)

    def summary(self) -> dict[str, float] | None:
        return python_work_summary(self.samples) if self.samples else None


def describe(retouch: dict[str, float], work: dict[str, float] | None = None) -> str:
    parts = [f"{ms:g} ms " + (f"after {at} s" if at != "0" else "at once") for at, ms in retouch.items()]
    text = "reading 64 MiB again took " + ", ".join(parts)
    if work:
        text += f"; the fixed Python work took {describe_work(work)}"
    return text


def describe_work(work: dict[str, float]) -> str:
    return f"{work['median']:g} ms of CPU (median of {work['samples']:g}; {work['min']:g}–{work['max']:g})"


def _probe(every: float) -> None:
    """WorkProbe's process: one time per line until its standard input closes."""
    stopped = threading.Event()

    def wait_for_stdin_to_close() -> None:
        sys.stdin.read()
        stopped.set()

    threading.Thread(target=wait_for_stdin_to_close, daemon=True).start()
    while not stopped.wait(every):
        print(f"{python_work_ms():.3f}", flush=True)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--probe"]:
        _probe(float(sys.argv[2]))
    else:
        print(describe(memory_retouch_ms(), python_work_now()))
