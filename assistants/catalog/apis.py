from __future__ import annotations

import dataclasses
from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from assistants.catalog import selectors, services
from assistants.catalog import versions as versioning
from assistants.catalog.serializers import (
    AssistantCreateSerializer,
    AssistantDetailSerializer,
    AssistantSerializer,
    AssistantUpdateSerializer,
    DraftSerializer,
    DraftUpdateSerializer,
    DuplicateResultSerializer,
    DuplicateSerializer,
    ImportResultSerializer,
    ImportSerializer,
    PublishedVersionSerializer,
    PublishSerializer,
    ShareSerializer,
    ShareWriteSerializer,
    VersionDiffSerializer,
    VersionSerializer,
    VersionSummarySerializer,
)
from assistants.models import AssistantVersion
from bureau.exceptions import PermissionDenied, ValidationFailed
from bureau.http.pagination import PaginatedAPIView, paginated
from bureau.ids import as_id
from bureau.tenancy import scopes
from bureau.tenancy.access import access_of
from bureau.tenancy.models import Department, Role
from bureau.tenancy.selectors import department_get_for


def _building_department(actor: Any, department_id: int | None) -> Department:
    """Where a new assistant goes: the named department, or the one where the actor builds; the
    actor must be an org admin or a builder there."""
    access = access_of(actor)
    if department_id is None:
        building = [d for d in access.department_roles if access.has_department_role(d, Role.BUILDER)]
        if len(building) != 1:
            if not building and not access.org_admin_of:
                raise PermissionDenied()
            raise ValidationFailed(details={"department": [_("Choose the owner department.")]})
        department_id = building[0]
    department = department_get_for(actor=actor, department_id=department_id)
    if not (
        access.is_org_admin(department.organization_id)
        or access.has_department_role(department.pk, Role.BUILDER)
    ):
        raise PermissionDenied()
    return department


def _detail(actor: Any, assistant: Any) -> dict[str, Any]:
    assistant.permissions = dataclasses.asdict(selectors.assistant_rights(actor=actor, assistant=assistant))
    return AssistantDetailSerializer(assistant).data


class AssistantListApi(PaginatedAPIView):
    api_key_scopes = scopes.READ_AND_WRITE

    @extend_schema(
        responses=AssistantSerializer(many=True),
        parameters=[OpenApiParameter("department", int, description="Only this department's")],
        summary="Assistants visible to me",
    )
    def get(self, request: Request) -> Response:
        assistants = selectors.with_draft_state(
            selectors.assistant_list_visible_to(actor=request.user).order_by("name", "pk")
        )
        department = request.query_params.get("department")
        if department:
            assistants = assistants.filter(department_id=as_id(department))
        return paginated(self, request, assistants, AssistantSerializer)

    @extend_schema(request=AssistantCreateSerializer, responses={201: AssistantDetailSerializer})
    def post(self, request: Request) -> Response:
        data = AssistantCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        department = _building_department(request.user, values.pop("department", None))
        assistant = services.assistant_create(actor=request.user, department=department, **values)
        return Response(_detail(request.user, assistant), status=status.HTTP_201_CREATED)


class AssistantDetailApi(APIView):
    api_key_scopes = scopes.READ_AND_WRITE

    @extend_schema(responses=AssistantDetailSerializer)
    def get(self, request: Request, assistant_id: int) -> Response:
        assistant = selectors.assistant_get_for(actor=request.user, assistant_id=assistant_id)
        return Response(_detail(request.user, assistant))

    @extend_schema(
        request=AssistantUpdateSerializer,
        responses=AssistantDetailSerializer,
        description="Changing the visibility or the PII redaction needs the owner department's rights, "
        "not an editor share; turning redaction off ('never') needs an org admin.",
    )
    def patch(self, request: Request, assistant_id: int) -> Response:
        assistant = selectors.assistant_get_for(
            actor=request.user,
            assistant_id=assistant_id,
            write=True,
            manage=bool({"visibility", "pii_redaction"} & set(request.data)),
        )
        data = AssistantUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        assistant = services.assistant_update(actor=request.user, assistant=assistant, **data.validated_data)
        return Response(_detail(request.user, assistant))

    @extend_schema(responses={204: None}, summary="Delete it with its versions and conversations")
    def delete(self, request: Request, assistant_id: int) -> Response:
        assistant = selectors.assistant_get_for(actor=request.user, assistant_id=assistant_id, manage=True)
        services.assistant_delete(actor=request.user, assistant=assistant)
        return Response(status=status.HTTP_204_NO_CONTENT)


