"""What IT reads about assistants: the configuration review and usage by department or assistant.
Thin views over assistants/config_review.py and assistants/usage_breakdown.py."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from assistants.config_review import configuration_review_for
from assistants.usage_breakdown import usage_totals_by
from bureau.tenancy import scopes


class ReviewedKnowledgeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    classification = serializers.CharField()


class ReviewedToolSerializer(serializers.Serializer):
    kind = serializers.CharField()
    name = serializers.CharField()
    hosts = serializers.ListField(child=serializers.CharField(), help_text="Hosts an HTTP action may call")


class ReviewedShareSerializer(serializers.Serializer):
    role = serializers.CharField()
    user = serializers.CharField(allow_null=True)
    department = serializers.CharField(allow_null=True)


class ReviewedAssistantSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    slug = serializers.CharField()
    department_id = serializers.IntegerField()
    department_name = serializers.CharField()
    visibility = serializers.CharField()
    published_version = serializers.IntegerField(allow_null=True)
    published_at = serializers.DateTimeField(allow_null=True)
    model = serializers.CharField(allow_blank=True)
    knowledge_bases = ReviewedKnowledgeSerializer(many=True)
    tools = ReviewedToolSerializer(many=True)
    shares = ReviewedShareSerializer(many=True)
    flags = serializers.ListField(
        child=serializers.ChoiceField(
            choices=[
                "external_http",
                "organization_wide",
                "no_knowledge",
                "unpublished_changes",
                "never_published",
                "shared_outside",
            ]
        )
    )
    audience_warnings = serializers.ListField(
        child=serializers.CharField(),
        help_text="Knowledge part of its audience may not open (answers to them leave it out)",
    )


class ConfigurationReviewApi(APIView):
    api_key_scopes = scopes.NEVER_FOR_KEYS

    @extend_schema(
        responses=ReviewedAssistantSerializer(many=True),
        summary="Every assistant I may audit: published version, knowledge, tools, sharing, risk flags",
    )
    def get(self, request: Request) -> Response:
        rows = configuration_review_for(actor=request.user)
        return Response(ReviewedAssistantSerializer(rows, many=True).data)


class UsageBreakdownFilterSerializer(serializers.Serializer):
    by = serializers.ChoiceField(choices=["department", "assistant"])
    department = serializers.IntegerField(required=False)
    since = serializers.DateTimeField(required=False, help_text="Inclusive.")
    until = serializers.DateTimeField(required=False, help_text="Exclusive.")


class UsageGroupSerializer(serializers.Serializer):
    id = serializers.IntegerField(allow_null=True)
    name = serializers.CharField(allow_blank=True)
    messages = serializers.IntegerField()
    prompt_tokens = serializers.IntegerField()
    completion_tokens = serializers.IntegerField()
    total_tokens = serializers.IntegerField()
    avg_latency_ms = serializers.FloatField(allow_null=True)
    avg_ttft_ms = serializers.FloatField(allow_null=True)


class UsageBreakdownApi(APIView):
    api_key_scopes = scopes.NEVER_FOR_KEYS

    @extend_schema(
        parameters=[UsageBreakdownFilterSerializer],
        responses=UsageGroupSerializer(many=True),
        summary="Messages, tokens and latency by department or by assistant, largest first",
    )
    def get(self, request: Request) -> Response:
        filters = UsageBreakdownFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        data = filters.validated_data
        groups = usage_totals_by(
            actor=request.user,
            by=data["by"],
            department_id=data.get("department"),
            since=data.get("since"),
            until=data.get("until"),
        )
        return Response(UsageGroupSerializer(groups, many=True).data)
