from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.utils.translation import gettext_lazy as _
from pgvector.django import VectorField

from bureau.tenancy.models import Department, Organization, User

# Embedding dimensions that have an HNSW index (migration 0002). One column holds vectors of any
# of these sizes; each size has its own partial index over `embedding::vector(N)`.
SUPPORTED_DIMENSIONS = (384, 768, 1024, 1536)


class Visibility(models.TextChoices):
    PRIVATE = "private", _("Private (its builders)")
    DEPARTMENT = "department", _("Department")
    ORGANIZATION = "organization", _("Organization")


class Classification(models.TextChoices):
    PUBLIC = "public", _("Public")
    INTERNAL = "internal", _("Internal")
    CONFIDENTIAL = "confidential", _("Confidential")
    SECRET = "secret", _("Secret")


class EmbeddingProvider(models.TextChoices):
    LOCAL = "local", _("Built-in multilingual model (on this server)")
    OPENAI = "openai", _("OpenAI-compatible endpoint")


class KnowledgeBase(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="knowledge_bases")
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    visibility = models.CharField(max_length=16, choices=Visibility.choices, default=Visibility.DEPARTMENT)
    classification = models.CharField(
        max_length=16, choices=Classification.choices, default=Classification.INTERNAL
    )
    domain_tags = ArrayField(models.CharField(max_length=64), default=list, blank=True)
    # The embedding profile is chosen at creation; changing it means re-indexing every document.
    embedding_provider = models.CharField(
        max_length=16, choices=EmbeddingProvider.choices, default=EmbeddingProvider.LOCAL
    )
    embedding_model = models.CharField(max_length=200, default="multilingual-e5-small-q4")
    embedding_dimension = models.PositiveIntegerField(default=384)
    query_prefix = models.CharField(max_length=64, blank=True)
    passage_prefix = models.CharField(max_length=64, blank=True)
    chunk_tokens = models.PositiveIntegerField(default=400)
    chunk_overlap = models.PositiveIntegerField(default=60)
    # "" for a knowledge base people manage; "conversation:<id>" for the files attached to one
    # conversation, which no list, assistant or other conversation ever sees.
    scope = models.CharField(max_length=32, blank=True, default="", db_index=True)
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class GrantPermission(models.TextChoices):
    USE = "use", _("Use in assistants")
    EDIT = "edit", _("Edit documents")


class KnowledgeBaseGrant(models.Model):
    """Another department's right to use or edit a knowledge base."""

    knowledge_base = models.ForeignKey(KnowledgeBase, on_delete=models.CASCADE, related_name="grants")
    department = models.ForeignKey(Department, on_delete=models.CASCADE, related_name="+")
    permission = models.CharField(max_length=8, choices=GrantPermission.choices, default=GrantPermission.USE)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["knowledge_base", "department"], name="kb_grant_unique")
        ]

    def __str__(self) -> str:
        return f"{self.department_id} {self.permission} {self.knowledge_base_id}"


class DocumentStatus(models.TextChoices):
    UPLOADED = "uploaded", _("Uploaded")
    QUEUED = "queued", _("Queued")
    PARSING = "parsing", _("Parsing")
    CHUNKING = "chunking", _("Chunking")
    EMBEDDING = "embedding", _("Embedding")
    READY = "ready", _("Ready")
    FAILED = "failed", _("Failed")
    CANCELLING = "cancelling", _("Cancelling")
    CANCELLED = "cancelled", _("Cancelled")


IN_PROGRESS = (
    DocumentStatus.QUEUED,
    DocumentStatus.PARSING,
    DocumentStatus.CHUNKING,
    DocumentStatus.EMBEDDING,
)


class Document(models.Model):
    knowledge_base = models.ForeignKey(KnowledgeBase, on_delete=models.CASCADE, related_name="documents")
    title = models.CharField(max_length=500)
    filename = models.CharField(max_length=255)
    file = models.FileField(upload_to="documents/%Y/%m/", max_length=500)
    size_bytes = models.BigIntegerField()
    sha256 = models.CharField(max_length=64)
    kind = models.CharField(max_length=16, blank=True)  # detected from the content, not the name
    page_count = models.PositiveIntegerField(null=True, blank=True)
    # Metadata of Vietnamese official documents, where found.
    doc_number = models.CharField(max_length=100, blank=True)
    doc_type = models.CharField(max_length=100, blank=True)
    issuer = models.CharField(max_length=300, blank=True)
    issued_on = models.DateField(null=True, blank=True)
    metadata = models.JSONField(default=dict, blank=True)

    status = models.CharField(max_length=16, choices=DocumentStatus.choices, default=DocumentStatus.UPLOADED)
    failed_stage = models.CharField(max_length=16, blank=True)
    failure_reason = models.TextField(blank=True)
    failure_retryable = models.BooleanField(default=False)
    attempts = models.PositiveIntegerField(default=0)
    enabled = models.BooleanField(default=True)
    # Chunks of this generation serve searches; a re-index builds generation + 1 beside them and
    # switches over only when it is complete.
    active_generation = models.PositiveIntegerField(default=0)
    building_generation = models.PositiveIntegerField(default=0)
    chunks_total = models.PositiveIntegerField(default=0)
    chunks_done = models.PositiveIntegerField(default=0)
    parser_version = models.CharField(max_length=32, blank=True)
    chunking_snapshot = models.JSONField(default=dict, blank=True)
    uploaded_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    indexed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["knowledge_base", "sha256"], name="document_sha256_unique")
        ]
        indexes = [models.Index(fields=["status", "updated_at"])]

    def __str__(self) -> str:
        return self.title


