from __future__ import annotations

from rest_framework import serializers

from bureau.audit.models import AuditEvent


class AuditEventSerializer(serializers.ModelSerializer[AuditEvent]):
    organization = serializers.IntegerField(source="organization_id", read_only=True)
    department = serializers.IntegerField(source="department_id", read_only=True, allow_null=True)
    actor = serializers.IntegerField(source="actor_id", read_only=True, allow_null=True)
    actor_api_key = serializers.IntegerField(source="actor_api_key_id", read_only=True, allow_null=True)

    class Meta:
        model = AuditEvent
        fields = [
            "id",
            "created_at",
            "organization",
            "department",
            "actor",
            "actor_api_key",
            "actor_label",
            "action",
            "target_type",
            "target_id",
            "target_label",
            "before",
            "after",
            "ip",
            "user_agent",
            "request_id",
            "prev_hash",
            "hash",
        ]
        read_only_fields = fields


class AuditFilterSerializer(serializers.Serializer):
    department = serializers.IntegerField(required=False)
    actor = serializers.IntegerField(required=False)
    action = serializers.CharField(required=False, max_length=100)
    target_type = serializers.CharField(required=False, max_length=100)
    target_id = serializers.CharField(required=False, max_length=64)
    since = serializers.DateTimeField(required=False)
    until = serializers.DateTimeField(required=False)


class AuditExportFilterSerializer(AuditFilterSerializer):
    format = serializers.ChoiceField(choices=["csv", "jsonl"], default="jsonl")
