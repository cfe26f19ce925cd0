"""Retention (per department, with legal holds), and the auditors' search and export of
conversations. The clock is frozen by passing `now` into the retention service."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.utils import timezone

from assistants.conversations.attachments import attachment_add, scope_of
from assistants.conversations.services import conversation_create
from assistants.documents.services import generated_file_create
from assistants.models import (
    Assistant,
    Citation,
    Conversation,
    GeneratedFile,
    GeneratedFileKind,
    Message,
    ToolCall,
)
from assistants.oversight.retention import retention_apply
from bureau.audit.models import AuditEvent
from bureau.governance.models import DepartmentPolicy
from bureau.governance.selectors import policy_of, retention_of
from bureau.governance.services import policy_update
from bureau.tenancy.models import Role
from knowledge import services as knowledge_services
from knowledge.models import Document, KnowledgeBase
from tests.assistants.chat_helpers import make_assistant, make_provider
from tests.factories import World, make_member
from tests.fakes.fake_llm import FakeLLM
from tests.knowledge.pipeline_helpers import DATA, upload_and_index, use_hash_embedder

pytestmark = pytest.mark.django_db

RETENTION = "conversation.retention_delete"


def _conversation(assistant: Assistant, user: Any, *, days_idle: int, held: bool = False) -> Conversation:
    """A conversation with a question, a cited answer and a tool call, last active `days_idle` ago."""
    with transaction.atomic():
        conversation = conversation_create(actor=user, assistant=assistant, title="Hỏi về thể thức")
    Message.objects.create(conversation=conversation, role="user", content="Thể thức văn bản?")
    answer = Message.objects.create(
        conversation=conversation, role="assistant", content="Gồm 9 thành phần [1]."
    )
    Citation.objects.create(
        message=answer, marker=1, document_title="Nghị định 30", page_start=2, page_end=3, snippet="Thể thức"
    )
    ToolCall.objects.create(message=answer, kind="calculator", name="may_tinh", status="succeeded")
    Conversation.objects.filter(pk=conversation.pk).update(
        updated_at=timezone.now() - timedelta(days=days_idle), legal_hold=held
    )
    return conversation


def _exists(conversation: Conversation) -> bool:
    return Conversation.objects.filter(pk=conversation.pk).exists()


def test_old_conversations_go_held_and_recent_ones_stay(world: World, settings: Any) -> None:
    settings.BUREAU_RETENTION_DAYS = 30
    member = world.user("member")
    assistant = make_assistant(world.department)
    held_assistant = make_assistant(world.department, slug="thanh-tra")
    Assistant.objects.filter(pk=held_assistant.pk).update(legal_hold=True)
    old = _conversation(assistant, member, days_idle=40)
    old_too = _conversation(assistant, world.user("builder"), days_idle=31)
    recent = _conversation(assistant, member, days_idle=10)
    held = _conversation(assistant, member, days_idle=400, held=True)
    under_held_assistant = _conversation(held_assistant, member, days_idle=400)

    done = retention_apply()

    assert not _exists(old) and not _exists(old_too)
    assert _exists(recent) and _exists(held) and _exists(under_held_assistant)
    assert not Message.objects.filter(conversation_id__in=[old.pk, old_too.pk]).exists()
    assert Citation.objects.count() == 3 and ToolCall.objects.count() == 3  # the three kept
    counts = {"conversations": 2, "messages": 4, "citations": 2, "tool_calls": 2}
    assert done == {world.department.pk: {**counts, "attachments": 0, "generated_files": 0}}
    event = AuditEvent.objects.get(action=RETENTION)
    assert event.department_id == world.department.pk and event.actor_id is None
    assert event.after is not None and event.after["conversations"] == 2 and event.after["messages"] == 4
    assert event.after["retention_days"] == 30 and event.after["retention_source"] == "settings"
    # Counts only, never the content.
    assert "Thể thức" not in str(event.after) and "Hỏi" not in str(event.after)
    # A second run finds nothing to do and records nothing.
    assert retention_apply() == {}
    assert AuditEvent.objects.filter(action=RETENTION).count() == 1


def test_department_period_beats_organization_default_beats_settings(world: World, settings: Any) -> None:
    settings.BUREAU_RETENTION_DAYS = 365
    assistant = make_assistant(world.department)
    member = world.user("member")
    assert retention_of(world.department).days == 365
    idle_100 = _conversation(assistant, member, days_idle=100)
    retention_apply()
    assert _exists(idle_100)  # settings: a year

    with transaction.atomic():
        policy_update(actor=None, policy=policy_of(world.organization), default_retention_days=60)
    admin = Client()
    admin.force_login(world.user("org_admin"))
    url = f"/api/v1/departments/{world.department.pk}/policy/"
    response = admin.patch(url, {"retention_days": 200}, content_type="application/json")
    assert response.status_code == 200, response.content
    assert response.json()["effective_retention_days"] == 200
    assert response.json()["retention_source"] == "department"
    retention_apply()
    assert _exists(idle_100)  # the department keeps 200 days, though the organization says 60

    response = admin.patch(url, {"retention_days": None}, content_type="application/json")
    assert response.json() == {
        **response.json(),
        "effective_retention_days": 60,
        "retention_source": "organization",
    }
    retention_apply()
    assert not _exists(idle_100)  # the organization's 60 days apply again
    assert AuditEvent.objects.filter(action="department.policy.update").count() == 2
    dept_admin = Client()
    dept_admin.force_login(world.user("dept_admin"))
    assert dept_admin.get(url).json()["effective_retention_days"] == 60
    assert DepartmentPolicy.objects.get().retention_days is None


def test_attachments_and_generated_files_go_with_the_conversation(
    world: World, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.BUREAU_RETENTION_DAYS = 30
    member = world.user("member")
    assistant = make_assistant(world.department)
    conversation = _conversation(assistant, member, days_idle=1)
    source = DATA / "nd30_2020" / "Phuluc1.md"
    with transaction.atomic():
        attachment_add(
            actor=member,
            conversation=conversation,
            files=[SimpleUploadedFile(source.name, source.read_bytes())],
            dispatch=False,
        )
        drafted = generated_file_create(
            actor=member,
            conversation=conversation,
            message=None,
            kind=GeneratedFileKind.DRAFT_DOCX,
            filename="cong_van.docx",
            content=b"PK\x03\x04 a drafted document",
        )
    Conversation.objects.filter(pk=conversation.pk).update(updated_at=timezone.now() - timedelta(days=45))
    attached = Document.objects.get(knowledge_base__scope=scope_of(conversation.pk))
    stored = [str(drafted.file.name), str(attached.file.name)]
    assert all(default_storage.exists(name) for name in stored)

    with django_capture_on_commit_callbacks(execute=True):
        done = retention_apply()

    assert done[world.department.pk]["attachments"] == 1 and done[world.department.pk]["generated_files"] == 1
    assert not KnowledgeBase.objects.filter(scope=scope_of(conversation.pk)).exists()
    assert not GeneratedFile.objects.exists()
    assert not any(default_storage.exists(name) for name in stored)


def test_the_beat_task_runs_the_retention(world: World, settings: Any) -> None:
    from assistants.tasks import apply_retention

    beat = [entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()]
    assert "assistants.tasks.apply_retention" in beat
    settings.BUREAU_RETENTION_DAYS = 30
    assistant = make_assistant(world.department)
    _conversation(assistant, world.user("member"), days_idle=31)
    _conversation(assistant, world.user("member"), days_idle=29)
    assert apply_retention.apply().get() == 1
    assert Conversation.objects.count() == 1


def test_a_run_takes_one_batch_per_department(world: World, settings: Any) -> None:
    settings.BUREAU_RETENTION_DAYS = 30
    assistant = make_assistant(world.department)
    old = [_conversation(assistant, world.user("member"), days_idle=40 + n) for n in range(3)]
    first = retention_apply(batch_size=2)
    assert first[world.department.pk]["conversations"] == 2
    assert [_exists(c) for c in old] == [True, False, False]  # the longest idle went first
    assert retention_apply(batch_size=2)[world.department.pk]["conversations"] == 1
    assert retention_apply(batch_size=2) == {}
    assert AuditEvent.objects.filter(action=RETENTION).count() == 2


# --- legal hold through the API -------------------------------------------------------------------


def test_auditor_holds_a_conversation_and_org_admin_an_assistant(world: World, settings: Any) -> None:
    settings.BUREAU_RETENTION_DAYS = 30
    assistant = make_assistant(world.department)
    other = make_assistant(world.department, slug="khac")
    kept = _conversation(assistant, world.user("member"), days_idle=90)
    kept_by_assistant = _conversation(other, world.user("member"), days_idle=90)
    auditor, org_admin, member = Client(), Client(), Client()
    auditor.force_login(world.user("auditor"))
    org_admin.force_login(world.user("org_admin"))
    member.force_login(world.user("member"))
    hold = {"legal_hold": True, "reason": "Thanh tra số 12"}
    url = f"/api/v1/conversations/{kept.pk}/legal-hold/"
    assert auditor.put(url, hold, content_type="application/json").status_code == 200
    assistant_url = f"/api/v1/assistants/{other.pk}/legal-hold/"
    assert org_admin.put(assistant_url, hold, content_type="application/json").status_code == 200
    # The owner sees the conversation but may not lift the hold.
    assert member.put(url, {"legal_hold": False}, content_type="application/json").status_code == 403
    retention_apply()
    assert _exists(kept) and _exists(kept_by_assistant)
    event = AuditEvent.objects.filter(action="conversation.legal_hold").get()
    assert event.before == {"legal_hold": False}
    assert event.after == {"legal_hold": True, "reason": "Thanh tra số 12"}
    # The owner cannot delete it while it is held.
    assert member.delete(f"/api/v1/conversations/{kept.pk}/").status_code == 409
    # Cleared, the next run deletes it.
    assert auditor.put(url, {"legal_hold": False}, content_type="application/json").status_code == 200
    retention_apply()
    assert not _exists(kept) and _exists(kept_by_assistant)


# --- the auditors' search and export ---------------------------------------------------------------


def test_export_has_messages_citations_tool_calls_and_the_version(
    world: World, llm: FakeLLM, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_hash_embedder(monkeypatch)
    with transaction.atomic():
        kb = knowledge_services.knowledge_base_create(actor=None, department=world.department, name="ND 30")
    source = DATA / "nd30_2020" / "30_2020_ND_CP.md"
    upload_and_index(kb, source.name, source.read_bytes())
    tools = [{"kind": "calculator", "name": "may_tinh", "settings": {}}]
    assistant = make_assistant(
        world.department,
        provider=make_provider(world.department, llm.base_url),
        knowledge_bases=[kb],
        tools=tools,
        instructions="Trả lời theo Nghị định 30.",
    )
    from assistants.tools import bind_tools

    function = next(iter(bind_tools(assistant.published_version.tools, None))).function_name  # type: ignore[union-attr, arg-type]
    llm.script_tool_call(function, {"expression": "2 * 9"})
    llm.script_text("Thể thức văn bản gồm các thành phần chính [1]; tổng cộng 18.")
    member = Client()
    member.force_login(world.user("member"))
    conversation_id = member.post(
        "/api/v1/conversations/", {"assistant": assistant.pk}, content_type="application/json"
    ).json()["id"]
    answer = member.post(
        f"/api/v1/conversations/{conversation_id}/messages/",
        {"content": "Thể thức văn bản hành chính gồm những thành phần nào?"},
        content_type="application/json",
    )
    assert answer.status_code == 200, answer.content

    auditor = Client()
    auditor.force_login(world.user("auditor"))
    response = auditor.get(f"/api/v1/audit/conversations/{conversation_id}/export/")
    assert response.status_code == 200, response.content
    export = response.json()
    assert export["version"]["number"] == 1
    assert export["version"]["config"]["instructions"] == "Trả lời theo Nghị định 30."
    assert export["version"]["config"]["tools"][0]["name"] == "may_tinh"
    question, reply = export["messages"]
    assert question["role"] == "user" and reply["role"] == "assistant"
    [citation] = reply["citations"]
    assert citation["document_id"] and citation["document_title"] and citation["snippet"]
    assert citation["page_start"] is not None or citation["heading_path"] is not None
    assert {"score", "vector_similarity", "keyword_score"} <= set(citation["scores"])
    [call] = reply["tool_calls"]
    assert call["kind"] == "calculator" and call["arguments"] == {"expression": "2 * 9"}
    event = AuditEvent.objects.filter(action="conversation.export").get()
    assert event.actor_id == world.user("auditor").pk and event.target_id == str(conversation_id)

    # The owner may export it too; another member of the department, even its admin, may not.
    assert member.get(f"/api/v1/audit/conversations/{conversation_id}/export/").status_code == 200
    another_member = make_member(world.department, Role.MEMBER)
    for user in (another_member, world.user("builder"), world.user("dept_admin"), world.user("outsider")):
        other = Client()
        other.force_login(user)
        assert other.get(f"/api/v1/audit/conversations/{conversation_id}/export/").status_code == 404, user
    assert AuditEvent.objects.filter(action="conversation.export").count() == 2


def test_auditors_find_conversations_by_department_assistant_user_and_dates(world: World) -> None:
    assistant = make_assistant(world.department)
    other_assistant = make_assistant(world.other_department, slug="noi-vu")
    a = _conversation(assistant, world.user("member"), days_idle=5)
    b = _conversation(assistant, world.user("builder"), days_idle=50)
    c = _conversation(other_assistant, world.user("outsider"), days_idle=1)
    auditor = Client()
    auditor.force_login(world.user("auditor"))

    def found(query: str) -> set[int]:
        response = auditor.get(f"/api/v1/audit/conversations/?{query}")
        assert response.status_code == 200, response.content
        return {row["id"] for row in response.json()["results"]}

    assert found("") == {a.pk, b.pk, c.pk}
    assert found(f"department={world.department.pk}") == {a.pk, b.pk}
    assert found(f"assistant={other_assistant.pk}") == {c.pk}
    assert found(f"user={world.user('builder').pk}") == {b.pk}
    since = (timezone.now() - timedelta(days=10)).isoformat().replace("+", "%2B")
    assert found(f"since={since}") == {a.pk, c.pk}
    member = Client()
    member.force_login(world.user("member"))
    assert member.get("/api/v1/audit/conversations/").status_code == 403
