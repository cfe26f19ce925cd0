from __future__ import annotations

from typing import Any

from django.db.models import Count
from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.parsers import FormParser, JSONParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from bureau.exceptions import NotFound, PermissionDenied, ValidationFailed
from bureau.http.downloads import file_response
from bureau.http.drf import MultiPartParser
from bureau.http.pagination import PaginatedAPIView, paginated
from bureau.http.schema import UNSUPPORTED_MEDIA_TYPE
from bureau.tenancy import scopes
from bureau.tenancy.access import access_of
from bureau.tenancy.models import ApiScope, Department, Role
from bureau.tenancy.selectors import department_get_for
from knowledge import selectors, services
from knowledge.models import Chunk, KnowledgeBaseGrant
from knowledge.serializers import (
    ChunkSerializer,
    DocumentSerializer,
    DocumentUpdateSerializer,
    GrantSerializer,
    GrantWriteSerializer,
    IndexingRunSerializer,
    KnowledgeBaseSerializer,
    KnowledgeBaseWriteSerializer,
    SearchHitSerializer,
    SearchRequestSerializer,
    UploadResultSerializer,
    UploadSerializer,
)


def _owner_department(actor: Any, department_id: int | None) -> Department:
    """Where a new knowledge base goes: the named department, or the actor's own where they build."""
    access = access_of(actor)
    if department_id is None:
        building = [d for d in access.department_roles if access.has_department_role(d, Role.BUILDER)]
        if len(building) != 1:
            raise ValidationFailed(details={"department": ["Choose the owner department."]})
        department_id = building[0]
    department = department_get_for(actor=actor, department_id=department_id)
    if not (
        access.is_org_admin(department.organization_id)
        or access.has_department_role(department.pk, Role.BUILDER)
    ):
        raise PermissionDenied()
    return department


class KnowledgeBaseListApi(PaginatedAPIView):
    api_key_scopes = scopes.READ_AND_WRITE

    @extend_schema(responses=KnowledgeBaseSerializer(many=True), summary="Knowledge bases visible to me")
    def get(self, request: Request) -> Response:
        bases = (
            selectors.knowledge_base_list_visible_to(actor=request.user)
            .annotate(document_count=Count("documents"))
            .order_by("name", "pk")
        )
        return paginated(self, request, bases, KnowledgeBaseSerializer)

    @extend_schema(request=KnowledgeBaseWriteSerializer, responses={201: KnowledgeBaseSerializer})
    def post(self, request: Request) -> Response:
        data = KnowledgeBaseWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        department = _owner_department(request.user, values.pop("department", None))
        knowledge_base = services.knowledge_base_create(actor=request.user, department=department, **values)
        return Response(KnowledgeBaseSerializer(knowledge_base).data, status=status.HTTP_201_CREATED)


class KnowledgeBaseDetailApi(APIView):
    api_key_scopes = scopes.READ_AND_WRITE

    @extend_schema(responses=KnowledgeBaseSerializer)
    def get(self, request: Request, kb_id: int) -> Response:
        knowledge_base = selectors.knowledge_base_get_for(actor=request.user, knowledge_base_id=kb_id)
        return Response(KnowledgeBaseSerializer(knowledge_base).data)

    @extend_schema(
        request=KnowledgeBaseWriteSerializer(partial=True),
        responses=KnowledgeBaseSerializer,
        description="Changing the embedding profile or chunking re-indexes every document; the old "
        "chunks keep serving until each document's new generation is ready.",
    )
    def patch(self, request: Request, kb_id: int) -> Response:
        knowledge_base = selectors.knowledge_base_get_for(
            actor=request.user, knowledge_base_id=kb_id, write=True
        )
        data = KnowledgeBaseWriteSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        changes = {k: v for k, v in data.validated_data.items() if k != "department"}
        knowledge_base = services.knowledge_base_update(
            actor=request.user, knowledge_base=knowledge_base, **changes
        )
        return Response(KnowledgeBaseSerializer(knowledge_base).data)

    @extend_schema(responses={204: None})
    def delete(self, request: Request, kb_id: int) -> Response:
        knowledge_base = selectors.knowledge_base_get_for(
            actor=request.user, knowledge_base_id=kb_id, write=True
        )
        services.knowledge_base_delete(actor=request.user, knowledge_base=knowledge_base)
        return Response(status=status.HTTP_204_NO_CONTENT)


