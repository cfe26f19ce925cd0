"""Reviews before publish (assistants.review.services): submitted per assistant, listed across the
organization for those who decide, approved, rejected or withdrawn."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from assistants.catalog.selectors import assistant_get_for
from assistants.models import ReviewState
from assistants.review import selectors
from assistants.review import services as reviews
from assistants.review.serializers import (
    ReviewApproveSerializer,
    ReviewDetailSerializer,
    ReviewRejectSerializer,
    ReviewSerializer,
    ReviewSubmitSerializer,
)
from bureau.http.pagination import PaginatedAPIView, paginated
from bureau.ids import as_id
from bureau.tenancy import scopes

STATE = OpenApiParameter("state", str, enum=ReviewState.values, description="Only reviews in this state")


class AssistantReviewListApi(PaginatedAPIView):
    api_key_scopes = scopes.READ_AND_WRITE

    @extend_schema(
        responses=ReviewSerializer(many=True), parameters=[STATE], summary="This assistant's reviews"
    )
    def get(self, request: Request, assistant_id: int) -> Response:
        found = selectors.review_list_for(actor=request.user, assistant_id=assistant_id)
        if request.query_params.get("state"):
            found = found.filter(state=request.query_params["state"])
        return paginated(self, request, found, ReviewSerializer)

    @extend_schema(
        request=ReviewSubmitSerializer,
        responses={201: ReviewDetailSerializer},
        summary="Submit the draft (or, with `version`, an old version's content) for review",
    )
    def post(self, request: Request, assistant_id: int) -> Response:
        assistant = assistant_get_for(actor=request.user, assistant_id=assistant_id, write=True)
        data = ReviewSubmitSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        review = reviews.review_submit(actor=request.user, assistant=assistant, **data.validated_data)
        return Response(ReviewDetailSerializer(review).data, status=status.HTTP_201_CREATED)


class ReviewListApi(PaginatedAPIView):
    api_key_scopes = scopes.READ_ONLY

    @extend_schema(
        responses=ReviewSerializer(many=True),
        parameters=[STATE, OpenApiParameter("assistant", int, description="Only this assistant's")],
        summary="Reviews across the organization (org admins, auditors) or my departments'",
    )
    def get(self, request: Request) -> Response:
        found = selectors.review_list_visible_to(actor=request.user)
        if request.query_params.get("state"):
            found = found.filter(state=request.query_params["state"])
        if request.query_params.get("assistant"):
            found = found.filter(assistant_id=as_id(request.query_params["assistant"]))
        return paginated(self, request, found.order_by("-created_at", "-id"), ReviewSerializer)


class ReviewDetailApi(APIView):
    api_key_scopes = scopes.READ_ONLY

    @extend_schema(
        responses=ReviewDetailSerializer, summary="A review, with its diff against what is published"
    )
    def get(self, request: Request, review_id: int) -> Response:
        review = selectors.review_get_for(actor=request.user, review_id=review_id)
        return Response(ReviewDetailSerializer(review).data)


class ReviewApproveApi(APIView):
    api_key_scopes = scopes.NEVER_FOR_KEYS

    @extend_schema(
        request=ReviewApproveSerializer,
        responses=ReviewDetailSerializer,
        summary="Approve: publishes the submitted content as a new version (not by its author)",
    )
    def post(self, request: Request, review_id: int) -> Response:
        review = selectors.review_get_for(actor=request.user, review_id=review_id, decide=True)
        data = ReviewApproveSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        review = reviews.review_approve(actor=request.user, review=review, **data.validated_data)
        return Response(ReviewDetailSerializer(review).data)


class ReviewRejectApi(APIView):
    api_key_scopes = scopes.NEVER_FOR_KEYS

    @extend_schema(
        request=ReviewRejectSerializer,
        responses=ReviewDetailSerializer,
        summary="Reject, saying why; the published version stays",
    )
    def post(self, request: Request, review_id: int) -> Response:
        review = selectors.review_get_for(actor=request.user, review_id=review_id, decide=True)
        data = ReviewRejectSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        review = reviews.review_reject(actor=request.user, review=review, **data.validated_data)
        return Response(ReviewDetailSerializer(review).data)


class ReviewWithdrawApi(APIView):
    api_key_scopes = scopes.READ_AND_WRITE

    @extend_schema(request=None, responses=ReviewDetailSerializer, summary="Withdraw my pending review")
    def post(self, request: Request, review_id: int) -> Response:
        review = selectors.review_get_for(actor=request.user, review_id=review_id)
        review = reviews.review_withdraw(actor=request.user, review=review)
        return Response(ReviewDetailSerializer(review).data)
