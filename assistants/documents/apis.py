"""Produced files for download, and the format check of an uploaded DOCX."""

from __future__ import annotations

from django.http import FileResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from assistants.documents.nd30_check import NotADocx, check_docx
from assistants.documents.selectors import generated_file_get_for
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


class CheckFormatSerializer(serializers.Serializer):
    file = serializers.FileField()


class DeviationSerializer(serializers.Serializer):
    code = serializers.CharField()
    message_vi = serializers.CharField()
    rule = serializers.CharField()
    location = serializers.CharField()


class CheckFormatResultSerializer(serializers.Serializer):
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
            raise ValidationFailed(details={"file": [_("Attach a DOCX file in the field “file”.")]})
        if upload.size is not None and upload.size > MAX_CHECK_BYTES:
            raise ValidationFailed(details={"file": [_("The file is too large to check (at most 20 MB).")]})
        try:
            deviations = check_docx(upload.read())
        except NotADocx:
            raise ValidationFailed(
                details={"file": [_("Only DOCX files (Word 2007 and later) can be checked.")]}
            ) from None
        return Response({"deviations": [d.as_dict() for d in deviations]})
