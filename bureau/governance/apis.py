"""The organization's governance policy: members read it, org admins change it."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from bureau.governance import selectors, services
from bureau.governance.models import DepartmentPolicy
from bureau.governance.serializers import DepartmentPolicySerializer, OrganizationPolicySerializer
from bureau.tenancy import scopes


class OrganizationPolicyApi(APIView):
    api_key_scopes = scopes.NEVER_FOR_KEYS

    @extend_schema(responses=OrganizationPolicySerializer, summary="The organization's governance policy")
    def get(self, request: Request, organization_id: int) -> Response:
        policy = selectors.policy_get_for(actor=request.user, organization_id=organization_id)
        return Response(OrganizationPolicySerializer(policy).data)

    @extend_schema(request=OrganizationPolicySerializer, responses=OrganizationPolicySerializer)
    def patch(self, request: Request, organization_id: int) -> Response:
        policy = selectors.policy_get_for(actor=request.user, organization_id=organization_id, write=True)
        data = OrganizationPolicySerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        changes = {k: v for k, v in data.validated_data.items() if k in request.data}
        policy = services.policy_update(actor=request.user, policy=policy, **changes)
        return Response(OrganizationPolicySerializer(policy).data)


def _department_policy_data(policy: DepartmentPolicy) -> dict[str, Any]:
    retention = selectors.retention_of(policy.department)
    return {
        "department_id": policy.department_id,
        "retention_days": policy.retention_days,
        "effective_retention_days": retention.days,
        "retention_source": retention.source,
    }


class DepartmentPolicyApi(APIView):
    api_key_scopes = scopes.NEVER_FOR_KEYS

    @extend_schema(responses=DepartmentPolicySerializer, summary="A department's retention period")
    def get(self, request: Request, department_id: int) -> Response:
        policy = selectors.department_policy_get_for(actor=request.user, department_id=department_id)
        return Response(DepartmentPolicySerializer(_department_policy_data(policy)).data)

    @extend_schema(request=DepartmentPolicySerializer, responses=DepartmentPolicySerializer)
    def patch(self, request: Request, department_id: int) -> Response:
        policy = selectors.department_policy_get_for(
            actor=request.user, department_id=department_id, write=True
        )
        data = DepartmentPolicySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        policy = services.department_policy_update(
            actor=request.user, policy=policy, retention_days=data.validated_data["retention_days"]
        )
        return Response(DepartmentPolicySerializer(_department_policy_data(policy)).data)