class DraftApi(APIView):
    api_key_scopes = scopes.READ_AND_WRITE

    @extend_schema(responses=DraftSerializer, summary="The draft configuration, with warnings")
    def get(self, request: Request, assistant_id: int) -> Response:
        draft = selectors.draft_get_for(actor=request.user, assistant_id=assistant_id)
        return Response(DraftSerializer(draft).data)

    @extend_schema(request=DraftUpdateSerializer, responses=DraftSerializer)
    def patch(self, request: Request, assistant_id: int) -> Response:
        draft = selectors.draft_get_for(actor=request.user, assistant_id=assistant_id, write=True)
        data = DraftUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        draft = versioning.draft_update(actor=request.user, draft=draft, changes=dict(data.validated_data))
        return Response(DraftSerializer(draft).data)


class PublishApi(APIView):
    api_key_scopes = scopes.READ_AND_WRITE

    @extend_schema(
        request=PublishSerializer,
        responses={201: PublishedVersionSerializer},
        summary="Freeze the draft into a new published version",
    )
    def post(self, request: Request, assistant_id: int) -> Response:
        assistant = selectors.assistant_get_for(actor=request.user, assistant_id=assistant_id, write=True)
        data = PublishSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        version = versioning.version_publish(actor=request.user, assistant=assistant, **data.validated_data)
        return Response(PublishedVersionSerializer(version).data, status=status.HTTP_201_CREATED)


class VersionListApi(PaginatedAPIView):
    api_key_scopes = scopes.READ_ONLY

    @extend_schema(responses=VersionSummarySerializer(many=True), summary="Published versions, newest first")
    def get(self, request: Request, assistant_id: int) -> Response:
        versions = selectors.version_list_for(actor=request.user, assistant_id=assistant_id)
        return paginated(self, request, versions, VersionSummarySerializer)


class VersionDetailApi(APIView):
    api_key_scopes = scopes.READ_ONLY

    @extend_schema(responses=VersionSerializer)
    def get(self, request: Request, assistant_id: int, number: int) -> Response:
        version = selectors.version_get_for(actor=request.user, assistant_id=assistant_id, number=number)
        return Response(VersionSerializer(version).data)


class VersionDiffApi(APIView):
    api_key_scopes = scopes.READ_ONLY

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "against",
                OpenApiTypes.STR,
                description='A version number or "draft"; default: the version before this one',
            )
        ],
        responses=VersionDiffSerializer,
        summary="What changed between two versions, field by field",
    )
    def get(self, request: Request, assistant_id: int, number: int) -> Response:
        version = selectors.version_get_for(actor=request.user, assistant_id=assistant_id, number=number)
        against = request.query_params.get("against")
        other: AssistantVersion | None
        if against == "draft":
            other = selectors.draft_get_for(actor=request.user, assistant_id=assistant_id)
        elif against:
            other = selectors.version_get_for(actor=request.user, assistant_id=assistant_id, number=against)
        else:
            other = version.assistant.versions.filter(number__lt=number).order_by("-number").first()
        before = versioning.version_config(other) if other is not None else {}
        changes = versioning.versions_diff(before, versioning.version_config(version))
        label = "draft" if against == "draft" else (other.number if other is not None else None)
        return Response(VersionDiffSerializer({"version": number, "against": label, "changes": changes}).data)


