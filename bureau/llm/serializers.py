from __future__ import annotations

from rest_framework import serializers

from bureau.llm.models import ModelProvider
from bureau.llm.services import CLASSIFICATIONS


class ModelProviderSerializer(serializers.ModelSerializer[ModelProvider]):
    """What every reader gets. The API key never leaves the server: only whether one is set."""

    organization = serializers.IntegerField(source="organization_id", read_only=True)
    has_api_key = serializers.SerializerMethodField()

    class Meta:
        model = ModelProvider
        fields = [
            "id",
            "organization",
            "name",
            "base_url",
            "has_api_key",
            "chat_models",
            "embedding_models",
            "default_chat_model",
            "on_premises",
            "allowed_classifications",
            "is_default",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_has_api_key(self, provider: ModelProvider) -> bool:
        return bool(provider.api_key_encrypted)


class ModelProviderWriteSerializer(serializers.Serializer):
    """Shapes only; the rules (http(s) URL, classifications, one default) are the services'."""

    organization = serializers.IntegerField(
        required=False, allow_null=True, default=None, help_text="Default: the organization I administer."
    )
    name = serializers.CharField(max_length=200)
    base_url = serializers.CharField(
        max_length=500, help_text="OpenAI-compatible endpoint, e.g. https://api.openai.com/v1"
    )
    api_key = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        max_length=4000,
        trim_whitespace=True,
        help_text="Write-only. Empty removes the key; leave it out to keep the current one.",
    )
    chat_models = serializers.ListField(
        child=serializers.CharField(max_length=200), required=False, max_length=200
    )
    embedding_models = serializers.ListField(
        child=serializers.CharField(max_length=200), required=False, max_length=200
    )
    default_chat_model = serializers.CharField(max_length=200, required=False, allow_blank=True)
    on_premises = serializers.BooleanField(required=False)
    allowed_classifications = serializers.ListField(
        child=serializers.ChoiceField(choices=CLASSIFICATIONS), required=False
    )
    is_default = serializers.BooleanField(
        required=False, allow_null=True, help_text="Default on create: true when the organization has none."
    )


class ConnectionTestSerializer(serializers.Serializer):
    ok = serializers.BooleanField()
    models = serializers.ListField(child=serializers.CharField())
    error = serializers.CharField(allow_blank=True, help_text="Why the test failed; empty when ok.")
