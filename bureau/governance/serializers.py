from rest_framework import serializers

from bureau.governance.models import OrganizationPolicy


class OrganizationPolicySerializer(serializers.ModelSerializer[OrganizationPolicy]):
    default_retention_days = serializers.IntegerField(
        min_value=1, max_value=36500, allow_null=True, required=False
    )
    # None while the organization still has the unsaved defaults.
    updated_at = serializers.DateTimeField(read_only=True, allow_null=True)

    class Meta:
        model = OrganizationPolicy
        fields = [
            "organization",
            "require_publish_review",
            "redact_pii",
            "default_retention_days",
            "updated_at",
        ]
        read_only_fields = ["organization", "updated_at"]


class DepartmentPolicySerializer(serializers.Serializer):
    department = serializers.IntegerField(source="department_id", read_only=True)
    retention_days = serializers.IntegerField(
        min_value=1, max_value=36500, allow_null=True, help_text="null: the organization's default"
    )
    effective_retention_days = serializers.IntegerField(read_only=True)
    retention_source = serializers.ChoiceField(
        choices=["department", "organization", "settings"], read_only=True
    )
