"""Files attached to a conversation: only its owner sees or changes them (404 for anyone else)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.parsers import FormParser, JSONParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from assistants.conversations import attachments
from assistants.conversations.services import conversation_get_for
from bureau.http.drf import MultiPartParser
from bureau.http.schema import UNSUPPORTED_MEDIA_TYPE
from bureau.tenancy import scopes
from knowledge.serializers import DocumentSerializer, UploadResultSerializer, UploadSerializer


class AttachmentListApi(APIView):
    api_key_scopes = scopes.CHAT_ONLY
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    @extend_schema(responses=DocumentSerializer(many=True), summary="The files attached to a conversation")
    def get(self, request: Request, conversation_id: int) -> Response:
        conversation = conversation_get_for(actor=request.user, conversation_id=conversation_id)
        documents = attachments.attachment_list(conversation=conversation)
        return Response(DocumentSerializer(documents, many=True).data)

    @extend_schema(
        request={"multipart/form-data": UploadSerializer},
        responses={201: UploadResultSerializer(many=True), 415: UNSUPPORTED_MEDIA_TYPE},
        summary="Attach files (field `files`) to a conversation; they are indexed for it alone",
    )
    def post(self, request: Request, conversation_id: int) -> Response:
        conversation = conversation_get_for(actor=request.user, conversation_id=conversation_id)
        data = UploadSerializer(data={"files": request.FILES.getlist("files")})
        data.is_valid(raise_exception=True)
        results = attachments.attachment_add(
            actor=request.user, conversation=conversation, files=data.validated_data["files"]
        )
        outcomes = {result.outcome for result in results}
        code = 201 if "created" in outcomes else (200 if "duplicate" in outcomes else 400)
        return Response(UploadResultSerializer(results, many=True).data, status=code)


class AttachmentDetailApi(APIView):
    api_key_scopes = scopes.CHAT_ONLY

    @extend_schema(responses={204: None}, summary="Remove an attachment from a conversation")
    def delete(self, request: Request, conversation_id: int, document_id: int) -> Response:
        conversation = conversation_get_for(actor=request.user, conversation_id=conversation_id)
        document = attachments.attachment_get(conversation=conversation, document_id=document_id)
        attachments.attachment_remove(actor=request.user, conversation=conversation, document=document)
        return Response(status=status.HTTP_204_NO_CONTENT)
