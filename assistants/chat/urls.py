from django.urls import path

from assistants.chat import apis, views

C = "conversations/<int:conversation_id>/"
M = C + "messages/<int:message_id>/"

urlpatterns = [
    path("conversations/", apis.ConversationListApi.as_view(), name="conversation-list"),
    path(C, apis.ConversationDetailApi.as_view(), name="conversation-detail"),
    path(C + "messages/", views.message_create, name="conversation-message-create"),
    path(M + "regenerate/", views.message_regenerate, name="conversation-message-regenerate"),
    path(M + "stop/", apis.MessageStopApi.as_view(), name="conversation-message-stop"),
    path(M + "feedback/", apis.MessageFeedbackApi.as_view(), name="conversation-message-feedback"),
]
