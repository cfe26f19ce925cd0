from django.urls import path

from assistants import review_apis

R = "reviews/<int:review_id>/"

urlpatterns = [
    path(
        "assistants/<int:assistant_id>/reviews/",
        review_apis.AssistantReviewListApi.as_view(),
        name="assistant-review-list",
    ),
    path("reviews/", review_apis.ReviewListApi.as_view(), name="review-list"),
    path(R, review_apis.ReviewDetailApi.as_view(), name="review-detail"),
    path(R + "approve/", review_apis.ReviewApproveApi.as_view(), name="review-approve"),
    path(R + "reject/", review_apis.ReviewRejectApi.as_view(), name="review-reject"),
    path(R + "withdraw/", review_apis.ReviewWithdrawApi.as_view(), name="review-withdraw"),
]
