from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from bureau.tenancy.models import ApiKey, Department, Organization, User
from knowledge.models import Chunk, Document, KnowledgeBase, Visibility


class PiiRedaction(models.TextChoices):
    """Whether personal data is replaced by placeholders before text goes to a provider outside the
    organization (bureau.security.pii). "never" is for org admins only."""

    INHERIT = "inherit", _("As the organization's policy says")
    ALWAYS = "always", _("Always")
    NEVER = "never", _("Never")


class Assistant(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="assistants")
    # The id of the assistant in the OpenAI-compatible API: unique in the organization.
    slug = models.SlugField(max_length=100)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    avatar = models.CharField(max_length=16, blank=True, help_text="An emoji or two letters")
    visibility = models.CharField(max_length=16, choices=Visibility.choices, default=Visibility.DEPARTMENT)
    published_version = models.ForeignKey(
        "AssistantVersion", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    legal_hold = models.BooleanField(default=False)
    pii_redaction = models.CharField(max_length=8, choices=PiiRedaction.choices, default=PiiRedaction.INHERIT)
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["organization", "slug"], name="assistant_slug_unique")]

    def __str__(self) -> str:
        return self.name


class ShareRole(models.TextChoices):
    VIEWER = "viewer", _("Viewer")
    EDITOR = "editor", _("Editor")


class AssistantShare(models.Model):
    """An assistant shared with one user or one department, as viewer or editor."""

    assistant = models.ForeignKey(Assistant, on_delete=models.CASCADE, related_name="shares")
    user = models.ForeignKey(User, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    department = models.ForeignKey(
        Department, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    role = models.CharField(max_length=8, choices=ShareRole.choices, default=ShareRole.VIEWER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(user__isnull=False, department__isnull=True)
                | models.Q(user__isnull=True, department__isnull=False),
                name="assistant_share_one_target",
            )
        ]

    def __str__(self) -> str:
        return f"{self.assistant_id} → {self.user_id or self.department_id} ({self.role})"


class VersionState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted for review")
    PUBLISHED = "published", _("Published")
    RETIRED = "retired", _("Retired")


class AssistantVersion(models.Model):
    """Everything that decides how an assistant answers. The draft is edited in place; publishing
    copies it into a numbered version that never changes again."""

    assistant = models.ForeignKey(Assistant, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(null=True, blank=True)  # none for the draft
    state = models.CharField(max_length=16, choices=VersionState.choices, default=VersionState.DRAFT)
    instructions = models.TextField(blank=True)
    conversation_starters = models.JSONField(default=list, blank=True)
    model_provider = models.ForeignKey(
        "llm.ModelProvider", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    model_name = models.CharField(max_length=200, blank=True)
    temperature = models.FloatField(default=0.2)
    max_tokens = models.PositiveIntegerField(default=1024)
    # Retrieval settings.
    top_k = models.PositiveIntegerField(default=6)
    min_similarity = models.FloatField(null=True, blank=True)
    knowledge_only = models.BooleanField(default=False, help_text="Answer only from the knowledge")
    refusal_message = models.TextField(blank=True)
    knowledge_bases = models.ManyToManyField(KnowledgeBase, blank=True, related_name="+")
    tools = models.JSONField(default=list, blank=True)  # [{"kind", "name", "settings", "secret"?}]
    changelog = models.TextField(blank=True)
    config_hash = models.CharField(max_length=64, blank=True)
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["assistant", "number"], name="assistant_version_number_unique"),
            models.UniqueConstraint(
                fields=["assistant"], condition=models.Q(state="draft"), name="assistant_one_draft"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.assistant_id} v{self.number or 'draft'}"


class Conversation(models.Model):
    assistant = models.ForeignKey(Assistant, on_delete=models.CASCADE, related_name="conversations")
    # Pinned: a conversation keeps answering with the version it started with.
    version = models.ForeignKey(AssistantVersion, on_delete=models.CASCADE, related_name="conversations")
    user = models.ForeignKey(
        User, on_delete=models.CASCADE, null=True, blank=True, related_name="conversations"
    )
    api_key = models.ForeignKey(ApiKey, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    title = models.CharField(max_length=300, blank=True)
    legal_hold = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at"]

    def __str__(self) -> str:
        return self.title or f"conversation {self.pk}"


class MessageRole(models.TextChoices):
    USER = "user", _("User")
    ASSISTANT = "assistant", _("Assistant")


class MessageStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    STREAMING = "streaming", _("Streaming")
    COMPLETED = "completed", _("Completed")
    FAILED = "failed", _("Failed")
    STOPPED = "stopped", _("Stopped")


class Message(models.Model):
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="messages")
    role = models.CharField(max_length=16, choices=MessageRole.choices)
    content = models.TextField(blank=True)
    status = models.CharField(max_length=16, choices=MessageStatus.choices, default=MessageStatus.COMPLETED)
    error = models.TextField(blank=True)
    extractive = models.BooleanField(default=False, help_text="Answered without a language model")
    model = models.CharField(max_length=200, blank=True)
    prompt_tokens = models.PositiveIntegerField(default=0)
    completion_tokens = models.PositiveIntegerField(default=0)
    ttft_ms = models.PositiveIntegerField(null=True, blank=True)
    latency_ms = models.PositiveIntegerField(null=True, blank=True)
    redactions = models.JSONField(default=dict, blank=True)  # counts by kind, never the values
    regenerated_from = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.role} {self.pk}"


class Citation(models.Model):
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="citations")
    marker = models.PositiveIntegerField()  # the [n] in the text
    chunk = models.ForeignKey(Chunk, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    document = models.ForeignKey(Document, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    knowledge_base_id = models.BigIntegerField(null=True, blank=True)
    document_title = models.CharField(max_length=500, blank=True)
    heading_path = models.JSONField(default=list, blank=True)
    page_start = models.PositiveIntegerField(null=True, blank=True)
    page_end = models.PositiveIntegerField(null=True, blank=True)
    scores = models.JSONField(default=dict, blank=True)
    snippet = models.TextField()  # a snapshot: the answer stays verifiable after re-indexing

    class Meta:
        ordering = ["marker"]

    def __str__(self) -> str:
        return f"[{self.marker}] {self.document_title}"


class ToolCallStatus(models.TextChoices):
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")
    REFUSED = "refused", _("Refused")


class ToolCall(models.Model):
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="tool_calls")
    call_id = models.CharField(max_length=100, blank=True)
    kind = models.CharField(max_length=50)
    name = models.CharField(max_length=100)
    arguments = models.JSONField(default=dict)
    result_summary = models.TextField(blank=True)
    result = models.JSONField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=ToolCallStatus.choices)
    error = models.TextField(blank=True)
    duration_ms = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.status})"


