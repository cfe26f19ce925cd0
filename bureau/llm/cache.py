"""The embedding cache in PostgreSQL: vectors already paid for are never asked for again."""

from __future__ import annotations

import threading
from collections import OrderedDict

from bureau.llm.embedders import EmbeddingCache
from bureau.llm.models import EmbeddingCacheEntry


class DatabaseEmbeddingCache:
    def get_many(self, model: str, hashes: list[str]) -> dict[str, list[float]]:
        rows = EmbeddingCacheEntry.objects.filter(model_key=model, text_hash__in=hashes).values_list(
            "text_hash", "embedding"
        )
        return {text_hash: list(vector) for text_hash, vector in rows}

    def put_many(self, model: str, items: dict[str, list[float]]) -> None:
        EmbeddingCacheEntry.objects.bulk_create(
            [EmbeddingCacheEntry(model_key=model, text_hash=h, embedding=v) for h, v in items.items()],
            ignore_conflicts=True,  # another worker cached the same text meanwhile: same vector
            batch_size=500,
        )


class MemoryFrontedCache:
    """The last `max_entries` vectors in this process, in front of another cache: for the questions
    of chat turns, whose vector would otherwise be read from the database (and parsed) at each turn
    on the way to the first token. A vector depends only on its (model, text hash) key, so an entry
    never goes stale."""

    def __init__(self, behind: EmbeddingCache, max_entries: int = 2048) -> None:
        self.behind = behind
        self.max_entries = max_entries
        self._entries: OrderedDict[tuple[str, str], list[float]] = OrderedDict()
        self._lock = threading.Lock()

    def get_many(self, model: str, hashes: list[str]) -> dict[str, list[float]]:
        found = {h: v for h in hashes if (v := self._entries.get((model, h))) is not None}
        missing = [h for h in hashes if h not in found]
        if missing:
            fetched = self.behind.get_many(model, missing)
            self._remember(model, fetched)
            found.update(fetched)
        return found

    def put_many(self, model: str, items: dict[str, list[float]]) -> None:
        self.behind.put_many(model, items)
        self._remember(model, items)

    def _remember(self, model: str, items: dict[str, list[float]]) -> None:
        with self._lock:
            for text_hash, vector in items.items():
                self._entries[(model, text_hash)] = vector
                self._entries.move_to_end((model, text_hash))
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
