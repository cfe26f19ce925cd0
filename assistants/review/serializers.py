from __future__ import annotations

from typing import Any

from rest_framework import serializers

from assistants.catalog.audience import audience_warnings
from assistants.catalog.serializers import FieldChangeSerializer, VersionSerializer
from assistants.models import PublishReview
from assistants.review.clearance import problems_of


class ReviewSerializer(serializers.ModelSerializer[PublishReview]):
    assistant_name = serializers.CharField(source="assistant.name", read_only=True)
    department = serializers.IntegerField(source="assistant.department_id", read_only=True)
    author = serializers.SerializerMethodField(help_text="Email of the author, or the API key's prefix")
    reviewer = serializers.EmailField(source="reviewer.email", read_only=True, allow_null=True, default=None)
    published_version = serializers.IntegerField(
        source="published_version.number",
        read_only=True,
        allow_null=True,
        default=None,
        help_text="The version the approval published",
    )
    rollback_of = serializers.IntegerField(
        read_only=True, allow_null=True, help_text="For a rollback: the version whose content comes back"
    )

    class Meta:
        model = PublishReview
        fields = [
            "id",
            "assistant",
            "assistant_name",
            "department",
            "state",
            "changelog",
            "rollback_of",
            "config_hash",
            "author",
            "reviewer",
            "comment",
            "published_version",
            "created_at",
            "decided_at",
        ]
        read_only_fields = fields

    def get_author(self, review: PublishReview) -> str | None:
        if review.author is not None:
            return review.author.email
        if review.author_api_key_id is not None:
            return f"API key {review.author_api_key.prefix}" if review.author_api_key else None
        return None


class ReviewDetailSerializer(ReviewSerializer):
    against = serializers.SerializerMethodField(help_text="The published version the diff is against")
    changes = serializers.SerializerMethodField(
        help_text="Per field that differs from the published version: before and after"
    )
    snapshot = VersionSerializer(read_only=True, help_text="Exactly what approval publishes")
    warnings = serializers.SerializerMethodField(
        help_text="Problems that would refuse its approval (classification policy)"
    )

    audience_warnings = serializers.SerializerMethodField(
        help_text="Knowledge that part of the assistant's audience may not open, which answers to "
        "them would leave out (it does not refuse approval)"
    )

    class Meta(ReviewSerializer.Meta):
        fields = [
            *ReviewSerializer.Meta.fields,
            "against",
            "changes",
            "snapshot",
            "warnings",
            "audience_warnings",
        ]
        read_only_fields = fields

    def get_against(self, review: PublishReview) -> int | None:
        published = review.assistant.published_version
        return published.number if published is not None else None

    def get_changes(self, review: PublishReview) -> dict[str, Any]:
        from assistants.review.services import review_changes

        changes = review_changes(review)
        return {name: FieldChangeSerializer(value).data for name, value in changes.items()}

    def get_warnings(self, review: PublishReview) -> list[str]:
        review.snapshot.assistant = review.assistant
        return problems_of(review.snapshot)

    def get_audience_warnings(self, review: PublishReview) -> list[str]:
        return audience_warnings(assistant=review.assistant, version=review.snapshot)


class ReviewSubmitSerializer(serializers.Serializer):
    changelog = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)
    version = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        help_text="A version number to bring back (a rollback under review); default: the draft",
    )


class ReviewApproveSerializer(serializers.Serializer):
    comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=4000)


class ReviewRejectSerializer(serializers.Serializer):
    comment = serializers.CharField(max_length=4000, help_text="Why: the author reads it")
