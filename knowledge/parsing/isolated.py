"""Run a parse in a forked child process, under a memory cap and a deadline.

Parsers are C libraries (pdfium, libxml2, tesseract) fed with untrusted bytes. A hostile file can
make one of them allocate without bound, loop, or crash outright; in the worker's own process any of
these would take the worker down (and every task it holds) instead of failing one document. In a
child, the worst case is a dead child: the worker reads why and reports it as a ``ParseError``.

The memory cap is ``RLIMIT_AS`` set in the child to its inherited address space plus an allowance:
the worker may already map gigabytes (the embedding model), which the parse must not be charged for.
Pure Python, no Django: the caller passes the limits.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import resource
import select
import signal
import time
from collections.abc import Callable
from typing import Any, TypeVar

from .base import ParseError

T = TypeVar("T")

_READ_CHUNK = 1 << 20


def memory_error(limit_mb: int) -> ParseError:
    return ParseError(
        "too_much_memory",
        f"reading the file needed more memory than the limit of {limit_mb} MB",
        f"đọc tệp cần nhiều bộ nhớ hơn giới hạn {limit_mb} MB",
    )


def timeout_error(seconds: float) -> ParseError:
    return ParseError(
        "parse_timeout",
        f"reading the file took longer than the limit of {int(seconds)} seconds",
        f"đọc tệp mất nhiều thời gian hơn giới hạn {int(seconds)} giây",
    )


def crashed_error(detail: str) -> ParseError:
    return ParseError(
        "parser_crashed",
        "the file made the document reader stop unexpectedly; it is probably damaged or hostile",
        "tệp làm trình đọc tài liệu dừng đột ngột; tệp có thể bị hỏng hoặc chứa nội dung độc hại",
        detail,
    )


def _address_space_bytes() -> int:
    """This process's current virtual size (VmSize), or 0 when /proc is not there."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0


def _error_args(error: ParseError) -> tuple[str, str, str, str]:
    return (error.code, error.reason, error.reason_vi, error.detail[:2000])


def _child(fn: Callable[[], Any], write_fd: int, cap_bytes: int, memory_mb: int) -> None:
    """Never returns: the child leaves with os._exit, so that nothing inherited from the worker (its
    database connections, atexit hooks, Celery's signal handlers) runs a second time here."""
    code = 0
    try:
        # A process group of its own: the converters and OCR it starts (antiword, tesseract) are
        # stopped with it at the deadline instead of running on as orphans.
        with contextlib.suppress(OSError):
            os.setpgid(0, 0)
        for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGUSR1, signal.SIGHUP):
            signal.signal(signum, signal.SIG_DFL)
        if cap_bytes:
            resource.setrlimit(resource.RLIMIT_AS, (cap_bytes, cap_bytes))
        try:
            result: tuple[str, Any] = ("ok", fn())
        except ParseError as error:
            # A library that could not allocate (or map itself in) under the cap says so its own way.
            out_of_memory = error.code == "too_large" or any(
                sign in error.detail for sign in ("failed to map segment", "Cannot allocate memory")
            )
            result = ("error", _error_args(memory_error(memory_mb) if out_of_memory else error))
        except MemoryError:
            result = ("error", _error_args(memory_error(memory_mb)))
        except BaseException as error:  # anything else is the reader failing on this file
            result = ("error", _error_args(crashed_error(f"{type(error).__name__}: {error}")))
        try:
            payload = pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)
        except MemoryError:
            payload = pickle.dumps(("error", _error_args(memory_error(memory_mb))))
        view = memoryview(payload)
        while view:
            written = os.write(write_fd, view)
            view = view[written:]
    except BaseException:
        code = 1
    finally:
        os._exit(code)


def _kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def run_isolated(
    fn: Callable[[], T],
    *,
    memory_mb: int,
    timeout: float,
    tick: Callable[[], None] | None = None,
    tick_every: float = 20.0,
) -> T:
    """Call ``fn`` in a forked child and return its (picklable) result, or raise its ParseError.

    ``memory_mb`` (0: no cap) is what the child may allocate beyond what it inherits; ``timeout``
    is in seconds. ``tick`` is called every ``tick_every`` seconds while waiting (the indexing
    run's heartbeat), here in the caller's thread, so that no thread runs while forking.
    """
    read_fd, write_fd = os.pipe()
    cap = _address_space_bytes() + memory_mb * 1024 * 1024 if memory_mb > 0 else 0
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child's coverage is not collected
        os.close(read_fd)
        _child(fn, write_fd, cap, memory_mb)
    with contextlib.suppress(OSError):  # also here: whichever side runs first, the group exists
        os.setpgid(pid, pid)
    os.close(write_fd)
    chunks: list[bytes] = []
    finished = timed_out = False
    started = next_tick = time.monotonic()
    next_tick += tick_every
    try:
        while True:
            now = time.monotonic()
            if now - started >= timeout:
                timed_out = True
                break
            if tick is not None and now >= next_tick:
                tick()
                next_tick = now + tick_every
            wait = min(1.0, timeout - (now - started), next_tick - now if tick else 1.0)
            ready, _, _ = select.select([read_fd], [], [], max(wait, 0.01))
            if ready:
                data = os.read(read_fd, _READ_CHUNK)
                if not data:
                    finished = True
                    break
                chunks.append(data)
    finally:
        os.close(read_fd)
        if not finished:  # a deadline, or the worker itself being stopped (Celery's time limit)
            _kill_group(pid)
        _, status = os.waitpid(pid, 0)
    if timed_out:
        raise timeout_error(timeout)
    if os.WIFSIGNALED(status):
        name = signal.Signals(os.WTERMSIG(status)).name
        if os.WTERMSIG(status) == signal.SIGKILL:
            # Nobody here sent it: the kernel's out-of-memory killer did.
            raise memory_error(memory_mb)
        raise crashed_error(f"the reader was killed by {name}")
    payload = b"".join(chunks)
    if not payload:
        raise crashed_error(f"the reader exited with code {os.WEXITSTATUS(status)} and no result")
    outcome, value = pickle.loads(payload)  # noqa: S301 - our own child, over our own pipe
    if outcome == "ok":
        return value
    raise ParseError(*value)
