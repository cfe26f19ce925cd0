"""Quotas and rate limits set by an organization's admins.

A row sets one limit (`kind`) for one scope: the whole organization (the default of its
departments), a department, a user or an API key. No row means "inherit": a user or key falls back
to its department, a department to the organization, the organization to the settings
(BUREAU_QUOTA_*). A row whose `limit` is null means "no limit" at that scope.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from bureau.tenancy.models import ApiKey, Department, Organization, User


class QuotaKind(models.TextChoices):
    DEPARTMENT_TOKENS_PER_MONTH = "department_tokens_per_month", _("Tokens per department per month")
    USER_MESSAGES_PER_DAY = "user_messages_per_day", _("Messages per user per day")
    API_KEY_REQUESTS_PER_MINUTE = "api_key_requests_per_minute", _("Requests per API key per minute")


class QuotaScope(models.TextChoices):
    ORGANIZATION = "organization", _("Organization")
    DEPARTMENT = "department", _("Department")
    USER = "user", _("User")
    API_KEY = "api_key", _("API key")


# Which scopes make sense for each kind: a user has no token budget of their own, a key sends no
# "messages per day" (it is limited per minute).
SCOPES_OF_KIND: dict[str, frozenset[str]] = {
    QuotaKind.DEPARTMENT_TOKENS_PER_MONTH: frozenset({QuotaScope.ORGANIZATION, QuotaScope.DEPARTMENT}),
    QuotaKind.USER_MESSAGES_PER_DAY: frozenset(
        {QuotaScope.ORGANIZATION, QuotaScope.DEPARTMENT, QuotaScope.USER}
    ),
    QuotaKind.API_KEY_REQUESTS_PER_MINUTE: frozenset(
        {QuotaScope.ORGANIZATION, QuotaScope.DEPARTMENT, QuotaScope.API_KEY}
    ),
}


class QuotaLimit(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=40, choices=QuotaKind.choices)
    department = models.ForeignKey(
        Department, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    user = models.ForeignKey(User, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    api_key = models.ForeignKey(ApiKey, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    limit = models.PositiveBigIntegerField(null=True, blank=True, help_text=_("Empty means no limit"))
    updated_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["kind", "id"]
        constraints = [
            # Null-safe: one organization-wide row per kind, and one per department, user or key.
            models.UniqueConstraint(
                fields=["organization", "kind", "department", "user", "api_key"],
                name="quota_limit_one_per_scope",
                nulls_distinct=False,
            ),
            models.CheckConstraint(
                condition=~models.Q(department__isnull=False, user__isnull=False)
                & ~models.Q(department__isnull=False, api_key__isnull=False)
                & ~models.Q(user__isnull=False, api_key__isnull=False),
                name="quota_limit_one_scope",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.scope}: {self.limit if self.limit is not None else '∞'}"

    @property
    def scope(self) -> str:
        if self.department_id is not None:
            return QuotaScope.DEPARTMENT
        if self.user_id is not None:
            return QuotaScope.USER
        if self.api_key_id is not None:
            return QuotaScope.API_KEY
        return QuotaScope.ORGANIZATION
