from django.urls import path

from knowledge import apis

KB = "knowledge-bases/<int:kb_id>/"
DOC = KB + "documents/<int:doc_id>/"

urlpatterns = [
    path("knowledge-bases/", apis.KnowledgeBaseListApi.as_view(), name="knowledge-base-list"),
    path(KB, apis.KnowledgeBaseDetailApi.as_view(), name="knowledge-base-detail"),
    path(KB + "grants/", apis.GrantListApi.as_view(), name="knowledge-base-grant-list"),
    path(KB + "grants/<int:grant_id>/", apis.GrantDetailApi.as_view(), name="knowledge-base-grant-detail"),
    path(KB + "search", apis.SearchApi.as_view(), name="knowledge-base-search"),
    path(KB + "documents/", apis.DocumentListApi.as_view(), name="document-list"),
    path(DOC, apis.DocumentDetailApi.as_view(), name="document-detail"),
    path(DOC + "retry/", apis.DocumentActionApi.as_view(action_name="retry"), name="document-retry"),
    path(DOC + "cancel/", apis.DocumentActionApi.as_view(action_name="cancel"), name="document-cancel"),
    path(DOC + "reindex/", apis.DocumentActionApi.as_view(action_name="reindex"), name="document-reindex"),
    path(DOC + "file/", apis.DocumentFileApi.as_view(), name="document-file"),
    path(DOC + "chunks/", apis.DocumentChunksApi.as_view(), name="document-chunks"),
    path(DOC + "runs/", apis.DocumentRunsApi.as_view(), name="document-runs"),
]
