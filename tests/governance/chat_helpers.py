"""Chat plumbing shared by the governance tests: providers on and off premises, a knowledge base
holding a given text, and asking through the HTTP API."""

from __future__ import annotations

import json
from typing import Any

from django.db import transaction
from django.test import Client

from bureau.llm.models import ModelProvider
from knowledge import services as knowledge_services
from knowledge.models import KnowledgeBase
from tests.assistants.chat_helpers import make_provider
from tests.factories import World
from tests.knowledge.pipeline_helpers import upload_and_index


def provider(world: World, base_url: str, *, on_premises: bool) -> ModelProvider:
    made = make_provider(world.department, base_url)
    if not on_premises:
        ModelProvider.objects.filter(pk=made.pk).update(on_premises=False)
        made.refresh_from_db()
    return made


def knowledge_base(world: World, name: str, filename: str, text: str) -> KnowledgeBase:
    """Call with the hash embedder in place (tests.knowledge.pipeline_helpers.use_hash_embedder)."""
    with transaction.atomic():
        kb = knowledge_services.knowledge_base_create(actor=None, department=world.department, name=name)
    upload_and_index(kb, filename, text.encode())
    return kb


def start(client: Client, assistant_id: int) -> int:
    response = client.post(
        "/api/v1/conversations/", {"assistant": assistant_id}, content_type="application/json"
    )
    assert response.status_code == 201, response.content
    return int(response.json()["id"])


def ask(client: Client, conversation_id: int, content: str, *, stream: bool = False) -> Any:
    headers = {"Accept": "text/event-stream"} if stream else {}
    return client.post(
        f"/api/v1/conversations/{conversation_id}/messages/",
        {"content": content},
        content_type="application/json",
        headers=headers,
    )


def sent_text(request_body: Any) -> str:
    """All a chat request carried, as one string (JSON escapes undone), to search for values."""
    return json.dumps(request_body, ensure_ascii=False)
