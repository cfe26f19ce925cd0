"""Model providers. Org admins read and write; every other member of the organization reads (no
secret is ever returned); outsiders get 404. See bureau/llm/selectors.py."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from bureau.http.pagination import PaginatedAPIView, paginated
from bureau.llm import selectors, services
from bureau.llm.serializers import (
    ConnectionTestSerializer,
    ModelProviderSerializer,
    ModelProviderWriteSerializer,
)
from bureau.tenancy import scopes
from bureau.tenancy.access import access_of
from bureau.tenancy.models import ApiScope


class ModelProviderListApi(PaginatedAPIView):
    api_key_scopes = {"GET": ApiScope.READ, "POST": scopes.NOT_FOR_KEYS}

    @extend_schema(responses=ModelProviderSerializer(many=True), summary="Model providers of my organization")
    def get(self, request: Request) -> Response:
        # The provider made from OPENAI_BASE_URL is otherwise stored when a chat first needs it; an
        # admin looking at the list should see it from the start.
        for organization_id in access_of(request.user).organization_ids:
            services.ensure_default_provider(organization_id)
        providers = selectors.model_provider_list_visible_to(actor=request.user)
        return paginated(self, request, providers, ModelProviderSerializer)

    @extend_schema(request=ModelProviderWriteSerializer, responses={201: ModelProviderSerializer})
    def post(self, request: Request) -> Response:
        data = ModelProviderWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        organization = selectors.organization_for_provider_write(
            actor=request.user, organization_id=fields.pop("organization")
        )
        provider = services.model_provider_create(actor=request.user, organization=organization, **fields)
        return Response(ModelProviderSerializer(provider).data, status=status.HTTP_201_CREATED)


class ModelProviderDetailApi(APIView):
    api_key_scopes = {"GET": ApiScope.READ, "PATCH": scopes.NOT_FOR_KEYS, "DELETE": scopes.NOT_FOR_KEYS}

    @extend_schema(responses=ModelProviderSerializer)
    def get(self, request: Request, provider_id: int) -> Response:
        provider = selectors.model_provider_get_for(actor=request.user, provider_id=provider_id)
        return Response(ModelProviderSerializer(provider).data)

    @extend_schema(request=ModelProviderWriteSerializer(partial=True), responses=ModelProviderSerializer)
    def patch(self, request: Request, provider_id: int) -> Response:
        provider = selectors.model_provider_get_for(actor=request.user, provider_id=provider_id, write=True)
        data = ModelProviderWriteSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        changes = {k: v for k, v in data.validated_data.items() if k in request.data and k != "organization"}
        provider = services.model_provider_update(actor=request.user, provider=provider, **changes)
        return Response(ModelProviderSerializer(provider).data)

    @extend_schema(responses={204: None})
    def delete(self, request: Request, provider_id: int) -> Response:
        provider = selectors.model_provider_get_for(actor=request.user, provider_id=provider_id, write=True)
        services.model_provider_delete(actor=request.user, provider=provider)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ModelProviderTestApi(APIView):
    api_key_scopes = scopes.NEVER_FOR_KEYS

    @extend_schema(
        request=None,
        responses=ConnectionTestSerializer,
        summary="Test the connection: list the endpoint's models. A failed test is ok=false with the reason",
    )
    def post(self, request: Request, provider_id: int) -> Response:
        provider = selectors.model_provider_get_for(actor=request.user, provider_id=provider_id, write=True)
        result = services.model_provider_test(actor=request.user, provider=provider)
        return Response(ConnectionTestSerializer(result).data)
