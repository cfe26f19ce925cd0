from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from bureau.http.pagination import PaginatedAPIView, paginated
from bureau.tenancy import scopes
from knowledge.catalog import selectors as catalog
from knowledge.models import KnowledgeBase


class CatalogEntrySerializer(serializers.ModelSerializer[KnowledgeBase]):
    department_name = serializers.CharField(source="department.name", read_only=True)
    ready_document_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = KnowledgeBase
        fields = [
            "id",
            "name",
            "description",
            "department",
            "department_name",
            "classification",
            "domain_tags",
            "embedding_provider",
            "embedding_model",
            "embedding_dimension",
            "ready_document_count",
            "updated_at",
        ]
        read_only_fields = fields


class CatalogDepartmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class DomainCountSerializer(serializers.Serializer):
    domain = serializers.CharField()
    count = serializers.IntegerField()


class CatalogListApi(PaginatedAPIView):
    api_key_scopes = scopes.READ_ONLY

    @extend_schema(
        responses=CatalogEntrySerializer(many=True),
        parameters=[
            OpenApiParameter("domain", str, description="Only knowledge bases with this domain tag"),
            OpenApiParameter("department", int, description="Only this owner department's"),
        ],
        summary="The organization's shared knowledge bases, which any builder may attach",
    )
    def get(self, request: Request) -> Response:
        bases = catalog.catalog_list_for(
            actor=request.user,
            domain=request.query_params.get("domain") or None,
            department_id=request.query_params.get("department") or None,
        )
        return paginated(self, request, bases, CatalogEntrySerializer)


class CatalogDomainsApi(APIView):
    api_key_scopes = scopes.READ_ONLY

    @extend_schema(
        responses=DomainCountSerializer(many=True), summary="The catalog's domain tags, with counts"
    )
    def get(self, request: Request) -> Response:
        domains = catalog.catalog_domains_for(actor=request.user)
        return Response(DomainCountSerializer(domains, many=True).data)


class CatalogDepartmentsApi(APIView):
    api_key_scopes = scopes.READ_ONLY

    @extend_schema(
        responses=CatalogDepartmentSerializer(many=True),
        summary="My organization's departments (id and name): whom to share a knowledge base with",
    )
    def get(self, request: Request) -> Response:
        departments = catalog.catalog_departments_for(actor=request.user)
        return Response(CatalogDepartmentSerializer(departments, many=True).data)
