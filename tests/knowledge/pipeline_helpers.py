"""Helpers for pipeline tests: uploading real files through the service, and a fast deterministic
embedder standing in for the local model where a test is about the pipeline, not about meaning."""

from __future__ import annotations

import hashlib
import math
from pathlib import Path
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from bureau.llm.cache import DatabaseEmbeddingCache
from bureau.llm.embedders import CachingEmbedder
from knowledge import services
from knowledge.ingestion import pipeline
from knowledge.models import Document, KnowledgeBase

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "documents"


class HashEmbedder:
    """Bag-of-words vectors from hashed syllables: texts sharing words are close. 384 dimensions."""

    model_name = "test-hash"
    dimension = 384

    def __init__(self) -> None:
        self.calls = 0

    def _vector(self, text: str) -> list[float]:
        vector = [0.0] * self.dimension
        for word in text.lower().split():
            digest = hashlib.blake2b(word.encode(), digest_size=4).digest()
            vector[int.from_bytes(digest, "little") % self.dimension] += 1.0
        norm = math.sqrt(sum(v * v for v in vector)) or 1.0
        return [v / norm for v in vector]

    def embed_passages(self, texts: list[str]) -> list[list[float]]:
        self.calls += 1
        return [self._vector(t) for t in texts]

    def embed_queries(self, texts: list[str]) -> list[list[float]]:
        return [self._vector(t) for t in texts]


def use_hash_embedder(monkeypatch: Any) -> HashEmbedder:
    inner = HashEmbedder()
    monkeypatch.setattr(
        "knowledge.search.embedding.embedder_for",
        lambda kb: CachingEmbedder(inner, DatabaseEmbeddingCache(), cache_queries=True),
    )
    return inner


def upload(
    knowledge_base: KnowledgeBase, name: str, content: bytes, actor: Any = None
) -> services.UploadResult:
    [result] = services.document_upload(
        actor=actor, knowledge_base=knowledge_base, files=[SimpleUploadedFile(name, content)], dispatch=False
    )
    return result


def upload_and_index(knowledge_base: KnowledgeBase, name: str, content: bytes) -> Document:
    result = upload(knowledge_base, name, content)
    assert result.document is not None, result.reason
    return pipeline.index_document_inline(result.document)
