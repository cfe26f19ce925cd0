from __future__ import annotations

from rest_framework import serializers

from knowledge.models import (
    Classification,
    Document,
    EmbeddingProvider,
    GrantPermission,
    IndexingRun,
    KnowledgeBase,
    KnowledgeBaseGrant,
    Visibility,
)


class KnowledgeBaseSerializer(serializers.ModelSerializer[KnowledgeBase]):
    department_name = serializers.CharField(source="department.name", read_only=True)
    document_count = serializers.IntegerField(read_only=True, default=None, allow_null=True)

    class Meta:
        model = KnowledgeBase
        fields = [
            "id",
            "organization",
            "department",
            "department_name",
            "name",
            "description",
            "visibility",
            "classification",
            "domain_tags",
            "embedding_provider",
            "embedding_model",
            "embedding_dimension",
            "query_prefix",
            "passage_prefix",
            "chunk_tokens",
            "chunk_overlap",
            "document_count",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class KnowledgeBaseWriteSerializer(serializers.Serializer):
    department = serializers.IntegerField(required=False, help_text="Owner department; default: your own")
    name = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True)
    visibility = serializers.ChoiceField(choices=Visibility.choices, required=False)
    classification = serializers.ChoiceField(choices=Classification.choices, required=False)
    domain_tags = serializers.ListField(
        child=serializers.CharField(max_length=64), required=False, max_length=20
    )
    embedding_provider = serializers.ChoiceField(choices=EmbeddingProvider.choices, required=False)
    embedding_model = serializers.CharField(max_length=200, required=False)
    embedding_dimension = serializers.IntegerField(required=False)
    query_prefix = serializers.CharField(max_length=64, required=False, allow_blank=True)
    passage_prefix = serializers.CharField(max_length=64, required=False, allow_blank=True)
    chunk_tokens = serializers.IntegerField(required=False)
    chunk_overlap = serializers.IntegerField(required=False)


class GrantSerializer(serializers.ModelSerializer[KnowledgeBaseGrant]):
    class Meta:
        model = KnowledgeBaseGrant
        fields = ["id", "knowledge_base", "department", "permission", "created_at"]
        read_only_fields = fields


class GrantWriteSerializer(serializers.Serializer):
    department = serializers.IntegerField()
    permission = serializers.ChoiceField(choices=GrantPermission.choices, default=GrantPermission.USE)


class DocumentSerializer(serializers.ModelSerializer[Document]):
    progress = serializers.SerializerMethodField()

    class Meta:
        model = Document
        fields = [
            "id",
            "knowledge_base",
            "title",
            "filename",
            "size_bytes",
            "sha256",
            "kind",
            "page_count",
            "doc_number",
            "doc_type",
            "issuer",
            "issued_on",
            "metadata",
            "status",
            "failed_stage",
            "failure_reason",
            "failure_retryable",
            "attempts",
            "enabled",
            "active_generation",
            "building_generation",
            "chunks_total",
            "chunks_done",
            "progress",
            "created_at",
            "updated_at",
            "indexed_at",
        ]
        read_only_fields = fields

    def get_progress(self, document: Document) -> float:
        """0..1 over the whole pipeline, for a progress bar: embedding is most of the work."""
        stages = {"uploaded": 0.0, "queued": 0.02, "parsing": 0.05, "chunking": 0.15, "ready": 1.0}
        if document.status == "embedding" and document.chunks_total:
            return round(0.2 + 0.8 * document.chunks_done / document.chunks_total, 3)
        return stages.get(document.status, 0.0)


class DocumentUpdateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=500, required=False)
    enabled = serializers.BooleanField(required=False)


class UploadSerializer(serializers.Serializer):
    files = serializers.ListField(
        child=serializers.FileField(allow_empty_file=True), min_length=1, max_length=100
    )


class UploadResultSerializer(serializers.Serializer):
    filename = serializers.CharField()
    outcome = serializers.ChoiceField(choices=["created", "duplicate", "rejected"])
    reason = serializers.CharField()
    document = DocumentSerializer(allow_null=True)


class IndexingRunSerializer(serializers.ModelSerializer[IndexingRun]):
    class Meta:
        model = IndexingRun
        fields = [
            "id",
            "generation",
            "attempt",
            "status",
            "stage",
            "progress_done",
            "progress_total",
            "heartbeat_at",
            "cancel_requested",
            "started_at",
            "finished_at",
            "timings",
            "error",
            "requeues",
        ]
        read_only_fields = fields


class ChunkSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    ordinal = serializers.IntegerField()
    heading_path = serializers.ListField(child=serializers.CharField())
    section_key = serializers.CharField()
    page_start = serializers.IntegerField(allow_null=True)
    page_end = serializers.IntegerField(allow_null=True)
    token_count = serializers.IntegerField()
    text = serializers.CharField()
    legal_refs = serializers.ListField(child=serializers.CharField())


class SearchRequestSerializer(serializers.Serializer):
    query = serializers.CharField(max_length=2000)
    top_k = serializers.IntegerField(min_value=1, max_value=50, default=8)
    mode = serializers.ChoiceField(choices=["hybrid", "vector", "keyword"], default="hybrid")
    min_similarity = serializers.FloatField(required=False, allow_null=True, min_value=-1, max_value=1)


class SearchHitSerializer(serializers.Serializer):
    chunk_id = serializers.IntegerField()
    document_id = serializers.IntegerField()
    document_title = serializers.CharField()
    knowledge_base_id = serializers.IntegerField()
    text = serializers.CharField()
    heading_path = serializers.ListField(child=serializers.CharField())
    page_start = serializers.IntegerField(allow_null=True)
    page_end = serializers.IntegerField(allow_null=True)
    score = serializers.FloatField()
    vector_similarity = serializers.FloatField(allow_null=True)
    vector_rank = serializers.IntegerField(allow_null=True)
    keyword_score = serializers.FloatField(allow_null=True)
    keyword_rank = serializers.IntegerField(allow_null=True)
    legal_match = serializers.IntegerField()
