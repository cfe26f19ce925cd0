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


class ModelProvider(models.Model):
    """An OpenAI-compatible endpoint: OpenAI, Azure OpenAI, vLLM, Ollama, LM Studio, TEI, …"""

    organization = models.ForeignKey("tenancy.Organization", on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=200)
    base_url = models.URLField(max_length=500)
    api_key_encrypted = models.TextField(blank=True)  # bureau.security.crypto; never returned by the API
    chat_models = models.JSONField(default=list, blank=True)
    embedding_models = models.JSONField(default=list, blank=True)
    default_chat_model = models.CharField(max_length=200, blank=True)
    on_premises = models.BooleanField(default=False, help_text="Runs inside the organization's network")
    # Classifications of knowledge this provider may receive (public, internal, confidential, secret).
    allowed_classifications = models.JSONField(default=list, blank=True)
    is_default = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="model_provider_name_unique"),
            models.UniqueConstraint(
                fields=["organization"],
                condition=models.Q(is_default=True),
                name="model_provider_one_default",
            ),
        ]

    def __str__(self) -> str:
        return self.name
