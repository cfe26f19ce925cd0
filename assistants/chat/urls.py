from django.urls import path

from assistants.chat import views

C = "conversations/<int:conversation_id>/"
M = C + "messages/<int:message_id>/"

# A turn only: the conversations' own routes are in assistants/conversations/urls.py.
urlpatterns = [
    path(C + "messages/", views.message_create, name="conversation-message-create"),
    path(M + "regenerate/", views.message_regenerate, name="conversation-message-regenerate"),
]
