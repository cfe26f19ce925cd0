from django.urls import path

from assistants import template_apis

urlpatterns = [
    path("assistant-templates/", template_apis.TemplateListApi.as_view(), name="assistant-template-list"),
    path(
        "assistant-templates/<slug:slug>/clone/",
        template_apis.TemplateCloneApi.as_view(),
        name="assistant-template-clone",
    ),
]
