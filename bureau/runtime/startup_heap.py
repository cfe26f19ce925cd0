"""Keep the objects a web process loads at start-up out of the garbage collector's full passes.

After start-up and the URLconf's import (which imports every view, serializer and model), a web
process holds a great many container objects that live as long as it does: modules, classes,
functions, pydantic validators, Django's registries. CPython's full (generation 2) collection walks
all of them each time, and it runs whenever enough objects have survived the younger generations,
several times a minute under load; for as long as it runs, the event loop relays no token of any
stream in the process (figures: docs/performance.md). Freezing them moves them into the
permanent generation, which no collection walks; objects made later (per request, caches filled
lazily) are collected as before.
"""

import gc


def freeze_startup_objects() -> int:
    """Import the URLconf (and with it every view), drop start-up's garbage, then freeze what is
    left; returns how many objects are now frozen."""
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - imports every view module
    gc.collect()  # so that start-up's garbage is freed, not kept frozen for ever
    gc.freeze()
    return gc.get_freeze_count()