class RollbackApi(APIView):
    api_key_scopes = scopes.READ_AND_WRITE

    @extend_schema(
        request=PublishSerializer,
        responses={201: VersionSerializer},
        summary="Publish this version's content again as a new version (the draft is reset to it)",
    )
    def post(self, request: Request, assistant_id: int, number: int) -> Response:
        version = selectors.version_get_for(
            actor=request.user, assistant_id=assistant_id, number=number, write=True
        )
        data = PublishSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        new_version = versioning.version_rollback(
            actor=request.user, assistant=version.assistant, version=version, **data.validated_data
        )
        return Response(VersionSerializer(new_version).data, status=status.HTTP_201_CREATED)


class DuplicateApi(APIView):
    api_key_scopes = scopes.READ_AND_WRITE

    @extend_schema(request=DuplicateSerializer, responses={201: DuplicateResultSerializer})
    def post(self, request: Request, assistant_id: int) -> Response:
        source = selectors.assistant_get_for(actor=request.user, assistant_id=assistant_id, read_config=True)
        data = DuplicateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        department = _building_department(
            request.user, data.validated_data.get("department", source.department_id)
        )
        result = services.assistant_duplicate(actor=request.user, source=source, department=department)
        body = {**_detail(request.user, result.assistant), "warnings": result.warnings}
        return Response(body, status=status.HTTP_201_CREATED)


class ExportApi(APIView):
    api_key_scopes = scopes.READ_ONLY

    @extend_schema(
        parameters=[OpenApiParameter("version", int, description="A version number; default: the draft")],
        responses={200: OpenApiTypes.OBJECT},
        summary="The configuration as JSON (format bureau.assistant/v1), without secrets",
    )
    def get(self, request: Request, assistant_id: int) -> Response:
        number = request.query_params.get("version")
        if number:
            version = selectors.version_get_for(actor=request.user, assistant_id=assistant_id, number=number)
        else:
            version = selectors.draft_get_for(actor=request.user, assistant_id=assistant_id)
        return Response(services.assistant_export(assistant=version.assistant, version=version))


class ImportApi(APIView):
    api_key_scopes = scopes.READ_AND_WRITE

    @extend_schema(
        request=ImportSerializer,
        responses={201: ImportResultSerializer},
        summary="A new assistant from an export; what could not come along is listed in `warnings`",
    )
    def post(self, request: Request) -> Response:
        data = ImportSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        department = _building_department(request.user, data.validated_data.get("department"))
        result = services.assistant_import(actor=request.user, department=department, document=request.data)
        body = {"assistant": result.assistant, "warnings": result.warnings}
        return Response(ImportResultSerializer(body).data, status=status.HTTP_201_CREATED)


class ShareListApi(PaginatedAPIView):
    api_key_scopes = scopes.READ_AND_WRITE

    @extend_schema(responses=ShareSerializer(many=True), summary="People and departments it is shared with")
    def get(self, request: Request, assistant_id: int) -> Response:
        shares = selectors.share_list_for(actor=request.user, assistant_id=assistant_id)
        return paginated(self, request, shares, ShareSerializer)

    @extend_schema(request=ShareWriteSerializer, responses={201: ShareSerializer})
    def post(self, request: Request, assistant_id: int) -> Response:
        assistant = selectors.assistant_get_for(actor=request.user, assistant_id=assistant_id, manage=True)
        data = ShareWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        share = services.share_add(
            actor=request.user,
            assistant=assistant,
            role=data.validated_data["role"],
            email=data.validated_data.get("email"),
            department_id=data.validated_data.get("department"),
        )
        return Response(ShareSerializer(share).data, status=status.HTTP_201_CREATED)


class ShareDetailApi(APIView):
    api_key_scopes = scopes.READ_AND_WRITE

    @extend_schema(responses={204: None})
    def delete(self, request: Request, assistant_id: int, share_id: int) -> Response:
        share = selectors.share_get_for(actor=request.user, assistant_id=assistant_id, share_id=share_id)
        services.share_remove(actor=request.user, share=share)
        return Response(status=status.HTTP_204_NO_CONTENT)
