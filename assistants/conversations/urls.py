from django.urls import path

from assistants.conversations import apis, attachment_apis

C = "conversations/<int:conversation_id>/"
M = C + "messages/<int:message_id>/"

urlpatterns = [
    path("conversations/", apis.ConversationListApi.as_view(), name="conversation-list"),
    path(C, apis.ConversationDetailApi.as_view(), name="conversation-detail"),
    path(M + "stop/", apis.MessageStopApi.as_view(), name="conversation-message-stop"),
    path(M + "feedback/", apis.MessageFeedbackApi.as_view(), name="conversation-message-feedback"),
    path(
        C + "attachments/",
        attachment_apis.AttachmentListApi.as_view(),
        name="conversation-attachment-list",
    ),
    path(
        C + "attachments/<int:document_id>/",
        attachment_apis.AttachmentDetailApi.as_view(),
        name="conversation-attachment-detail",
    ),
]