class GrantListApi(APIView):
    api_key_scopes = scopes.READ_AND_WRITE

    @extend_schema(
        responses=GrantSerializer(many=True), summary="Departments this knowledge base is shared with"
    )
    def get(self, request: Request, kb_id: int) -> Response:
        knowledge_base = selectors.knowledge_base_get_for(actor=request.user, knowledge_base_id=kb_id)
        return Response(GrantSerializer(knowledge_base.grants.all(), many=True).data)

    @extend_schema(request=GrantWriteSerializer, responses={201: GrantSerializer})
    def post(self, request: Request, kb_id: int) -> Response:
        knowledge_base = selectors.knowledge_base_get_for(
            actor=request.user, knowledge_base_id=kb_id, write=True
        )
        data = GrantWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        department = Department.objects.filter(
            pk=data.validated_data["department"], organization_id=knowledge_base.organization_id
        ).first()
        if department is None:
            raise ValidationFailed(details={"department": ["Unknown department."]})
        grant = services.knowledge_base_grant(
            actor=request.user,
            knowledge_base=knowledge_base,
            department=department,
            permission=data.validated_data["permission"],
        )
        return Response(GrantSerializer(grant).data, status=status.HTTP_201_CREATED)


class GrantDetailApi(APIView):
    api_key_scopes = scopes.READ_AND_WRITE

    @extend_schema(responses={204: None})
    def delete(self, request: Request, kb_id: int, grant_id: int) -> Response:
        knowledge_base = selectors.knowledge_base_get_for(
            actor=request.user, knowledge_base_id=kb_id, write=True
        )
        grant = KnowledgeBaseGrant.objects.filter(knowledge_base=knowledge_base, pk=grant_id).first()
        if grant is None:
            raise NotFound()
        services.knowledge_base_revoke_grant(actor=request.user, grant=grant)
        return Response(status=status.HTTP_204_NO_CONTENT)


class DocumentListApi(PaginatedAPIView):
    api_key_scopes = scopes.READ_AND_WRITE
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    @extend_schema(responses=DocumentSerializer(many=True), summary="Documents, with their indexing status")
    def get(self, request: Request, kb_id: int) -> Response:
        documents = selectors.document_list_for(actor=request.user, knowledge_base_id=kb_id)
        status_filter = request.query_params.get("status")
        if status_filter:
            documents = documents.filter(status=status_filter)
        return paginated(self, request, documents, DocumentSerializer)

    @extend_schema(
        request={"multipart/form-data": UploadSerializer},
        responses={201: UploadResultSerializer(many=True), 415: UNSUPPORTED_MEDIA_TYPE},
        summary="Upload one or many files (field `files`); each is reported created, duplicate or "
        "rejected with the reason",
    )
    def post(self, request: Request, kb_id: int) -> Response:
        knowledge_base = selectors.knowledge_base_get_for(
            actor=request.user, knowledge_base_id=kb_id, write=True, documents=True
        )
        data = UploadSerializer(data={"files": request.FILES.getlist("files")})
        data.is_valid(raise_exception=True)
        results = services.document_upload(
            actor=request.user, knowledge_base=knowledge_base, files=data.validated_data["files"]
        )
        body = UploadResultSerializer(results, many=True).data
        outcomes = {result.outcome for result in results}
        code = 201 if "created" in outcomes else (200 if "duplicate" in outcomes else 400)
        return Response(body, status=code)


