from django.urls import path

from assistants.catalog import apis, builder_apis, template_apis

A = "assistants/<int:assistant_id>/"
V = A + "versions/<int:number>/"

urlpatterns = [
    path("assistants/", apis.AssistantListApi.as_view(), name="assistant-list"),
    path("assistants/import/", apis.ImportApi.as_view(), name="assistant-import"),
    path(A, apis.AssistantDetailApi.as_view(), name="assistant-detail"),
    path(A + "draft/", apis.DraftApi.as_view(), name="assistant-draft"),
    path(A + "publish/", apis.PublishApi.as_view(), name="assistant-publish"),
    path(A + "versions/", apis.VersionListApi.as_view(), name="assistant-version-list"),
    path(V, apis.VersionDetailApi.as_view(), name="assistant-version-detail"),
    path(V + "diff", apis.VersionDiffApi.as_view(), name="assistant-version-diff"),
    path(V + "rollback/", apis.RollbackApi.as_view(), name="assistant-version-rollback"),
    path(A + "duplicate/", apis.DuplicateApi.as_view(), name="assistant-duplicate"),
    path(A + "export/", apis.ExportApi.as_view(), name="assistant-export"),
    path(A + "shares/", apis.ShareListApi.as_view(), name="assistant-share-list"),
    path(A + "shares/<int:share_id>/", apis.ShareDetailApi.as_view(), name="assistant-share-detail"),
    path("assistant-templates/", template_apis.TemplateListApi.as_view(), name="assistant-template-list"),
    path(
        "assistant-templates/<slug:slug>/clone/",
        template_apis.TemplateCloneApi.as_view(),
        name="assistant-template-clone",
    ),
    path("tool-kinds/", builder_apis.ToolKindListApi.as_view(), name="tool-kind-list"),
    path(
        A + "tools/openapi-operations/",
        builder_apis.OpenApiOperationsApi.as_view(),
        name="assistant-openapi-operations",
    ),
    path(A + "tools/test/", builder_apis.ToolTestApi.as_view(), name="assistant-tool-test"),
]
