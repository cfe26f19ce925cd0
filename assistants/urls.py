"""The assistants app's routes, one include per feature package (bureau/urls.py includes this)."""

from django.urls import include, path

urlpatterns = [
    path("", include("assistants.catalog.urls")),
    path("", include("assistants.review.urls")),
    path("", include("assistants.conversations.urls")),
    path("", include("assistants.documents.urls")),
    path("", include("assistants.oversight.urls")),
]