class DocumentDetailApi(APIView):
    api_key_scopes = scopes.READ_AND_WRITE

    @extend_schema(responses=DocumentSerializer)
    def get(self, request: Request, kb_id: int, doc_id: int) -> Response:
        return Response(
            DocumentSerializer(
                selectors.document_get_for(actor=request.user, knowledge_base_id=kb_id, document_id=doc_id)
            ).data
        )

    @extend_schema(
        request=DocumentUpdateSerializer,
        responses=DocumentSerializer,
        summary="Rename, or enable/disable (a disabled document is never searched)",
    )
    def patch(self, request: Request, kb_id: int, doc_id: int) -> Response:
        document = selectors.document_get_for(
            actor=request.user, knowledge_base_id=kb_id, document_id=doc_id, write=True
        )
        data = DocumentUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        document = services.document_update(actor=request.user, document=document, **data.validated_data)
        return Response(DocumentSerializer(document).data)

    @extend_schema(responses={204: None}, summary="Delete the document, its file and its vectors")
    def delete(self, request: Request, kb_id: int, doc_id: int) -> Response:
        document = selectors.document_get_for(
            actor=request.user, knowledge_base_id=kb_id, document_id=doc_id, write=True
        )
        services.document_delete(actor=request.user, document=document)
        return Response(status=status.HTTP_204_NO_CONTENT)


class DocumentActionApi(APIView):
    """POST …/retry/, …/cancel/, …/reindex/."""

    api_key_scopes = scopes.READ_AND_WRITE

    action_name = ""
    ACTIONS = {
        "retry": services.document_retry,
        "cancel": services.document_cancel,
        "reindex": services.document_reindex,
    }

    @extend_schema(request=None, responses=DocumentSerializer)
    def post(self, request: Request, kb_id: int, doc_id: int) -> Response:
        document = selectors.document_get_for(
            actor=request.user, knowledge_base_id=kb_id, document_id=doc_id, write=True
        )
        document = self.ACTIONS[self.action_name](actor=request.user, document=document)
        return Response(DocumentSerializer(document).data)


class DocumentFileApi(APIView):
    api_key_scopes = scopes.READ_ONLY

    @extend_schema(
        # Its own type, whatever was uploaded.
        responses={(200, "*/*"): OpenApiResponse(OpenApiTypes.BINARY, description="The original file")}
    )
    def get(self, request: Request, kb_id: int, doc_id: int) -> FileResponse:
        document = selectors.document_get_for(actor=request.user, knowledge_base_id=kb_id, document_id=doc_id)
        return file_response(
            document.file.open("rb"),
            filename=document.filename,
            inline=request.query_params.get("download") != "1",
        )


class DocumentChunksApi(PaginatedAPIView):
    api_key_scopes = scopes.READ_ONLY

    @extend_schema(responses=ChunkSerializer(many=True), summary="The chunks that serve searches")
    def get(self, request: Request, kb_id: int, doc_id: int) -> Response:
        document = selectors.document_get_for(actor=request.user, knowledge_base_id=kb_id, document_id=doc_id)
        chunks = Chunk.objects.filter(document=document, generation=document.active_generation).order_by(
            "ordinal"
        )
        return paginated(self, request, chunks, ChunkSerializer)


class DocumentRunsApi(APIView):
    api_key_scopes = scopes.READ_ONLY

    @extend_schema(responses=IndexingRunSerializer(many=True), summary="Indexing attempts, newest first")
    def get(self, request: Request, kb_id: int, doc_id: int) -> Response:
        document = selectors.document_get_for(actor=request.user, knowledge_base_id=kb_id, document_id=doc_id)
        return Response(IndexingRunSerializer(document.runs.all()[:50], many=True).data)


class SearchApi(APIView):
    api_key_scopes = {"POST": ApiScope.READ}

    @extend_schema(
        request=SearchRequestSerializer,
        responses=SearchHitSerializer(many=True),
        summary="Hit testing: the ranked chunks an assistant would see, with every score",
    )
    def post(self, request: Request, kb_id: int) -> Response:
        from knowledge.search.retrieval import retrieve

        knowledge_base = selectors.knowledge_base_get_for(actor=request.user, knowledge_base_id=kb_id)
        data = SearchRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        hits = retrieve(knowledge_bases=[knowledge_base], **data.validated_data)
        return Response(SearchHitSerializer(hits, many=True).data)
