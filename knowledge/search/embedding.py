"""The embedder of a knowledge base's embedding profile, behind the shared cache."""

from __future__ import annotations

import functools

from django.conf import settings

from bureau.llm.cache import DatabaseEmbeddingCache, MemoryFrontedCache
from bureau.llm.embedders import CachingEmbedder, Embedder, embedder_for_profile
from knowledge.models import EmbeddingProvider, KnowledgeBase

# The vectors of recent questions, in this process: a chat turn needs its question's vector before
# anything else of the search.
QUESTIONS = MemoryFrontedCache(DatabaseEmbeddingCache())


def embedder_for(knowledge_base: KnowledgeBase) -> CachingEmbedder:
    inner = _inner_embedder(
        knowledge_base.embedding_provider,
        knowledge_base.embedding_model,
        knowledge_base.embedding_dimension,
        knowledge_base.query_prefix,
        knowledge_base.passage_prefix,
        settings.EMBEDDING_BASE_URL,
        settings.EMBEDDING_API_KEY,
    )
    return CachingEmbedder(inner, DatabaseEmbeddingCache(), cache_queries=True, query_cache=QUESTIONS)


@functools.lru_cache(maxsize=64)
def _inner_embedder(
    provider: str,
    model: str,
    dimension: int,
    query_prefix: str,
    passage_prefix: str,
    base_url: str,
    api_key: str,
) -> Embedder:
    """One embedder per profile and process: building an HTTP client (its TLS context) costs tens of
    milliseconds, too much for every question; the clients are thread-safe and pool connections."""
    if provider == EmbeddingProvider.LOCAL:
        return embedder_for_profile("local")
    return embedder_for_profile(
        "openai",
        base_url=base_url,
        api_key=api_key or None,
        model=model,
        dimension=dimension,
        query_prefix=query_prefix,
        passage_prefix=passage_prefix,
    )
