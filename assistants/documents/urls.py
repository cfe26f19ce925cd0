from django.urls import path

from assistants.documents import apis

urlpatterns = [
    path(
        "files/<int:file_id>/download/",
        apis.GeneratedFileDownloadApi.as_view(),
        name="generated-file-download",
    ),
    path(
        "files/<int:file_id>/pdf/",
        apis.GeneratedFilePdfDownloadApi.as_view(),
        name="generated-file-pdf",
    ),
    path("documents/check-format", apis.DocumentCheckFormatApi.as_view(), name="document-check-format"),
]
