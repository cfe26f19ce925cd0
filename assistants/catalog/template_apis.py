from __future__ import annotations

from dataclasses import asdict
from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from assistants.catalog import templates
from assistants.catalog.apis import _building_department
from assistants.catalog.serializers import AssistantSerializer
from bureau.tenancy import scopes


class TemplateToolSerializer(serializers.Serializer):
    kind = serializers.CharField()
    name = serializers.CharField()
    settings = serializers.DictField()
    available = serializers.BooleanField(help_text="Whether this server has the tool's kind")


class TemplateSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    description = serializers.CharField()
    avatar = serializers.CharField()
    instructions = serializers.CharField()
    conversation_starters = serializers.ListField(child=serializers.CharField())
    tools = TemplateToolSerializer(many=True)
    temperature = serializers.FloatField()
    max_tokens = serializers.IntegerField()
    top_k = serializers.IntegerField()
    min_similarity = serializers.FloatField(allow_null=True)
    knowledge_only = serializers.BooleanField()
    refusal_message = serializers.CharField(allow_blank=True)
    knowledge = serializers.CharField(allow_blank=True, help_text="The kind of knowledge it expects")
    knowledge_hint = serializers.CharField(allow_blank=True)
    tags = serializers.ListField(child=serializers.CharField())


class TemplateCloneSerializer(serializers.Serializer):
    department = serializers.IntegerField(required=False, help_text="Where the clone goes; default: your own")
    name = serializers.CharField(
        max_length=200,
        required=False,
        allow_blank=True,
        help_text="The new assistant's name, unique in its department; default: the template's",
    )
    knowledge_base_ids = serializers.ListField(child=serializers.IntegerField(), required=False)


class TemplateCloneResultSerializer(serializers.Serializer):
    assistant = AssistantSerializer()
    warnings = serializers.ListField(child=serializers.CharField())


def _shown(template: templates.AssistantTemplate) -> dict[str, Any]:
    from assistants.tools import KINDS

    shown = asdict(template)
    shown["tools"] = [{**tool, "available": tool["kind"] in KINDS} for tool in template.tools]
    return shown


class TemplateListApi(APIView):
    api_key_scopes = scopes.READ_ONLY

    @extend_schema(responses=TemplateSerializer(many=True), summary="Ready assistants to clone")
    def get(self, request: Request) -> Response:
        shown = [_shown(template) for template in templates.template_list()]
        return Response(TemplateSerializer(shown, many=True).data)


class TemplateCloneApi(APIView):
    api_key_scopes = scopes.READ_AND_WRITE

    @extend_schema(
        request=TemplateCloneSerializer,
        responses={201: TemplateCloneResultSerializer},
        summary="A new assistant from a template, as a draft to review and publish; tools this "
        "server lacks are listed in `warnings`",
    )
    def post(self, request: Request, slug: str) -> Response:
        data = TemplateCloneSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        template = templates.template_get(slug)
        department = _building_department(request.user, data.validated_data.get("department"))
        warnings: list[str] = []
        assistant = templates.template_clone(
            actor=request.user,
            template_slug=template.slug,
            department=department,
            knowledge_base_ids=data.validated_data.get("knowledge_base_ids"),
            warnings=warnings,
            name=data.validated_data.get("name"),
        )
        body = {"assistant": assistant, "warnings": warnings}
        return Response(TemplateCloneResultSerializer(body).data, status=status.HTTP_201_CREATED)
