"""The embedder of a knowledge base's embedding profile, behind the shared cache."""

from __future__ import annotations

from django.conf import settings

from bureau.llm.cache import DatabaseEmbeddingCache
from bureau.llm.embedders import CachingEmbedder, Embedder, embedder_for_profile
from knowledge.models import EmbeddingProvider, KnowledgeBase


def embedder_for(knowledge_base: KnowledgeBase) -> CachingEmbedder:
    inner: Embedder
    if knowledge_base.embedding_provider == EmbeddingProvider.LOCAL:
        inner = embedder_for_profile("local")
    else:
        inner = embedder_for_profile(
            "openai",
            base_url=settings.EMBEDDING_BASE_URL,
            api_key=settings.EMBEDDING_API_KEY or None,
            model=knowledge_base.embedding_model,
            dimension=knowledge_base.embedding_dimension,
            query_prefix=knowledge_base.query_prefix,
            passage_prefix=knowledge_base.passage_prefix,
        )
    return CachingEmbedder(inner, DatabaseEmbeddingCache(), cache_queries=True)
