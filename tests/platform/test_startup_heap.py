"""A web process freezes what it loaded at start-up (bureau/runtime/startup_heap.py), so that the garbage
collector's full passes, which stop its event loop, walk only what came later."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_asgi_application_freezes_the_objects_loaded_at_start_up() -> None:
    # In a process of its own, as a web worker imports it: this one's heap is pytest's.
    printed = subprocess.run(
        [
            sys.executable,
            "-c",
            "import gc, sys, bureau.asgi; "
            "print(gc.get_freeze_count(), len(gc.get_objects()), 'assistants.chat.views' in sys.modules)",
        ],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "bureau.settings"},
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    frozen, left, views_loaded = int(printed[0]), int(printed[1]), printed[2]
    # Django, the apps and every view (the URLconf imports them) are frozen; the collector's
    # generations are left with what the import made after the freeze, next to nothing.
    assert views_loaded == "True"
    assert frozen > 100_000
    assert left < frozen / 100


def test_freezing_leaves_start_ups_garbage_out_and_later_objects_collectable() -> None:
    from bureau.runtime.startup_heap import freeze_startup_objects

    class Cyclic:
        itself: object = None

    garbage = Cyclic()
    garbage.itself = garbage  # a cycle: only the collector frees it
    del garbage
    try:
        frozen = freeze_startup_objects()
        # (A frozen object freed by reference counting leaves the count: it moves by a few.)
        assert frozen > 10_000 and gc.get_freeze_count() > 10_000
        # The start-up's cyclic garbage was collected before the freeze, not frozen with the rest.
        assert not any(isinstance(each, Cyclic) for each in gc.get_objects())
        # What is made afterwards is in the generations, and collected as before.
        later = Cyclic()
        later.itself = later
        assert gc.is_tracked(later)
        del later
        assert gc.collect() >= 1
    finally:
        gc.unfreeze()  # this is pytest's process: give the collector its objects back
