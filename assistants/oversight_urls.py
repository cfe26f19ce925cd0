from django.urls import path

from assistants import oversight_apis

urlpatterns = [
    path(
        "configuration-review/",
        oversight_apis.ConfigurationReviewApi.as_view(),
        name="configuration-review",
    ),
    path("usage/breakdown/", oversight_apis.UsageBreakdownApi.as_view(), name="usage-breakdown"),
]
