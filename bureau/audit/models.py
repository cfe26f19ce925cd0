from __future__ import annotations

from django.db import models

from bureau.tenancy.models import ApiKey, Department, Organization, User


class AuditEvent(models.Model):
    """One change, recorded in the same transaction as the change itself.

    Append-only: a database trigger rejects UPDATE and DELETE (migration 0003), and the
    application's role has only SELECT and INSERT on the table (migration 0007). Each event stores
    the hash of its organization's previous event, an HMAC under the audit key `key_id` (not in the
    database), so that `manage.py audit_verify` can prove the chain intact; signed checkpoints of the
    chain's head, kept outside the database, reveal a deleted tail or a recomputed chain
    (bureau/audit/checkpoints.py). References to departments, users and keys carry no database
    constraint, so that deleting one of them never has to touch (and be refused by) this table;
    `actor_label` keeps who it was.
    """

    organization = models.ForeignKey(
        Organization, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    department = models.ForeignKey(
        Department, on_delete=models.DO_NOTHING, db_constraint=False, null=True, blank=True, related_name="+"
    )
    actor = models.ForeignKey(
        User, on_delete=models.DO_NOTHING, db_constraint=False, null=True, blank=True, related_name="+"
    )
    actor_api_key = models.ForeignKey(
        ApiKey, on_delete=models.DO_NOTHING, db_constraint=False, null=True, blank=True, related_name="+"
    )
    actor_label = models.CharField(max_length=255, blank=True)
    action = models.CharField(max_length=100, db_index=True)
    target_type = models.CharField(max_length=100)
    target_id = models.CharField(max_length=64)
    target_label = models.CharField(max_length=255, blank=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=512, blank=True)
    request_id = models.CharField(max_length=128, blank=True)
    created_at = models.DateTimeField(db_index=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)
    # Which audit key hashed it (settings.BUREAU_AUDIT_KEYS); "sha256-legacy" for the events hashed
    # with plain SHA-256 before keys existed.
    key_id = models.CharField(max_length=32)

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["organization", "id"]),
            models.Index(fields=["department", "id"]),
            models.Index(fields=["target_type", "target_id"]),
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.target_type}:{self.target_id}"


class AuditChainCheck(models.Model):
    """The result of each verification of an organization's chain (hourly by beat, or on demand).
    The application's role may only add them (migration 0007)."""

    # Like the events, without a database constraint: the application's role may not delete these
    # rows, so deleting an organization must not have to.
    organization = models.ForeignKey(
        Organization, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    checked_at = models.DateTimeField(auto_now_add=True)
    events_checked = models.PositiveIntegerField()
    intact = models.BooleanField()
    first_broken_event_id = models.BigIntegerField(null=True, blank=True)
    reason = models.TextField(blank=True)
    # When the checkpoint this check compared the chain with was written; none when there was none.
    checkpoint_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-checked_at"]

    def __str__(self) -> str:
        return f"{self.organization_id}: {'intact' if self.intact else 'BROKEN'}"


class UsageRecord(models.Model):
    """The usage ledger: one row per answered message, its tokens and timings. Like the audit log,
    its references carry no database constraint, so that the ledger outlives what it counts.
    Assistants, conversations and messages are plain ids: bureau never imports the assistants app."""

    organization = models.ForeignKey(
        Organization, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    department = models.ForeignKey(
        Department, on_delete=models.DO_NOTHING, db_constraint=False, null=True, blank=True, related_name="+"
    )
    assistant_id = models.BigIntegerField(null=True, blank=True)
    conversation_id = models.BigIntegerField(null=True, blank=True)
    message_id = models.BigIntegerField(null=True, blank=True)
    user = models.ForeignKey(
        User, on_delete=models.DO_NOTHING, db_constraint=False, null=True, blank=True, related_name="+"
    )
    api_key = models.ForeignKey(
        ApiKey, on_delete=models.DO_NOTHING, db_constraint=False, null=True, blank=True, related_name="+"
    )
    model = models.CharField(max_length=200, blank=True)
    prompt_tokens = models.PositiveIntegerField(default=0)
    completion_tokens = models.PositiveIntegerField(default=0)
    latency_ms = models.PositiveIntegerField(default=0)
    ttft_ms = models.PositiveIntegerField(null=True, blank=True)  # none when the answer did not stream
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["organization", "created_at"]),
            models.Index(fields=["department", "created_at"]),
            models.Index(fields=["assistant_id", "created_at"]),
            # A person's messages today, read before each of their chat turns (bureau/quotas).
            models.Index(fields=["user", "created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.model}: {self.prompt_tokens}+{self.completion_tokens} tokens"
