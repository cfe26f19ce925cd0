from django.urls import path

from assistants import builder_apis

A = "assistants/<int:assistant_id>/"

urlpatterns = [
    path("tool-kinds/", builder_apis.ToolKindListApi.as_view(), name="tool-kind-list"),
    path(
        A + "tools/openapi-operations/",
        builder_apis.OpenApiOperationsApi.as_view(),
        name="assistant-openapi-operations",
    ),
    path(A + "tools/test/", builder_apis.ToolTestApi.as_view(), name="assistant-tool-test"),
]
