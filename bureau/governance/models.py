"""An organization's governance policy: the switches that IT sets once for every department.

One row per organization, created on first write; until then the defaults below apply (see
bureau/governance/selectors.py `policy_of`)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from bureau.tenancy.models import Department, Organization


class OrganizationPolicy(models.Model):
    organization = models.OneToOneField(
        Organization, on_delete=models.CASCADE, primary_key=True, related_name="policy"
    )
    # A builder's publish becomes a request that an org admin or auditor (not its author) approves.
    require_publish_review = models.BooleanField(
        default=False, help_text=_("Publishing an assistant needs an approved review")
    )
    # Personal data is replaced by placeholders before text goes to a provider not on premises.
    redact_pii = models.BooleanField(
        default=True, help_text=_("Redact personal data sent to providers outside the organization")
    )
    # Days a conversation is kept when its department sets none; null means settings.BUREAU_RETENTION_DAYS.
    default_retention_days = models.PositiveIntegerField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "organization policies"

    def __str__(self) -> str:
        return f"Policy of {self.organization_id}"


class DepartmentPolicy(models.Model):
    """What a department sets apart from its organization's policy. One row per department, created
    on first write; until then the organization's policy applies."""

    department = models.OneToOneField(
        Department, on_delete=models.CASCADE, primary_key=True, related_name="policy"
    )
    # Days a conversation is kept after its last activity; null means the organization's default.
    retention_days = models.PositiveIntegerField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "department policies"

    def __str__(self) -> str:
        return f"Policy of department {self.department_id}"
