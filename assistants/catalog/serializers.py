from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from assistants.catalog.audience import audience_warnings
from assistants.catalog.selectors import draft_of
from assistants.catalog.versions import draft_differs, public_tools
from assistants.models import Assistant, AssistantShare, AssistantVersion, PiiRedaction, ShareRole
from knowledge.models import Visibility


class AssistantSerializer(serializers.ModelSerializer[Assistant]):
    department_name = serializers.CharField(source="department.name", read_only=True)
    published_version = serializers.IntegerField(
        source="published_version.number", read_only=True, allow_null=True, default=None
    )
    conversation_starters = serializers.ListField(
        child=serializers.CharField(),
        source="published_version.conversation_starters",
        read_only=True,
        default=list,
        help_text="Of the published version",
    )
    created_by = serializers.EmailField(
        source="created_by.email", read_only=True, allow_null=True, default=None
    )
    unpublished_changes = serializers.SerializerMethodField(
        help_text="Whether the draft was changed since the published version (false when nothing "
        "is published)"
    )
    last_edited_at = serializers.SerializerMethodField(
        help_text="The last change of the assistant or of its draft"
    )

    class Meta:
        model = Assistant
        fields = [
            "id",
            "organization",
            "department",
            "department_name",
            "slug",
            "name",
            "description",
            "avatar",
            "visibility",
            "published_version",
            "conversation_starters",
            "legal_hold",
            "pii_redaction",
            "created_by",
            "created_at",
            "updated_at",
            "unpublished_changes",
            "last_edited_at",
        ]
        read_only_fields = fields

    def get_unpublished_changes(self, assistant: Assistant) -> bool:
        return draft_differs(assistant, draft_of(assistant))

    @extend_schema_field(OpenApiTypes.DATETIME)
    def get_last_edited_at(self, assistant: Assistant) -> str:
        draft = draft_of(assistant)
        edited = max(assistant.updated_at, draft.updated_at) if draft else assistant.updated_at
        return serializers.DateTimeField().to_representation(edited)


class AssistantRightsSerializer(serializers.Serializer):
    read_config = serializers.BooleanField()
    edit = serializers.BooleanField()
    manage = serializers.BooleanField()


class AssistantDetailSerializer(AssistantSerializer):
    permissions = AssistantRightsSerializer(read_only=True, help_text="What I may do with it")

    class Meta(AssistantSerializer.Meta):
        fields = [*AssistantSerializer.Meta.fields, "permissions"]
        read_only_fields = fields


class DuplicateResultSerializer(AssistantDetailSerializer):
    warnings = serializers.ListField(
        child=serializers.CharField(),
        read_only=True,
        help_text="What the copy left behind, e.g. knowledge the target department may not use",
    )

    class Meta(AssistantDetailSerializer.Meta):
        fields = [*AssistantDetailSerializer.Meta.fields, "warnings"]
        read_only_fields = fields


class AssistantCreateSerializer(serializers.Serializer):
    department = serializers.IntegerField(required=False, help_text="Owner department; default: your own")
    name = serializers.CharField(max_length=200)
    slug = serializers.SlugField(max_length=100, required=False)
    description = serializers.CharField(required=False, allow_blank=True)
    avatar = serializers.CharField(max_length=16, required=False, allow_blank=True)
    visibility = serializers.ChoiceField(choices=Visibility.choices, required=False)


class AssistantUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200, required=False)
    slug = serializers.SlugField(max_length=100, required=False)
    description = serializers.CharField(required=False, allow_blank=True)
    avatar = serializers.CharField(max_length=16, required=False, allow_blank=True)
    visibility = serializers.ChoiceField(choices=Visibility.choices, required=False)
    pii_redaction = serializers.ChoiceField(
        choices=PiiRedaction.choices,
        required=False,
        help_text="Redaction of personal data sent to providers outside the organization; "
        "'never' needs an org admin",
    )


class KnowledgeBaseRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class ToolSerializer(serializers.Serializer):
    kind = serializers.CharField()
    name = serializers.CharField()
    settings = serializers.DictField()
    has_secret = serializers.BooleanField()


class VersionSummarySerializer(serializers.ModelSerializer[AssistantVersion]):
    published_by = serializers.EmailField(
        source="published_by.email", read_only=True, allow_null=True, default=None
    )

    class Meta:
        model = AssistantVersion
        fields = ["id", "number", "state", "changelog", "config_hash", "published_at", "published_by"]
        read_only_fields = fields


