from django.urls import path

from assistants import config_review_apis

urlpatterns = [
    path(
        "configuration-review/",
        config_review_apis.ConfigurationReviewApi.as_view(),
        name="configuration-review",
    ),
    path("usage/breakdown/", config_review_apis.UsageBreakdownApi.as_view(), name="usage-breakdown"),
]
