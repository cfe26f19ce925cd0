from __future__ import annotations

from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from assistants.conversations import services as conversations
from assistants.conversations.serializers import (
    ConversationCreateSerializer,
    ConversationDetailSerializer,
    ConversationRenameSerializer,
    ConversationSerializer,
    FeedbackSerializer,
)
from assistants.models import Message
from bureau.http.pagination import PaginatedAPIView, paginated
from bureau.tenancy import scopes


class ConversationListApi(PaginatedAPIView):
    api_key_scopes = scopes.CHAT_ONLY

    @extend_schema(responses=ConversationSerializer(many=True), summary="My conversations, newest first")
    def get(self, request: Request) -> Response:
        assistant = request.query_params.get("assistant")
        items = conversations.conversation_list_for(
            actor=request.user, assistant_id=int(assistant) if assistant and assistant.isdigit() else None
        )
        return paginated(self, request, items, ConversationSerializer)

    @extend_schema(
        request=ConversationCreateSerializer,
        responses={201: ConversationSerializer},
        summary="Start a conversation, pinned to the published version (or the draft, for a preview)",
    )
    def post(self, request: Request) -> Response:
        from assistants.catalog.selectors import assistant_get_for

        data = ConversationCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        assistant = assistant_get_for(actor=request.user, assistant_id=data.validated_data["assistant"])
        conversation = conversations.conversation_create(
            actor=request.user,
            assistant=assistant,
            preview=data.validated_data["preview"],
            title=data.validated_data["title"],
        )
        return Response(ConversationSerializer(conversation).data, status=status.HTTP_201_CREATED)


class ConversationDetailApi(APIView):
    api_key_scopes = scopes.CHAT_ONLY

    @extend_schema(responses=ConversationDetailSerializer, summary="A conversation with its messages")
    def get(self, request: Request, conversation_id: int) -> Response:
        conversation = conversations.conversation_get_for(actor=request.user, conversation_id=conversation_id)
        messages = Message.objects.prefetch_related("citations", "tool_calls").order_by("created_at", "id")
        conversation = (
            type(conversation)
            .objects.prefetch_related(Prefetch("messages", queryset=messages))
            .get(pk=conversation.pk)
        )
        return Response(ConversationDetailSerializer(conversation).data)

    @extend_schema(request=ConversationRenameSerializer, responses=ConversationSerializer)
    def patch(self, request: Request, conversation_id: int) -> Response:
        conversation = conversations.conversation_get_for(actor=request.user, conversation_id=conversation_id)
        data = ConversationRenameSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        conversation = conversations.conversation_rename(
            actor=request.user, conversation=conversation, title=data.validated_data["title"]
        )
        return Response(ConversationSerializer(conversation).data)

    @extend_schema(responses={204: None})
    def delete(self, request: Request, conversation_id: int) -> Response:
        conversation = conversations.conversation_get_for(actor=request.user, conversation_id=conversation_id)
        conversations.conversation_delete(actor=request.user, conversation=conversation)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MessageStopApi(APIView):
    api_key_scopes = scopes.CHAT_ONLY

    @extend_schema(request=None, responses={202: None}, summary="Stop an answer being written")
    def post(self, request: Request, conversation_id: int, message_id: int) -> Response:
        message = conversations.message_get_for(
            actor=request.user, conversation_id=conversation_id, message_id=message_id
        )
        conversations.message_stop(actor=request.user, message=message)
        return Response(status=status.HTTP_202_ACCEPTED)


class MessageFeedbackApi(APIView):
    api_key_scopes = scopes.CHAT_ONLY

    @extend_schema(request=FeedbackSerializer, responses={201: FeedbackSerializer})
    def post(self, request: Request, conversation_id: int, message_id: int) -> Response:
        message = conversations.message_get_for(
            actor=request.user, conversation_id=conversation_id, message_id=message_id
        )
        data = FeedbackSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        feedback = conversations.feedback_give(actor=request.user, message=message, **data.validated_data)
        return Response(FeedbackSerializer(feedback).data, status=status.HTTP_201_CREATED)