class VersionSerializer(VersionSummarySerializer):
    knowledge_bases = serializers.SerializerMethodField()
    tools = serializers.SerializerMethodField()
    created_by = serializers.EmailField(
        source="created_by.email", read_only=True, allow_null=True, default=None
    )

    class Meta(VersionSummarySerializer.Meta):
        fields = [
            *VersionSummarySerializer.Meta.fields,
            "instructions",
            "conversation_starters",
            "model_provider",
            "model_name",
            "temperature",
            "max_tokens",
            "top_k",
            "min_similarity",
            "knowledge_only",
            "refusal_message",
            "knowledge_bases",
            "tools",
            "created_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_knowledge_bases(self, version: AssistantVersion) -> list[dict[str, Any]]:
        refs = [{"id": kb.pk, "name": kb.name} for kb in version.knowledge_bases.all()]
        return KnowledgeBaseRefSerializer(sorted(refs, key=lambda r: r["id"]), many=True).data  # type: ignore[return-value]

    def get_tools(self, version: AssistantVersion) -> list[dict[str, Any]]:
        return ToolSerializer(public_tools(version.tools), many=True).data  # type: ignore[return-value]


class DraftSerializer(VersionSerializer):
    warnings = serializers.SerializerMethodField(
        help_text="What would refuse publishing as it is, e.g. a knowledge base its model provider "
        "may not receive (classification policy)"
    )

    audience_warnings = serializers.SerializerMethodField(
        help_text="Knowledge that part of the assistant's audience may not open, which answers to "
        "them leave out (they do not refuse publishing)"
    )

    class Meta(VersionSerializer.Meta):
        fields = [*VersionSerializer.Meta.fields, "warnings", "audience_warnings"]
        read_only_fields = fields

    def get_warnings(self, version: AssistantVersion) -> list[str]:
        from assistants.review.clearance import problems_of

        return problems_of(version)

    def get_audience_warnings(self, version: AssistantVersion) -> list[str]:
        return audience_warnings(assistant=version.assistant, version=version)


class PublishedVersionSerializer(VersionSerializer):
    warnings = serializers.SerializerMethodField(
        help_text="Knowledge that part of the assistant's audience may not open, which answers to "
        "them leave out"
    )

    class Meta(VersionSerializer.Meta):
        fields = [*VersionSerializer.Meta.fields, "warnings"]
        read_only_fields = fields

    def get_warnings(self, version: AssistantVersion) -> list[str]:
        return audience_warnings(assistant=version.assistant, version=version)


@extend_schema_field(OpenApiTypes.OBJECT)
class ToolSettingsField(serializers.JSONField):
    """A JSON object; anything else reaches the tool's validation, which refuses it with the
    tool's index (a DictField would answer in DRF's nested list shape the editor cannot place)."""


class ToolWriteSerializer(serializers.Serializer):
    kind = serializers.CharField(max_length=50)
    name = serializers.CharField(max_length=64)
    settings = ToolSettingsField(required=False, allow_null=True, default=dict)
    secret = serializers.CharField(
        required=False,
        allow_null=True,
        allow_blank=True,
        write_only=True,
        trim_whitespace=False,
        help_text="Stored encrypted and never returned. Omit (or null) to keep the current one; "
        "an empty string removes it.",
    )


class DraftUpdateSerializer(serializers.Serializer):
    instructions = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    conversation_starters = serializers.ListField(
        child=serializers.CharField(allow_blank=True), required=False
    )
    model_provider = serializers.IntegerField(required=False, allow_null=True)
    model_name = serializers.CharField(required=False, allow_blank=True)
    temperature = serializers.FloatField(required=False)
    max_tokens = serializers.IntegerField(required=False)
    top_k = serializers.IntegerField(required=False)
    min_similarity = serializers.FloatField(required=False, allow_null=True)
    knowledge_only = serializers.BooleanField(required=False)
    refusal_message = serializers.CharField(required=False, allow_blank=True)
    knowledge_base_ids = serializers.ListField(child=serializers.IntegerField(), required=False)
    tools = ToolWriteSerializer(many=True, required=False)


class PublishSerializer(serializers.Serializer):
    changelog = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class DuplicateSerializer(serializers.Serializer):
    department = serializers.IntegerField(
        required=False, help_text="Where the copy goes; default: the source's department"
    )


class ImportSerializer(serializers.Serializer):
    department = serializers.IntegerField(required=False, help_text="Owner department; default: your own")
    format = serializers.CharField()
    assistant = serializers.DictField()
    config = serializers.DictField()


class ImportResultSerializer(serializers.Serializer):
    assistant = AssistantSerializer()
    warnings = serializers.ListField(child=serializers.CharField())


class FieldChangeSerializer(serializers.Serializer):
    before = serializers.JSONField(allow_null=True)
    after = serializers.JSONField(allow_null=True)


class VersionDiffSerializer(serializers.Serializer):
    version = serializers.IntegerField()
    against = serializers.JSONField(help_text='A version number, or "draft", or null (nothing)')
    changes = serializers.DictField(child=FieldChangeSerializer())


class ShareSerializer(serializers.ModelSerializer[AssistantShare]):
    email = serializers.EmailField(source="user.email", read_only=True, allow_null=True, default=None)
    department_name = serializers.CharField(
        source="department.name", read_only=True, allow_null=True, default=None
    )

    class Meta:
        model = AssistantShare
        fields = ["id", "assistant", "email", "department", "department_name", "role", "created_at"]
        read_only_fields = fields


class ShareWriteSerializer(serializers.Serializer):
    email = serializers.EmailField(required=False)
    department = serializers.IntegerField(required=False)
    role = serializers.ChoiceField(choices=ShareRole.choices, default=ShareRole.VIEWER)
