from __future__ import annotations

from rest_framework import serializers

from assistants.models import Citation, Conversation, Message, Rating, ToolCall


class CitationSerializer(serializers.ModelSerializer[Citation]):
    class Meta:
        model = Citation
        fields = [
            "marker",
            "chunk",
            "document",
            "knowledge_base_id",
            "document_title",
            "heading_path",
            "page_start",
            "page_end",
            "scores",
            "snippet",
        ]
        read_only_fields = fields


class ToolCallSerializer(serializers.ModelSerializer[ToolCall]):
    class Meta:
        model = ToolCall
        fields = [
            "id",
            "call_id",
            "kind",
            "name",
            "arguments",
            "result_summary",
            "result",
            "status",
            "error",
            "duration_ms",
            "created_at",
        ]
        read_only_fields = fields


class MessageSerializer(serializers.ModelSerializer[Message]):
    citations = CitationSerializer(many=True, read_only=True)
    tool_calls = ToolCallSerializer(many=True, read_only=True)

    class Meta:
        model = Message
        fields = [
            "id",
            "role",
            "content",
            "status",
            "error",
            "extractive",
            "model",
            "prompt_tokens",
            "completion_tokens",
            "ttft_ms",
            "latency_ms",
            "redactions",
            "regenerated_from",
            "created_at",
            "citations",
            "tool_calls",
        ]
        read_only_fields = fields


class ConversationSerializer(serializers.ModelSerializer[Conversation]):
    assistant_name = serializers.CharField(source="assistant.name", read_only=True)
    version_number = serializers.IntegerField(source="version.number", read_only=True, allow_null=True)
    preview = serializers.SerializerMethodField()

    class Meta:
        model = Conversation
        fields = [
            "id",
            "assistant",
            "assistant_name",
            "version",
            "version_number",
            "preview",
            "title",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_preview(self, conversation: Conversation) -> bool:
        return conversation.version.number is None


class ConversationDetailSerializer(ConversationSerializer):
    messages = MessageSerializer(many=True, read_only=True)

    class Meta(ConversationSerializer.Meta):
        fields = [*ConversationSerializer.Meta.fields, "messages"]


class ConversationCreateSerializer(serializers.Serializer):
    assistant = serializers.IntegerField()
    preview = serializers.BooleanField(default=False, help_text="Chat with the draft (editors only)")
    title = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class ConversationRenameSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=300)


class MessageCreateSerializer(serializers.Serializer):
    content = serializers.CharField(max_length=8000)


class FeedbackSerializer(serializers.Serializer):
    rating = serializers.ChoiceField(choices=Rating.choices)
    comment = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")
