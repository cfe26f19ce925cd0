"""The organization's governance policy: members read it, org admins change it."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from bureau.governance import selectors, services
from bureau.governance.serializers import OrganizationPolicySerializer


class OrganizationPolicyApi(APIView):
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
