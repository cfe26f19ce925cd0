"""Auditors' and org admins' view of conversations (search, export, legal hold) and usage by
department or assistant. Logic in assistants/oversight/selectors.py, services.py and usage_breakdown.py."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from assistants.models import Conversation
from assistants.oversight import selectors
from assistants.oversight import services as oversight
from assistants.oversight.usage_breakdown import usage_totals_by
from bureau.http.pagination import PaginatedAPIView, paginated
from bureau.tenancy import scopes


class OversightConversationSerializer(serializers.ModelSerializer[Conversation]):
    assistant_name = serializers.CharField(source="assistant.name", read_only=True)
    department = serializers.IntegerField(source="assistant.department_id", read_only=True)
    version_number = serializers.IntegerField(source="version.number", read_only=True, allow_null=True)
    user_email = serializers.EmailField(source="user.email", read_only=True, allow_null=True, default=None)
    assistant_legal_hold = serializers.BooleanField(source="assistant.legal_hold", read_only=True)

    class Meta:
        model = Conversation
        fields = [
            "id",
            "title",
            "assistant",
            "assistant_name",
            "department",
            "version_number",
            "user",
            "user_email",
            "api_key",
            "legal_hold",
            "assistant_legal_hold",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class OversightFilterSerializer(serializers.Serializer):
    department = serializers.IntegerField(required=False)
    assistant = serializers.IntegerField(required=False)
    user = serializers.IntegerField(required=False)
    since = serializers.DateTimeField(required=False, help_text="Last activity at or after")
    until = serializers.DateTimeField(required=False, help_text="Started before")


class LegalHoldSerializer(serializers.Serializer):
    legal_hold = serializers.BooleanField()
    reason = serializers.CharField(required=False, allow_blank=True, max_length=1000, default="")


class ConversationExportSerializer(serializers.Serializer):
    conversation = serializers.DictField()
    version = serializers.DictField(help_text="The version that answered: number and frozen configuration")
    messages = serializers.ListField(child=serializers.DictField(), help_text="With citations and tool calls")


class OversightConversationListApi(PaginatedAPIView):
    api_key_scopes = scopes.NEVER_FOR_KEYS

    @extend_schema(
        parameters=[OversightFilterSerializer],
        responses=OversightConversationSerializer(many=True),
        summary="Conversations of the organization, for auditors and org admins",
    )
    def get(self, request: Request) -> Response:
        filters = OversightFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        data: dict[str, Any] = filters.validated_data
        items = selectors.conversation_list_for_oversight(
            actor=request.user,
            department_id=data.get("department"),
            assistant_id=data.get("assistant"),
            user_id=data.get("user"),
            since=data.get("since"),
            until=data.get("until"),
        )
        return paginated(self, request, items, OversightConversationSerializer)


class ConversationExportApi(APIView):
    api_key_scopes = scopes.NEVER_FOR_KEYS

    @extend_schema(responses=ConversationExportSerializer, summary="One conversation as JSON (audited)")
    def get(self, request: Request, conversation_id: int) -> Response:
        conversation = selectors.conversation_get_for_oversight(
            actor=request.user, conversation_id=conversation_id, owner_may=True
        )
        return Response(oversight.conversation_export(actor=request.user, conversation=conversation))


class ConversationLegalHoldApi(APIView):
    api_key_scopes = scopes.NEVER_FOR_KEYS

    @extend_schema(request=LegalHoldSerializer, responses=LegalHoldSerializer, summary="Set or clear a hold")
    def put(self, request: Request, conversation_id: int) -> Response:
        conversation = selectors.conversation_get_for_oversight(
            actor=request.user, conversation_id=conversation_id, owner_may=False
        )
        data = LegalHoldSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        conversation = oversight.conversation_legal_hold_set(
            actor=request.user, conversation=conversation, **data.validated_data
        )
        return Response({"legal_hold": conversation.legal_hold, "reason": data.validated_data["reason"]})


class AssistantLegalHoldApi(APIView):
    api_key_scopes = scopes.NEVER_FOR_KEYS

    @extend_schema(
        request=LegalHoldSerializer,
        responses=LegalHoldSerializer,
        summary="Set or clear a hold on every conversation of an assistant",
    )
    def put(self, request: Request, assistant_id: int) -> Response:
        assistant = selectors.assistant_get_for_legal_hold(actor=request.user, assistant_id=assistant_id)
        data = LegalHoldSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        assistant = oversight.assistant_legal_hold_set(
            actor=request.user, assistant=assistant, **data.validated_data
        )
        return Response({"legal_hold": assistant.legal_hold, "reason": data.validated_data["reason"]})


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
