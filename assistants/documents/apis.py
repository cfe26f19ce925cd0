"""Produced files for download, and the format check of an uploaded DOCX, DOC or PDF."""

from __future__ import annotations

from django.http import FileResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from assistants.documents.nd30_check import NotReadable, check_document
from assistants.documents.selectors import generated_file_get_for
from assistants.documents.services import generated_file_pdf, pdf_filename
from bureau.exceptions import ValidationFailed
from bureau.http.downloads import file_response
from bureau.http.drf import MultiPartParser
from bureau.http.schema import UNSUPPORTED_MEDIA_TYPE
from bureau.tenancy import scopes
from bureau.tenancy.models import ApiScope

MAX_CHECK_BYTES = 20 * 1024 * 1024
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


class GeneratedFileDownloadApi(APIView):
    api_key_scopes = scopes.CHAT_ONLY

    @extend_schema(responses={(200, DOCX_TYPE): OpenApiResponse(OpenApiTypes.BINARY, description="The DOCX")})
    def get(self, request: Request, file_id: int) -> FileResponse:
        generated = generated_file_get_for(actor=request.user, file_id=file_id)
        return file_response(generated.file.open("rb"), filename=generated.filename, content_type=DOCX_TYPE)


class GeneratedFilePdfDownloadApi(APIView):
    """The drafted DOCX as PDF; made on the first download (409 with the reason if it cannot be)."""

    api_key_scopes = scopes.CHAT_ONLY

    @extend_schema(
        responses={(200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description="The PDF")}
    )
    def get(self, request: Request, file_id: int) -> FileResponse:
        generated = generated_file_get_for(actor=request.user, file_id=file_id)
        generated = generated_file_pdf(actor=request.user, generated=generated)
        return file_response(
            generated.pdf.open("rb"), filename=pdf_filename(generated), content_type="application/pdf"
        )


class CheckFormatSerializer(serializers.Serializer):
    file = serializers.FileField()


class DeviationSerializer(serializers.Serializer):
    code = serializers.CharField()
    message_vi = serializers.CharField()
    rule = serializers.CharField()
    location = serializers.CharField()
    count = serializers.IntegerField()


class SkippedCheckSerializer(serializers.Serializer):
    check = serializers.CharField()
    reason = serializers.CharField()


class CheckFormatResultSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["administrative", "legal", "annex", "court_precedent"])
    kind_label = serializers.CharField()
    source = serializers.ChoiceField(choices=["docx", "doc", "pdf"])  # type: ignore[assignment]
    checked = serializers.ListField(child=serializers.CharField())
    skipped = SkippedCheckSerializer(many=True)
    deviations = DeviationSerializer(many=True)


class DocumentCheckFormatApi(APIView):
    api_key_scopes = {"POST": ApiScope.READ}
    parser_classes = [MultiPartParser]

    @extend_schema(
        request=CheckFormatSerializer,
        responses={200: CheckFormatResultSerializer, 415: UNSUPPORTED_MEDIA_TYPE},
    )
    def post(self, request: Request) -> Response:
        upload = request.FILES.get("file")
        if upload is None:
            raise ValidationFailed(
                details={"file": [_("Attach a DOCX, DOC or PDF file in the field “file”.")]}
            )
        if upload.size is not None and upload.size > MAX_CHECK_BYTES:
            raise ValidationFailed(details={"file": [_("The file is too large to check (at most 20 MB).")]})
        try:
            result = check_document(upload.read())
        except NotReadable as error:
            raise ValidationFailed(details={"file": [str(error)]}) from None
        return Response(result.as_dict())
