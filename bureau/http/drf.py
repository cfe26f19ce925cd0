"""The classes DRF's settings name (bureau/settings.py REST_FRAMEWORK): the base permissions, the
upload parser, the page size. DRF imports this module while loading its views: no runtime import
back into rest_framework.views or the models."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rest_framework import pagination, parsers, permissions
from rest_framework.request import Request

from bureau.http import request_input

if TYPE_CHECKING:
    from rest_framework.views import APIView


class IsAuthenticatedActor(permissions.BasePermission):
    """A signed-in user or a valid API key. What they may touch is decided by the selectors."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        user = request.user
        return bool(user is not None and getattr(user, "is_authenticated", False))


class ApiKeyScopeRequired(permissions.BasePermission):
    """An API key uses a route only with the scope its view declares for the method; people pass
    (bureau/tenancy/scopes.py, which the async chat views and /v1 call too)."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        # Imported on use: DRF's settings load this module, which must not pull in the models.
        from bureau.tenancy.scopes import api_key_scope_check

        api_key_scope_check(actor=request.user, view=view, method=request.method or "GET")
        return True


class MultiPartParser(parsers.MultiPartParser):
    """DRF's, with the fields of the form refused when they hold NUL (bureau/http/request_input.py);
    the files' names lose it in Django's parser already."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        parsed = super().parse(stream, media_type, parser_context)
        request_input.check_form(parsed.data)
        return parsed


class Pagination(pagination.PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
