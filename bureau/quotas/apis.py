"""Quotas: org admins set them, auditors read them; admins read a department's consumption and
everyone their own. Logic in services.py and selectors.py."""

from __future__ import annotations

from dataclasses import asdict

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from bureau.quotas import selectors, services
from bureau.quotas.models import QuotaKind, QuotaLimit
from bureau.tenancy import scopes


class QuotaLimitSerializer(serializers.ModelSerializer[QuotaLimit]):
    scope = serializers.CharField(read_only=True)

    class Meta:
        model = QuotaLimit
        fields = ["id", "kind", "scope", "department", "user", "api_key", "limit", "updated_at"]
        read_only_fields = fields


class QuotaSetSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=QuotaKind.choices)
    department = serializers.IntegerField(required=False, allow_null=True)
    user = serializers.IntegerField(required=False, allow_null=True)
    api_key = serializers.IntegerField(required=False, allow_null=True)
    limit = serializers.IntegerField(min_value=0, allow_null=True, help_text="null: no limit")


class ConsumptionSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=QuotaKind.choices)
    used = serializers.IntegerField()
    limit = serializers.IntegerField(allow_null=True, help_text="null: no limit")
    resets_at = serializers.DateTimeField()
    department = serializers.IntegerField(allow_null=True)
    user = serializers.IntegerField(allow_null=True)
    api_key = serializers.IntegerField(allow_null=True)


class QuotaListApi(APIView):
    api_key_scopes = scopes.NEVER_FOR_KEYS

    @extend_schema(responses=QuotaLimitSerializer(many=True), summary="The organization's quotas")
    def get(self, request: Request, organization_id: int) -> Response:
        quotas = selectors.quota_list_for(actor=request.user, organization_id=organization_id)
        return Response(QuotaLimitSerializer(quotas, many=True).data)

    @extend_schema(
        request=QuotaSetSerializer,
        responses={200: QuotaLimitSerializer, 201: QuotaLimitSerializer},
        summary="Set a quota for the organization, a department, a user or an API key",
    )
    def post(self, request: Request, organization_id: int) -> Response:
        org_id = selectors.organization_for_quota_change(actor=request.user, organization_id=organization_id)
        data = QuotaSetSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        scope = selectors.quota_scope_in_organization(
            organization_id=org_id,
            department_id=values.pop("department", None),
            user_id=values.pop("user", None),
            api_key_id=values.pop("api_key", None),
        )
        quota, created = services.quota_set(actor=request.user, organization_id=org_id, **values, **scope)
        code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
        return Response(QuotaLimitSerializer(quota).data, status=code)


class QuotaDetailApi(APIView):
    api_key_scopes = scopes.NEVER_FOR_KEYS

    @extend_schema(responses={204: None}, summary="Remove a quota: the wider scope's applies again")
    def delete(self, request: Request, organization_id: int, quota_id: int) -> Response:
        quota = selectors.quota_get_for(
            actor=request.user, organization_id=organization_id, quota_id=quota_id
        )
        services.quota_delete(actor=request.user, quota=quota)
        return Response(status=status.HTTP_204_NO_CONTENT)


class DepartmentQuotaUsageApi(APIView):
    api_key_scopes = scopes.NEVER_FOR_KEYS

    @extend_schema(
        responses=ConsumptionSerializer(many=True),
        summary="The department's tokens this month, its members' messages today, its keys' requests",
    )
    def get(self, request: Request, department_id: int) -> Response:
        lines = selectors.department_consumption_for(actor=request.user, department_id=department_id)
        return Response(ConsumptionSerializer([asdict(line) for line in lines], many=True).data)


class MyQuotaUsageApi(APIView):
    api_key_scopes = scopes.READ_ONLY

    @extend_schema(responses=ConsumptionSerializer(many=True), summary="My messages today against my limit")
    def get(self, request: Request) -> Response:
        lines = selectors.my_consumption(actor=request.user)
        return Response(ConsumptionSerializer([asdict(line) for line in lines], many=True).data)
