"""List endpoints answer in pages: a view's GET lists through `paginated`, and the schema documents
them as pages."""

from __future__ import annotations

from typing import Any

from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from bureau.http.drf import Pagination
from bureau.http.schema import PaginatedListSchema


def paginated(view: APIView, request: Request, queryset: Any, serializer_class: Any) -> Response:
    paginator = view.paginator  # type: ignore[attr-defined]
    page = paginator.paginate_queryset(queryset, request, view=view)
    return paginator.get_paginated_response(serializer_class(page, many=True).data)


class PaginatedAPIView(APIView):
    # The lists these views GET are documented as pages (a POST answering a list is not one).
    schema = PaginatedListSchema()

    @property
    def paginator(self) -> Any:
        if not hasattr(self, "_paginator"):
            self._paginator = Pagination()
        return self._paginator
