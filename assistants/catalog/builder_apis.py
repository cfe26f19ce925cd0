"""The builder screen's helpers: tool kinds, an OpenAPI document's operations, and a test call of
one operation of an HTTP action (see assistants/catalog/builder.py)."""

from __future__ import annotations

import dataclasses

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from assistants.catalog import builder, selectors
from bureau.tenancy import scopes


class ToolKindSerializer(serializers.Serializer):
    kind = serializers.CharField()
    # The API's field names; they shadow attributes of DRF's Field, which mypy notices.
    label = serializers.CharField()  # type: ignore[assignment]
    description = serializers.CharField()


class OpenApiDocumentSerializer(serializers.Serializer):
    document = serializers.JSONField(help_text="The OpenAPI 3 document: an object, or its JSON/YAML text")


class OpenApiParameterSerializer(serializers.Serializer):
    name = serializers.CharField()
    location = serializers.CharField(source="in")
    required = serializers.BooleanField()  # type: ignore[assignment]


class OpenApiOperationSerializer(serializers.Serializer):
    function = serializers.CharField()
    method = serializers.CharField()
    path = serializers.CharField()
    url = serializers.CharField()
    summary = serializers.CharField(allow_blank=True)
    parameters = OpenApiParameterSerializer(many=True)
    has_body = serializers.BooleanField()


class OpenApiOperationsSerializer(serializers.Serializer):
    server = serializers.CharField()
    operations = OpenApiOperationSerializer(many=True)


class ToolUnderTestSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=64, required=False, default="")
    settings = serializers.DictField()
    secret = serializers.CharField(
        required=False, allow_blank=True, allow_null=True, trim_whitespace=False, write_only=True
    )


class ToolTestRequestSerializer(serializers.Serializer):
    tool = ToolUnderTestSerializer(
        help_text="The HTTP action as in the form; its saved secret is used if none is typed"
    )
    operation = serializers.CharField(max_length=64, help_text="The operation's function name")
    arguments = serializers.DictField(required=False, default=dict)


class ToolTestResultSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=["succeeded", "failed", "refused"])
    status_code = serializers.IntegerField(allow_null=True)
    summary = serializers.CharField(allow_blank=True)
    error = serializers.CharField(allow_blank=True)
    body = serializers.CharField(allow_blank=True, help_text="The start of the response body")
    truncated = serializers.BooleanField()


class ToolKindListApi(APIView):
    api_key_scopes = scopes.READ_ONLY

    @extend_schema(
        responses=ToolKindSerializer(many=True), summary="The kinds of tools an assistant may have"
    )
    def get(self, request: Request) -> Response:
        return Response(ToolKindSerializer(builder.tool_kinds(), many=True).data)


class OpenApiOperationsApi(APIView):
    api_key_scopes = scopes.READ_AND_WRITE

    @extend_schema(
        request=OpenApiDocumentSerializer,
        responses=OpenApiOperationsSerializer,
        summary="The operations an OpenAPI document offers as functions (nothing is saved)",
    )
    def post(self, request: Request, assistant_id: int) -> Response:
        selectors.assistant_get_for(actor=request.user, assistant_id=assistant_id, write=True)
        data = OpenApiDocumentSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(
            OpenApiOperationsSerializer(builder.openapi_operations(data.validated_data["document"])).data
        )


class ToolTestApi(APIView):
    api_key_scopes = scopes.READ_AND_WRITE

    @extend_schema(
        request=ToolTestRequestSerializer,
        responses=ToolTestResultSerializer,
        summary="Call one operation of an HTTP action through the URL guard: status, start of the body",
    )
    def post(self, request: Request, assistant_id: int) -> Response:
        assistant = selectors.assistant_get_for(actor=request.user, assistant_id=assistant_id, write=True)
        data = ToolTestRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        result = builder.http_action_test(
            actor=request.user,
            assistant=assistant,
            tool=dict(data.validated_data["tool"]),
            operation=data.validated_data["operation"],
            arguments=dict(data.validated_data["arguments"]),
        )
        return Response(ToolTestResultSerializer(dataclasses.asdict(result)).data)
