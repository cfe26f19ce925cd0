"""What IT reads about assistants: the configuration review. Thin views over
assistants/review/configuration.py."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from assistants.review.configuration import configuration_review_for
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
