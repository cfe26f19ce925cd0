"""Building assistants for chat tests directly from the models (the versioning services have their
own tests), and reading server-sent events."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from django.db import transaction

from assistants.models import Assistant, AssistantVersion, VersionState
from bureau.llm.models import ModelProvider
from bureau.security.crypto import encrypt_secret
from bureau.tenancy.models import Department
from knowledge.models import KnowledgeBase

FAKE_KEY = "sk-fake-test"


def make_provider(department: Department, base_url: str, *, api_key: str = FAKE_KEY) -> ModelProvider:
    return ModelProvider.objects.create(
        organization_id=department.organization_id,
        name=f"Fake {ModelProvider.objects.count() + 1}",
        base_url=base_url,
        api_key_encrypted=encrypt_secret(api_key),
        chat_models=["fake-chat"],
        default_chat_model="fake-chat",
        on_premises=True,
        allowed_classifications=["public", "internal", "confidential", "secret"],
    )


@transaction.atomic
def make_assistant(
    department: Department,
    *,
    slug: str = "tro-ly",
    instructions: str = "Bạn là trợ lý của Sở Tư pháp.",
    provider: ModelProvider | None = None,
    knowledge_bases: Iterable[KnowledgeBase] = (),
    tools: list[dict[str, Any]] | None = None,
    visibility: str = "department",
    knowledge_only: bool = False,
    refusal_message: str = "",
) -> Assistant:
    assistant = Assistant.objects.create(
        organization_id=department.organization_id,
        department=department,
        slug=slug,
        name=slug.replace("-", " ").title(),
        visibility=visibility,
    )
    publish(
        assistant,
        instructions=instructions,
        provider=provider,
        knowledge_bases=knowledge_bases,
        tools=tools or [],
        knowledge_only=knowledge_only,
        refusal_message=refusal_message,
    )
    return assistant


def publish(
    assistant: Assistant,
    *,
    instructions: str,
    provider: ModelProvider | None = None,
    knowledge_bases: Iterable[KnowledgeBase] = (),
    tools: list[dict[str, Any]] | None = None,
    knowledge_only: bool = False,
    refusal_message: str = "",
) -> AssistantVersion:
    number = (
        assistant.versions.exclude(number=None).order_by("-number").values_list("number", flat=True).first()
        or 0
    ) + 1
    assistant.versions.filter(state=VersionState.PUBLISHED).update(state=VersionState.RETIRED)
    # Built as "submitted" and then published: a published version's links are frozen by a trigger.
    version = AssistantVersion.objects.create(
        assistant=assistant,
        number=number,
        state=VersionState.SUBMITTED,
        instructions=instructions,
        model_provider=provider,
        model_name="fake-chat" if provider else "",
        tools=tools or [],
        knowledge_only=knowledge_only,
        refusal_message=refusal_message,
        top_k=4,
    )
    version.knowledge_bases.set(list(knowledge_bases))
    AssistantVersion.objects.filter(pk=version.pk).update(state=VersionState.PUBLISHED)
    version.state = VersionState.PUBLISHED
    assistant.published_version = version
    assistant.save(update_fields=["published_version"])
    return version


def sse_events(body: bytes) -> list[tuple[str, dict[str, Any]]]:
    events = []
    for block in body.decode().split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.splitlines() if ": " in line)
        if "event" in lines:
            events.append((lines["event"], json.loads(lines["data"])))
    return events


def streamed(response: Any) -> bytes:
    content = response.streaming_content
    if hasattr(content, "__aiter__"):
        from asgiref.sync import async_to_sync

        async def gather() -> bytes:
            return b"".join([chunk async for chunk in content])

        return async_to_sync(gather)()
    return b"".join(content)
