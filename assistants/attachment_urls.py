from django.urls import path

from assistants import attachment_apis

A = "conversations/<int:conversation_id>/attachments/"

urlpatterns = [
    path(A, attachment_apis.AttachmentListApi.as_view(), name="conversation-attachment-list"),
    path(
        A + "<int:document_id>/",
        attachment_apis.AttachmentDetailApi.as_view(),
        name="conversation-attachment-detail",
    ),
]