class RunStatus(models.TextChoices):
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")
    SUPERSEDED = "superseded", _("Superseded")


class IndexingRun(models.Model):
    """One attempt at indexing a document: its stage, progress and heartbeat."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="runs")
    generation = models.PositiveIntegerField()
    attempt = models.PositiveIntegerField()
    status = models.CharField(max_length=16, choices=RunStatus.choices, default=RunStatus.RUNNING)
    stage = models.CharField(max_length=16, choices=DocumentStatus.choices, default=DocumentStatus.QUEUED)
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    cancel_requested = models.BooleanField(default=False)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    timings = models.JSONField(default=dict, blank=True)  # seconds per stage
    error = models.TextField(blank=True)
    requeues = models.PositiveIntegerField(default=0)  # by the watchdog

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["status", "heartbeat_at"])]

    def __str__(self) -> str:
        return f"run {self.pk} of document {self.document_id}"


class Chunk(models.Model):
    knowledge_base = models.ForeignKey(KnowledgeBase, on_delete=models.CASCADE, related_name="+")
    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="chunks")
    generation = models.PositiveIntegerField()
    # Denormalized "serves searches": the document's active generation and enabled. Kept here so
    # that the vector index scan filters on the row itself, with no join.
    active = models.BooleanField(default=False)
    ordinal = models.PositiveIntegerField()
    section_key = models.CharField(max_length=300, blank=True)
    section_title = models.CharField(max_length=500, blank=True)
    heading_path = ArrayField(models.TextField(), default=list, blank=True)
    page_start = models.PositiveIntegerField(null=True, blank=True)
    page_end = models.PositiveIntegerField(null=True, blank=True)
    text = models.TextField()
    token_count = models.PositiveIntegerField()
    embedding = VectorField(null=True, blank=True)  # the dimension is the knowledge base's
    embedding_dim = models.PositiveSmallIntegerField(null=True, blank=True)
    search_exact = SearchVectorField(null=True)
    search_folded = SearchVectorField(null=True)
    # The folded lexemes without their positions, kept in the row (storage MAIN): what the keyword
    # leg tests to find its candidates, without reading the folded tsvector out of line
    # (knowledge/migrations/0007_chunk_search_keys.py).
    search_keys = models.GeneratedField(
        expression=models.Func(models.F("search_folded"), function="strip", output_field=SearchVectorField()),
        output_field=SearchVectorField(null=True),
        db_persist=True,
    )
    legal_refs = ArrayField(models.CharField(max_length=100), default=list, blank=True)

    class Meta:
        ordering = ["document_id", "generation", "ordinal"]
        constraints = [
            models.UniqueConstraint(
                fields=["document", "generation", "ordinal"], name="chunk_position_unique"
            )
        ]
        indexes = [
            models.Index(fields=["knowledge_base", "active"]),
            models.Index(fields=["document", "generation"]),
            GinIndex(fields=["search_exact"], name="chunk_search_exact_gin"),
            GinIndex(fields=["search_keys"], name="chunk_search_keys_gin"),
            GinIndex(fields=["legal_refs"], name="chunk_legal_refs_gin"),
        ]

    def __str__(self) -> str:
        return f"chunk {self.ordinal} of document {self.document_id}"


class KeywordTermStat(models.Model):
    """Document frequency of one lexeme among a knowledge base's active chunks, in the exact and
    the folded tsvector. PostgreSQL's ts_rank has no IDF; retrieval reads these for a BM25 score.
    Maintained by knowledge.search.active_chunks when chunks start or stop serving searches."""

    # No index of its own: the unique (knowledge_base, lexeme) index serves lookups by knowledge
    # base too. With one, a newly indexed knowledge base whose statistics PostgreSQL has not yet
    # sampled led the planner to read all of the base's terms (20,000 rows for one decree) and
    # filter them, for every search, instead of fetching the query's dozen terms.
    knowledge_base = models.ForeignKey(
        KnowledgeBase, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    lexeme = models.TextField()
    df_exact = models.IntegerField(default=0)
    df_folded = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["knowledge_base", "lexeme"], name="keyword_term_stat_unique")
        ]

    def __str__(self) -> str:
        return f"{self.lexeme} in {self.knowledge_base_id}"


class KeywordBaseStat(models.Model):
    """How many chunks of a knowledge base serve searches and their total length (BM25's N, avgdl)."""

    knowledge_base = models.OneToOneField(
        KnowledgeBase, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    chunk_count = models.BigIntegerField(default=0)
    total_tokens = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.chunk_count} chunks in {self.knowledge_base_id}"


class DataTable(models.Model):
    """A table of a spreadsheet (an XLSX sheet or a CSV file), kept for read-only SQL by the
    analyze_table tool. Rows are JSON lists in column order; a table larger than the cell budget
    keeps its first rows and says so."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="tables")
    knowledge_base = models.ForeignKey(KnowledgeBase, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=63)  # a safe SQL identifier: the sheet name or file stem
    sheet = models.CharField(max_length=200, blank=True)
    title = models.CharField(max_length=500, blank=True)  # a report's title rows above its header
    # [{"name": ..., "type": "integer|number|date|text"}], and "role": "row_kind" on the column that
    # marks group, subtotal and total rows, "mixed_formats" on one whose numbers mix 1.234,5 and 1,234.5
    columns = models.JSONField(default=list)
    rows = models.JSONField(default=list)
    row_count = models.PositiveIntegerField(default=0)  # rows stored
    truncated = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["document_id", "id"]

    def __str__(self) -> str:
        return self.name
