from django.urls import path

from assistants.oversight import apis

urlpatterns = [
    path(
        "audit/conversations/",
        apis.OversightConversationListApi.as_view(),
        name="oversight-conversation-list",
    ),
    path(
        "audit/conversations/<int:conversation_id>/export/",
        apis.ConversationExportApi.as_view(),
        name="conversation-export",
    ),
    path(
        "conversations/<int:conversation_id>/legal-hold/",
        apis.ConversationLegalHoldApi.as_view(),
        name="conversation-legal-hold",
    ),
    path(
        "assistants/<int:assistant_id>/legal-hold/",
        apis.AssistantLegalHoldApi.as_view(),
        name="assistant-legal-hold",
    ),
    path("usage/breakdown/", apis.UsageBreakdownApi.as_view(), name="usage-breakdown"),
]
