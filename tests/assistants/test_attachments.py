"""Files attached to a conversation: only its owner attaches and sees them; the answer in that
conversation uses them and no other conversation does; they go with the conversation."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from assistants.models import Assistant, ToolCall
from knowledge.ingestion import pipeline
from knowledge.models import Chunk, DataTable, Document, KnowledgeBase
from tests.assistants.chat_helpers import make_assistant, make_provider
from tests.factories import World, build_world, signed_in
from tests.fakes.fake_llm import FakeLLM
from tests.knowledge.pipeline_helpers import use_hash_embedder

pytestmark = pytest.mark.django_db

NOTE = "Biên bản họp: hạn nộp báo cáo tổng kết công tác bồi thường là ngày 15 tháng 11."


@pytest.fixture
def world(monkeypatch: pytest.MonkeyPatch) -> World:
    """The shared world, with the hash embedder and no task queue."""
    use_hash_embedder(monkeypatch)
    # Indexing runs inline in these tests rather than through the task queue.
    monkeypatch.setattr("knowledge.tasks.ingest_document.apply_async", lambda *args, **options: None)
    return build_world()


def _start(client: Client, assistant: Assistant) -> int:
    response = client.post(
        "/api/v1/conversations/", {"assistant": assistant.pk}, content_type="application/json"
    )
    assert response.status_code == 201, response.content
    return int(response.json()["id"])


def _attach(client: Client, conversation: int, name: str, content: bytes) -> Any:
    return client.post(
        f"/api/v1/conversations/{conversation}/attachments/", {"files": [SimpleUploadedFile(name, content)]}
    )


def _attach_and_index(client: Client, conversation: int, name: str, content: bytes) -> Document:
    response = _attach(client, conversation, name, content)
    assert response.status_code == 201, response.content
    document = Document.objects.get(pk=response.json()[0]["document"]["id"])
    return pipeline.index_document_inline(document)


def _ask(client: Client, conversation: int, content: str) -> Any:
    response = client.post(
        f"/api/v1/conversations/{conversation}/messages/",
        {"content": content},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    return response.json()


def test_the_owner_attaches_and_lists_files_and_nobody_else_can(world: World) -> None:
    assistant = make_assistant(world.department)
    owner = signed_in(world)
    conversation = _start(owner, assistant)

    document = _attach_and_index(owner, conversation, "bien_ban.txt", NOTE.encode())

    assert document.status == "ready"
    listed = owner.get(f"/api/v1/conversations/{conversation}/attachments/").json()
    assert [d["filename"] for d in listed] == ["bien_ban.txt"]
    from bureau.audit.models import AuditEvent

    assert AuditEvent.objects.filter(action="conversation.attach").count() == 1
    for role in ("builder", "org_admin", "outsider"):
        other = signed_in(world, role)
        assert other.get(f"/api/v1/conversations/{conversation}/attachments/").status_code == 404
        assert _attach(other, conversation, "x.txt", b"khac").status_code == 404
        url = f"/api/v1/conversations/{conversation}/attachments/{document.pk}/"
        assert other.delete(url).status_code == 404
    # The conversation's knowledge base shows in no list, not even to an org admin.
    for role in ("member", "org_admin", "builder"):
        names = [
            kb["name"] for kb in signed_in(world, role).get("/api/v1/knowledge-bases/").json()["results"]
        ]
        assert not any("conversation" in n.lower() or "cuộc trò chuyện" in n.lower() for n in names)
    scoped = KnowledgeBase.objects.get(documents=document)
    assert signed_in(world, "org_admin").get(f"/api/v1/knowledge-bases/{scoped.pk}/").status_code == 404


def test_the_answer_uses_the_attachment_only_in_its_own_conversation(world: World, llm: FakeLLM) -> None:
    assistant = make_assistant(world.department, provider=make_provider(world.department, llm.base_url))
    client = signed_in(world)
    with_file = _start(client, assistant)
    without = _start(client, assistant)
    _attach_and_index(client, with_file, "bien_ban.txt", NOTE.encode())

    _ask(client, with_file, "Hạn nộp báo cáo tổng kết công tác bồi thường là ngày nào?")
    system = llm.chat_requests[-1].body["messages"][0]["content"]
    assert "15 tháng 11" in system

    _ask(client, without, "Hạn nộp báo cáo tổng kết công tác bồi thường là ngày nào?")
    system = llm.chat_requests[-1].body["messages"][0]["content"]
    assert "15 tháng 11" not in system


def test_a_file_attached_after_a_question_is_searched_at_the_next_one(world: World, llm: FakeLLM) -> None:
    # The first turn remembers that the conversation had nothing attached (bureau/runtime/memo.py); the
    # audited upload and indexing make the next turn look again.
    assistant = make_assistant(world.department, provider=make_provider(world.department, llm.base_url))
    client = signed_in(world)
    conversation = _start(client, assistant)
    question = "Hạn nộp báo cáo tổng kết công tác bồi thường là ngày nào?"
    _ask(client, conversation, question)
    assert "15 tháng 11" not in llm.chat_requests[-1].body["messages"][0]["content"]
    _attach_and_index(client, conversation, "bien_ban.txt", NOTE.encode())
    _ask(client, conversation, question)
    assert "15 tháng 11" in llm.chat_requests[-1].body["messages"][0]["content"]


def test_analyze_table_reads_an_attached_spreadsheet(world: World, llm: FakeLLM) -> None:
    tools = [{"kind": "analyze_table", "name": "bang_tinh", "settings": {}}]
    assistant = make_assistant(
        world.department, provider=make_provider(world.department, llm.base_url), tools=tools
    )
    client = signed_in(world)
    conversation = _start(client, assistant)
    other = _start(client, assistant)
    csv = "Đơn vị,Số hồ sơ\nXã A,12\nXã B,30\nXã A,8\n".encode()
    _attach_and_index(client, conversation, "ho_so.csv", csv)
    sql = 'SELECT "Đơn vị", SUM("Số hồ sơ") AS tong FROM ho_so GROUP BY 1 ORDER BY 1'

    llm.script_tool_call("bang_tinh__query_tables", {"sql": sql})
    _ask(client, conversation, "Tổng số hồ sơ theo đơn vị?")
    llm.script_tool_call("bang_tinh__query_tables", {"sql": sql})
    _ask(client, other, "Tổng số hồ sơ theo đơn vị?")

    first, second = ToolCall.objects.order_by("id")
    assert first.status == "succeeded", first.result
    assert first.result is not None
    assert first.result["rows"] == [["Xã A", 20], ["Xã B", 30]]
    assert second.status != "succeeded"  # the other conversation has no such table


def test_deleting_the_conversation_deletes_its_attachments(world: World) -> None:
    assistant = make_assistant(world.department)
    client = signed_in(world)
    conversation = _start(client, assistant)
    document = _attach_and_index(client, conversation, "ho_so.csv", "Đơn vị,Số hồ sơ\nXã A,1\n".encode())
    scoped = document.knowledge_base_id
    assert Chunk.objects.filter(document=document).exists()
    assert DataTable.objects.filter(document=document).exists()

    assert client.delete(f"/api/v1/conversations/{conversation}/").status_code == 204

    assert not KnowledgeBase.objects.filter(pk=scoped).exists()
    assert not Document.objects.filter(pk=document.pk).exists()
    assert not Chunk.objects.filter(knowledge_base_id=scoped).exists()
    assert not DataTable.objects.filter(knowledge_base_id=scoped).exists()


def test_removing_one_attachment(world: World) -> None:
    assistant = make_assistant(world.department)
    client = signed_in(world)
    conversation = _start(client, assistant)
    document = _attach_and_index(client, conversation, "a.txt", NOTE.encode())

    url = f"/api/v1/conversations/{conversation}/attachments/{document.pk}/"
    assert client.delete(url).status_code == 204
    assert client.get(f"/api/v1/conversations/{conversation}/attachments/").json() == []
    assert client.delete(url).status_code == 404


def test_a_turns_conversation_row_says_whether_its_attachments_can_be_searched(world: World) -> None:
    """conversation_row_for_turn's statement, written out in SQL, agrees with the attachment lookups
    that the chat turn skips when it says there is nothing to search, or nothing not indexed yet."""
    from assistants.conversations.attachments import attachment_knowledge_bases, unready_attachments
    from assistants.conversations.services import conversation_row_for_turn
    from assistants.models import Conversation
    from bureau.exceptions import NotFound

    assistant = make_assistant(world.department)
    client, member = signed_in(world), world.user("member")
    searched, other = _start(client, assistant), _start(client, assistant)

    def agree(conversation_id: int) -> bool:
        row = conversation_row_for_turn(actor=member, conversation_id=conversation_id)
        expected = bool(attachment_knowledge_bases(Conversation.objects.get(pk=conversation_id)))
        assert row.attachments_searchable is expected  # type: ignore[attr-defined]
        unready = bool(unready_attachments(conversation_id))
        assert row.attachments_unready is unready  # type: ignore[attr-defined]
        assert (row.pk, row.assistant_id, row.user_id) == (conversation_id, assistant.pk, member.pk)
        return expected

    assert agree(searched) is False  # nothing attached
    uploaded = _attach(client, searched, "a.txt", NOTE.encode())
    assert uploaded.status_code == 201
    assert agree(searched) is False  # attached, not indexed yet
    uploaded_id = uploaded.json()[0]["document"]["id"]
    assert unready_attachments(searched)[0].id == uploaded_id
    document = pipeline.index_document_inline(Document.objects.get(pk=uploaded_id))
    assert agree(searched) is True
    assert unready_attachments(searched) == []
    assert agree(other) is False  # another conversation's attachment is not its own
    Document.objects.filter(pk=document.pk).update(enabled=False)
    assert agree(searched) is False
    with pytest.raises(NotFound):  # someone else's conversation, as conversation_get_for
        conversation_row_for_turn(actor=world.user("builder"), conversation_id=searched)


def test_a_turns_conversation_row_is_its_owners_alone_user_or_api_key(world: World) -> None:
    """The owner conditions of conversation_row_for_turn's statement are _owner_filter's: an API key
    reads its own conversations, not a person's, and a person does not read a key's."""
    from django.db import transaction

    from assistants.conversations.services import conversation_create, conversation_row_for_turn
    from bureau.exceptions import NotFound
    from bureau.tenancy.access import ApiKeyActor
    from bureau.tenancy.services import api_key_create

    assistant = make_assistant(world.department)
    member = world.user("member")
    with transaction.atomic():
        keys = [
            ApiKeyActor(
                api_key_create(actor=None, department=world.department, name=name, scopes=["chat"]).api_key
            )
            for name in ("bot", "other bot")
        ]
        of_key = conversation_create(actor=keys[0], assistant=assistant).pk
        of_member = conversation_create(actor=member, assistant=assistant).pk
    assert conversation_row_for_turn(actor=keys[0], conversation_id=of_key).api_key_id == keys[0].api_key.pk
    assert conversation_row_for_turn(actor=member, conversation_id=of_member).user_id == member.pk
    for actor, conversation_id in ((keys[1], of_key), (keys[0], of_member), (member, of_key)):
        with pytest.raises(NotFound):
            conversation_row_for_turn(actor=actor, conversation_id=conversation_id)
    with pytest.raises(NotFound):
        conversation_row_for_turn(actor=member, conversation_id="not a number")
