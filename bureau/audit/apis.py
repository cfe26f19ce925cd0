from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.http import StreamingHttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from bureau.audit.models import AuditEvent
from bureau.audit.selectors import audit_event_get_for, audit_event_list_visible_to
from bureau.audit.serializers import AuditEventSerializer, AuditExportFilterSerializer, AuditFilterSerializer
from bureau.http.pagination import PaginatedAPIView, paginated
from bureau.tenancy import scopes

FILTER_ARGUMENTS = {"department": "department_id", "actor": "actor_id"}


def _filters(request: Request, serializer_class: type[AuditFilterSerializer]) -> dict[str, Any]:
    data = serializer_class(data=request.query_params)
    data.is_valid(raise_exception=True)
    return {FILTER_ARGUMENTS.get(k, k): v for k, v in data.validated_data.items()}


class AuditEventListApi(PaginatedAPIView):
    api_key_scopes = scopes.NEVER_FOR_KEYS

    @extend_schema(
        parameters=[AuditFilterSerializer],
        responses=AuditEventSerializer(many=True),
        summary="The audit log, newest first",
    )
    def get(self, request: Request) -> Response:
        events = audit_event_list_visible_to(actor=request.user, **_filters(request, AuditFilterSerializer))
        return paginated(self, request, events, AuditEventSerializer)


class AuditEventDetailApi(APIView):
    api_key_scopes = scopes.NEVER_FOR_KEYS

    @extend_schema(responses=AuditEventSerializer)
    def get(self, request: Request, event_id: int) -> Response:
        return Response(AuditEventSerializer(audit_event_get_for(actor=request.user, event_id=event_id)).data)


CSV_COLUMNS = AuditEventSerializer.Meta.fields


class AuditEventExportApi(APIView):
    api_key_scopes = scopes.NEVER_FOR_KEYS

    @extend_schema(
        parameters=[AuditExportFilterSerializer],
        responses={
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.BINARY, description="CSV"),
            (200, "application/x-ndjson"): OpenApiResponse(OpenApiTypes.BINARY, description="JSON Lines"),
        },
        summary="Export the audit log (filters as for the list) as CSV or JSON Lines",
    )
    def get(self, request: Request) -> StreamingHttpResponse:
        filters = _filters(request, AuditExportFilterSerializer)
        export_format = filters.pop("format")
        events = audit_event_list_visible_to(actor=request.user, **filters).order_by("id")
        stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
        if export_format == "csv":
            response = StreamingHttpResponse(_csv_rows(events), content_type="text/csv; charset=utf-8")
            filename = f"audit-{stamp}.csv"
        else:
            response = StreamingHttpResponse(_jsonl_rows(events), content_type="application/x-ndjson")
            filename = f"audit-{stamp}.jsonl"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response


def _rows(events: Any) -> Iterator[dict[str, Any]]:
    for event in events.iterator(chunk_size=1000):
        yield AuditEventSerializer(event).data


def _csv_rows(events: Any) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS)
    buffer.write("\ufeff")  # so that spreadsheet programs read the Vietnamese text as UTF-8
    writer.writeheader()
    for row in _rows(events):
        writer.writerow(
            {
                k: json.dumps(v, ensure_ascii=False) if isinstance(v, dict | list) else v
                for k, v in row.items()
            }
        )
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()


def _jsonl_rows(events: Any) -> Iterator[str]:
    for row in _rows(events):
        yield json.dumps(row, cls=DjangoJSONEncoder, ensure_ascii=False) + "\n"


__all__ = ["AuditEvent", "AuditEventDetailApi", "AuditEventExportApi", "AuditEventListApi"]
