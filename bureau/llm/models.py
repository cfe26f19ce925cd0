from __future__ import annotations

from django.db import models
from pgvector.django import VectorField


class EmbeddingCacheEntry(models.Model):
    """Vectors already paid for, keyed by (model key, sha256 of the text). The model key names the
    model, its dimension and its prefixes (see bureau.llm.embedders.CachingEmbedder)."""

    model_key = models.CharField(max_length=300)
    text_hash = models.CharField(max_length=64)
    embedding = VectorField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["model_key", "text_hash"], name="embedding_cache_key")]

    def __str__(self) -> str:
        return f"{self.model_key}:{self.text_hash[:12]}"
