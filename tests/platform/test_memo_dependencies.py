"""What chat turns remember is tied to the models it is computed from (bureau/runtime/memo.py DEPENDENCIES):
a write to any of them, through a service or not, moves the epoch, so no process serves an entry
computed before it. And what the memo hands out is each caller's own copy."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.db import transaction

from assistants.models import AssistantShare, AssistantVersion, Conversation, VersionState
from bureau.quotas.models import QuotaLimit
from bureau.runtime import memo
from bureau.tenancy.models import ApiKey, Membership
from knowledge.models import KnowledgeBaseGrant
from tests.assistants.chat_helpers import make_assistant, make_provider
from tests.factories import World, make_department, make_member, make_organization
from tests.knowledge.pipeline_helpers import upload

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def rows(world: World) -> dict[str, Any]:
    """One row of every model the memo depends on."""
    from bureau.tenancy.models import Role
    from bureau.tenancy.services import api_key_create
    from knowledge import services as knowledge_services

    with transaction.atomic():
        kb = knowledge_services.knowledge_base_create(actor=None, department=world.department, name="Quy chế")
        key = api_key_create(actor=None, department=world.department, name="k", scopes=["chat"]).api_key
    document = upload(kb, "quy_che.txt", "Quy chế làm việc.".encode()).document
    provider = make_provider(world.department, "http://127.0.0.1:9/v1")
    assistant = make_assistant(world.department, provider=provider, knowledge_bases=[kb])
    draft = AssistantVersion.objects.create(assistant=assistant, state=VersionState.DRAFT)
    return {
        "tenancy.ApiKey": key,
        "tenancy.Department": world.department,
        "tenancy.Organization": world.organization,
        "tenancy.User": world.user("member"),
        "tenancy.Membership": Membership.objects.filter(user=world.user("member")).get(),
        "assistants.Assistant": assistant,
        "assistants.AssistantVersion": draft,
        "assistants.AssistantShare": AssistantShare.objects.create(
            assistant=assistant, user=make_member(world.other_department, Role.MEMBER)
        ),
        "assistants.Conversation": Conversation.objects.create(
            assistant=assistant, version=assistant.versions.get(number=1), user=world.user("member")
        ),
        "llm.ModelProvider": provider,
        "knowledge.KnowledgeBase": kb,
        "knowledge.KnowledgeBaseGrant": KnowledgeBaseGrant.objects.create(
            knowledge_base=kb, department=world.other_department
        ),
        "knowledge.Document": document,
        "quotas.QuotaLimit": QuotaLimit.objects.create(
            organization=world.organization, kind="messages_per_day", limit=10
        ),
    }


def _every_dependency() -> list[tuple[str, str]]:
    return sorted(
        (kind, label) for kind, needs in memo.DEPENDENCIES.items() for label in needs.rows | needs.sets
    )


@pytest.mark.parametrize(("kind", "label"), _every_dependency())
def test_a_write_to_a_model_an_entry_depends_on_moves_the_epoch(
    kind: str, label: str, rows: dict[str, Any]
) -> None:
    row = rows[label]
    before = memo.epoch()
    row.save()
    after_save = memo.epoch()
    assert after_save != before, f"saving a {label} leaves {kind!r} entries in place"
    # Rows others protect (PROTECT foreign keys) are deleted as a new row of their own.
    spare: dict[str, Callable[[], Any]] = {
        "tenancy.Department": lambda: make_department(rows["tenancy.Organization"]),
        "tenancy.Organization": make_organization,
        "llm.ModelProvider": lambda: make_provider(rows["tenancy.Department"], "http://127.0.0.1:9/v1"),
    }
    if label in spare:
        row = spare[label]()
        after_save = memo.epoch()
    row.delete()
    assert memo.epoch() != after_save, f"deleting a {label} leaves {kind!r} entries in place"


def test_the_links_of_a_versions_knowledge_move_the_epoch(rows: dict[str, Any]) -> None:
    draft, kb = rows["assistants.AssistantVersion"], rows["knowledge.KnowledgeBase"]
    before = memo.epoch()
    draft.knowledge_bases.add(kb)
    added = memo.epoch()
    assert added != before
    draft.knowledge_bases.remove(kb)
    assert memo.epoch() != added


def test_a_new_row_moves_the_epoch_where_lists_are_remembered_and_not_where_rows_are(
    world: World, rows: dict[str, Any]
) -> None:
    assistant = rows["assistants.Assistant"]
    before = memo.epoch()
    KnowledgeBaseGrant.objects.create(knowledge_base=rows["knowledge.KnowledgeBase"], department=world.office)
    granted = memo.epoch()
    assert granted != before  # a new grant widens who may open the knowledge base
    # A new conversation cannot be in any process's memo: no process forgets everything for it.
    Conversation.objects.create(
        assistant=assistant, version=assistant.versions.get(number=1), user=world.user("member")
    )
    assert memo.epoch() == granted


def test_a_write_to_a_model_no_entry_depends_on_leaves_the_epoch(rows: dict[str, Any]) -> None:
    before = memo.epoch()
    conversation = rows["assistants.Conversation"]
    conversation.messages.create(role="user", content="Xin chào")
    assert memo.epoch() == before


def test_every_model_named_exists_and_every_kind_used_is_declared() -> None:
    for _kind, label in _every_dependency():
        apps.get_model(label)
    used: set[str] = set()
    for path in [
        *ROOT.glob("bureau/**/*.py"),
        *ROOT.glob("assistants/**/*.py"),
        *ROOT.glob("knowledge/**/*.py"),
    ]:
        used.update(re.findall(r"memo\.remember\(\s*\(\s*\"([a-z-]+)\"", path.read_text(encoding="utf-8")))
    assert used, "no memo.remember call found: the pattern above is out of date"
    assert used == set(memo.DEPENDENCIES), (
        "declare each kind's models in memo.DEPENDENCIES, and only those used"
    )
    with pytest.raises(ValueError, match="unknown kind"):
        memo.remember(("something-else", 1), lambda: 1)


def test_each_caller_gets_its_own_copy(rows: dict[str, Any]) -> None:
    calls: list[int] = []

    def compute() -> Any:
        calls.append(1)
        return ApiKey.objects.get(pk=rows["tenancy.ApiKey"].pk)

    with memo.reading():
        first = memo.remember(("api-key", "copy"), compute)
        first.name = "đổi tên trong bộ nhớ"
        second = memo.remember(("api-key", "copy"), compute)
        second.scopes.append("write")
        third = memo.remember(("api-key", "copy"), compute)
    assert len(calls) == 1  # remembered, not read again
    assert second.name == third.name == "k"
    assert third.scopes == ["chat"]
    assert first is not second is not third


def test_models_no_entry_depends_on_have_no_receivers() -> None:
    """The receivers are connected per model: one for every model would make Django fetch the
    rows of every bulk delete (a knowledge base's chunks, by the million) to send their signals."""
    from django.db.models.signals import post_delete, post_save, pre_delete

    from knowledge.models import Chunk

    for signal in (pre_delete, post_delete, post_save):
        assert not signal.has_listeners(Chunk)