class Rating(models.TextChoices):
    UP = "up", _("Helpful")
    DOWN = "down", _("Not helpful")


class Feedback(models.Model):
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="feedback")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    rating = models.CharField(max_length=8, choices=Rating.choices)
    comment = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["message", "user"], name="feedback_once_per_user")]

    def __str__(self) -> str:
        return f"{self.rating} on {self.message_id}"


class GeneratedFileKind(models.TextChoices):
    DRAFT_DOCX = "draft_docx", _("Drafted document (DOCX)")


class GeneratedFile(models.Model):
    """A file a tool produced during a conversation (a drafted document), offered for download."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+")
    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, null=True, blank=True, related_name="generated_files"
    )
    message = models.ForeignKey(
        Message, on_delete=models.SET_NULL, null=True, blank=True, related_name="generated_files"
    )
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    kind = models.CharField(max_length=32, choices=GeneratedFileKind.choices)
    filename = models.CharField(max_length=255)
    file = models.FileField(upload_to="generated/%Y/%m/", max_length=500)
    size_bytes = models.BigIntegerField()
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    # The DOCX laid out as PDF, made on its first download; or why it could not be (English, as
    # marked for translation: shown translated). The DOCX stays downloadable either way.
    pdf = models.FileField(upload_to="generated/%Y/%m/", max_length=500, blank=True)
    pdf_error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.filename


class ReviewState(models.TextChoices):
    PENDING = "pending", _("Pending")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class PublishReview(models.Model):
    """A request to publish, decided by an org admin or auditor who is not its author.

    `snapshot` is a frozen copy of what was submitted (an unnumbered version in state "submitted"):
    approving publishes exactly it, whatever happened to the draft since. `config_hash` is the
    snapshot's hash at submission; approval checks it again (a knowledge base deleted meanwhile
    would change what goes live)."""

    assistant = models.ForeignKey(Assistant, on_delete=models.CASCADE, related_name="reviews")
    snapshot = models.OneToOneField(AssistantVersion, on_delete=models.CASCADE, related_name="review")
    config_hash = models.CharField(max_length=64)
    # The version whose content a rollback review brings back; null for a review of the draft.
    rollback_of = models.PositiveIntegerField(null=True, blank=True)
    changelog = models.TextField(blank=True)
    state = models.CharField(max_length=16, choices=ReviewState.choices, default=ReviewState.PENDING)
    author = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    author_api_key = models.ForeignKey(
        ApiKey, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reviewer = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    comment = models.TextField(blank=True)
    published_version = models.ForeignKey(
        AssistantVersion, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["assistant"], condition=models.Q(state="pending"), name="publish_review_one_pending"
            )
        ]

    def __str__(self) -> str:
        return f"review {self.pk} of {self.assistant_id} ({self.state})"
