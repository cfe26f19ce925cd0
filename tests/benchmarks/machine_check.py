"""What the machine charges for touching memory again after a pause: the benchmarks print it beside
their figures, because on a virtual machine it can be most of a figure and it changes by the hour.

On the development machine, reading one byte of each 4 KiB page of a 64 MiB buffer takes about 1 ms
when the buffer was just read, but 15-20 ms after a pause of 0.1 s and 50-230 ms after 2.4 s (the
pause between one person's questions in bench_chat.py), whether the pages are read or written,
with transparent huge pages or not, and with the guest's own memory monitor (DAMON) off: the host
behind the virtual machine makes pages left alone slow to reach again. A chat turn at 1 stream
finds the web process's and the database's pages in that state, so its time to first token moves
with this figure, not only with the platform's code.
"""

from __future__ import annotations

import statistics
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


def describe(retouch: dict[str, float]) -> str:
    parts = [f"{ms:g} ms " + (f"after {at} s" if at != "0" else "at once") for at, ms in retouch.items()]
    return "reading 64 MiB again took " + ", ".join(parts)


if __name__ == "__main__":
    print(describe(memory_retouch_ms()))
