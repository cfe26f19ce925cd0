from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from bureau.exceptions import NotFound, PermissionDenied
from bureau.http.pagination import PaginatedAPIView, paginated
from bureau.tenancy import scopes, selectors, services
from bureau.tenancy.access import access_of
from bureau.tenancy.models import ApiScope, Membership, Organization, User
from bureau.tenancy.serializers import (
    ApiKeyCreatedSerializer,
    ApiKeyCreateSerializer,
    ApiKeySerializer,
    DepartmentSerializer,
    DepartmentWriteSerializer,
    MembershipCreateSerializer,
    MembershipRoleSerializer,
    MembershipSerializer,
    MeSerializer,
)


class MeApi(APIView):
    api_key_scopes = scopes.NEVER_FOR_KEYS

    @extend_schema(responses=MeSerializer, summary="The signed-in user and their memberships")
    def get(self, request: Request) -> Response:
        user = request.user
        if not isinstance(user, User):
            raise NotFound()
        memberships = Membership.objects.filter(user=user).select_related("department")
        data = {
            "id": user.pk,
            "email": user.email,
            "full_name": user.full_name,
            "language": user.language,
            "memberships": [
                {
                    "department_id": m.department_id,
                    "department_name": m.department.name,
                    "organization_id": m.department.organization_id,
                    "role": m.role,
                }
                for m in memberships
            ],
        }
        return Response(MeSerializer(data).data)


class DepartmentListApi(PaginatedAPIView):
    api_key_scopes = {"GET": ApiScope.READ, "POST": scopes.NOT_FOR_KEYS}

    @extend_schema(responses=DepartmentSerializer(many=True), summary="Departments visible to me")
    def get(self, request: Request) -> Response:
        return paginated(
            self, request, selectors.department_list_visible_to(actor=request.user), DepartmentSerializer
        )

    @extend_schema(request=DepartmentWriteSerializer, responses={201: DepartmentSerializer})
    def post(self, request: Request) -> Response:
        data = DepartmentWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        organization = _organization_administered_by(request.user)
        parent = None
        if data.validated_data["parent"] is not None:
            parent = selectors.department_get_for(
                actor=request.user, department_id=data.validated_data["parent"]
            )
        department = services.department_create(
            actor=request.user,
            organization=organization,
            name=data.validated_data["name"],
            code=data.validated_data["code"],
            description=data.validated_data["description"],
            parent=parent,
        )
        return Response(DepartmentSerializer(department).data, status=status.HTTP_201_CREATED)


def _organization_administered_by(actor: Any) -> Organization:
    access = access_of(actor)
    if access.org_admin_of:
        return Organization.objects.get(pk=min(access.org_admin_of))
    if not access.organization_ids:
        raise NotFound()
    raise PermissionDenied()


class DepartmentDetailApi(APIView):
    api_key_scopes = {"GET": ApiScope.READ, "PATCH": scopes.NOT_FOR_KEYS, "DELETE": scopes.NOT_FOR_KEYS}

    @extend_schema(responses=DepartmentSerializer)
    def get(self, request: Request, department_id: int) -> Response:
        department = selectors.department_get_for(actor=request.user, department_id=department_id)
        return Response(DepartmentSerializer(department).data)

    @extend_schema(request=DepartmentWriteSerializer(partial=True), responses=DepartmentSerializer)
    def patch(self, request: Request, department_id: int) -> Response:
        department = selectors.department_get_for(actor=request.user, department_id=department_id, write=True)
        data = DepartmentWriteSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        changes = {k: v for k, v in data.validated_data.items() if k in request.data}
        if "parent" in changes and changes["parent"] is not None:
            changes["parent"] = selectors.department_get_for(
                actor=request.user, department_id=changes["parent"]
            )
        department = services.department_update(actor=request.user, department=department, **changes)
        return Response(DepartmentSerializer(department).data)

    @extend_schema(responses={204: None})
    def delete(self, request: Request, department_id: int) -> Response:
        department = selectors.department_get_for(actor=request.user, department_id=department_id, write=True)
        services.department_delete(actor=request.user, department=department)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MembershipListApi(PaginatedAPIView):
    api_key_scopes = scopes.NEVER_FOR_KEYS

    @extend_schema(responses=MembershipSerializer(many=True), summary="Members of a department")
    def get(self, request: Request, department_id: int) -> Response:
        department = selectors.department_get_for(actor=request.user, department_id=department_id)
        members = selectors.membership_list_for_department(actor=request.user, department=department)
        return paginated(self, request, members, MembershipSerializer)

    @extend_schema(request=MembershipCreateSerializer, responses={201: MembershipSerializer})
    def post(self, request: Request, department_id: int) -> Response:
        department = selectors.department_for_people_management(
            actor=request.user, department_id=department_id, write=True
        )
        data = MembershipCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        membership = services.membership_add(
            actor=request.user,
            department=department,
            actor_is_org_admin=access_of(request.user).is_org_admin(department.organization_id),
            **data.validated_data,
        )
        return Response(MembershipSerializer(membership).data, status=status.HTTP_201_CREATED)


class MembershipDetailApi(APIView):
    api_key_scopes = scopes.NEVER_FOR_KEYS

    @extend_schema(request=MembershipRoleSerializer, responses=MembershipSerializer)
    def patch(self, request: Request, department_id: int, membership_id: int) -> Response:
        membership = selectors.membership_get_for(
            actor=request.user, department_id=department_id, membership_id=membership_id
        )
        data = MembershipRoleSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        membership = services.membership_change_role(
            actor=request.user,
            membership=membership,
            role=data.validated_data["role"],
            actor_is_org_admin=access_of(request.user).is_org_admin(membership.department.organization_id),
        )
        return Response(MembershipSerializer(membership).data)

    @extend_schema(responses={204: None})
    def delete(self, request: Request, department_id: int, membership_id: int) -> Response:
        membership = selectors.membership_get_for(
            actor=request.user, department_id=department_id, membership_id=membership_id
        )
        services.membership_remove(
            actor=request.user,
            membership=membership,
            actor_is_org_admin=access_of(request.user).is_org_admin(membership.department.organization_id),
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class ApiKeyListApi(PaginatedAPIView):
    api_key_scopes = scopes.NEVER_FOR_KEYS

    @extend_schema(
        responses=ApiKeySerializer(many=True), summary="API keys of a department (never the secrets)"
    )
    def get(self, request: Request, department_id: int) -> Response:
        keys = selectors.api_key_list_for_department(actor=request.user, department_id=department_id)
        return paginated(self, request, keys, ApiKeySerializer)

    @extend_schema(
        request=ApiKeyCreateSerializer,
        responses={201: ApiKeyCreatedSerializer},
        summary="Create an API key; the response holds the full key, shown only once",
    )
    def post(self, request: Request, department_id: int) -> Response:
        department = selectors.department_for_people_management(
            actor=request.user, department_id=department_id, write=True
        )
        data = ApiKeyCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        created = services.api_key_create(actor=request.user, department=department, **data.validated_data)
        body = ApiKeySerializer(created.api_key).data
        body["key"] = created.raw_key
        return Response(body, status=status.HTTP_201_CREATED)


class ApiKeyRevokeApi(APIView):
    api_key_scopes = scopes.NEVER_FOR_KEYS

    @extend_schema(request=None, responses=ApiKeySerializer)
    def post(self, request: Request, department_id: int, key_id: int) -> Response:
        key = selectors.api_key_get_for(actor=request.user, department_id=department_id, key_id=key_id)
        key = services.api_key_revoke(actor=request.user, api_key=key)
        return Response(ApiKeySerializer(key).data)
