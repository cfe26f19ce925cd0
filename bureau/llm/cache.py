"""The embedding cache in PostgreSQL: vectors already paid for are never asked for again."""

from __future__ import annotations

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
