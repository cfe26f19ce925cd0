from django.urls import path

from assistants.review import apis, configuration_apis

R = "reviews/<int:review_id>/"

urlpatterns = [
    path(
        "assistants/<int:assistant_id>/reviews/",
        apis.AssistantReviewListApi.as_view(),
        name="assistant-review-list",
    ),
    path("reviews/", apis.ReviewListApi.as_view(), name="review-list"),
    path(R, apis.ReviewDetailApi.as_view(), name="review-detail"),
    path(R + "approve/", apis.ReviewApproveApi.as_view(), name="review-approve"),
    path(R + "reject/", apis.ReviewRejectApi.as_view(), name="review-reject"),
    path(R + "withdraw/", apis.ReviewWithdrawApi.as_view(), name="review-withdraw"),
    path(
        "configuration-review/",
        configuration_apis.ConfigurationReviewApi.as_view(),
        name="configuration-review",
    ),
]
