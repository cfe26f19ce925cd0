"""`GET /api/v1/usage/`: totals of the usage ledger by day. Who may read: see bureau/audit/usage.py."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from bureau.audit.usage import usage_totals_by_day
from bureau.tenancy import scopes


class UsageFilterSerializer(serializers.Serializer):
    department = serializers.IntegerField(required=False)
    assistant = serializers.IntegerField(required=False)
    since = serializers.DateTimeField(required=False, help_text="Inclusive.")
    until = serializers.DateTimeField(required=False, help_text="Exclusive.")
    group_by = serializers.ChoiceField(choices=["day"], default="day")


class UsageDaySerializer(serializers.Serializer):
    day = serializers.DateField()
    messages = serializers.IntegerField()
    prompt_tokens = serializers.IntegerField()
    completion_tokens = serializers.IntegerField()
    total_tokens = serializers.IntegerField()
    avg_latency_ms = serializers.FloatField(allow_null=True)
    p95_latency_ms = serializers.FloatField(allow_null=True)
    avg_ttft_ms = serializers.FloatField(
        allow_null=True, help_text="Time to the first token, streamed answers"
    )


class UsageTotalSerializer(serializers.Serializer):
    messages = serializers.IntegerField()
    prompt_tokens = serializers.IntegerField()
    completion_tokens = serializers.IntegerField()
    total_tokens = serializers.IntegerField()


class UsageSerializer(serializers.Serializer):
    group_by = serializers.CharField()
    results = UsageDaySerializer(many=True)
    total = UsageTotalSerializer()


class UsageApi(APIView):
    api_key_scopes = scopes.NEVER_FOR_KEYS

    @extend_schema(
        parameters=[UsageFilterSerializer],
        responses=UsageSerializer,
        summary="Messages, tokens and latency by day (server time zone), oldest first",
    )
    def get(self, request: Request) -> Response:
        filters = UsageFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        data = filters.validated_data
        days = usage_totals_by_day(
            actor=request.user,
            department_id=data.get("department"),
            assistant_id=data.get("assistant"),
            since=data.get("since"),
            until=data.get("until"),
        )
        total = {
            "messages": sum(day["messages"] for day in days),
            "prompt_tokens": sum(day["prompt_tokens"] for day in days),
            "completion_tokens": sum(day["completion_tokens"] for day in days),
            "total_tokens": sum(day["total_tokens"] for day in days),
        }
        return Response(UsageSerializer({"group_by": data["group_by"], "results": days, "total": total}).data)
