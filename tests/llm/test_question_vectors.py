"""The vectors of recent questions stay in the process (bureau/llm/cache.py MemoryFrontedCache):
a chat turn does not read its question's vector from the database again."""

from __future__ import annotations

from typing import Any

import pytest

from bureau.llm.cache import DatabaseEmbeddingCache, MemoryFrontedCache
from bureau.llm.embedders import CachingEmbedder


class _Counting:
    model_name = "count-embed"
    dimension = 3

    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    def embed_queries(self, texts: list[str]) -> list[list[float]]:
        self.calls.append(texts)
        return [[float(len(t)), 1.0, 0.0] for t in texts]

    def embed_passages(self, texts: list[str]) -> list[list[float]]:
        return [[0.0, 0.0, float(len(t))] for t in texts]


@pytest.mark.django_db
def test_a_question_asked_again_reads_neither_the_database_nor_the_model(
    django_assert_num_queries: Any,
) -> None:
    inner = _Counting()
    questions = MemoryFrontedCache(DatabaseEmbeddingCache(), max_entries=2)
    embedder = CachingEmbedder(inner, DatabaseEmbeddingCache(), cache_queries=True, query_cache=questions)
    first = embedder.embed_queries(["Lệ phí cấp căn cước?"])
    with django_assert_num_queries(0):
        assert embedder.embed_queries(["Lệ phí cấp căn cước?"]) == first
    assert len(inner.calls) == 1
    # The database keeps it too: another process (a fresh front) reads it there, not from the model.
    other = CachingEmbedder(
        inner,
        DatabaseEmbeddingCache(),
        cache_queries=True,
        query_cache=MemoryFrontedCache(DatabaseEmbeddingCache()),
    )
    with django_assert_num_queries(1):
        assert other.embed_queries(["Lệ phí cấp căn cước?"]) == first
    assert len(inner.calls) == 1


@pytest.mark.django_db
def test_the_front_keeps_only_the_latest_entries() -> None:
    questions = MemoryFrontedCache(DatabaseEmbeddingCache(), max_entries=2)
    questions.put_many("m|query", {"a": [1.0], "b": [2.0], "c": [3.0]})
    assert list(questions._entries) == [("m|query", "b"), ("m|query", "c")]
    assert questions.get_many("m|query", ["a"]) == {"a": [1.0]}  # from the database behind it
