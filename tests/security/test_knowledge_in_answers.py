"""The rule for knowledge in answers: an answer never shows a person a passage they could not open
themselves. Tried across three departments the way the seams leaked (issue "Trust", findings 1–3):
a private knowledge base carried out by a duplicate, import or template clone; a granted knowledge
base relayed through an organization-wide assistant to a third department, and the grant's
revocation; private knowledge reaching every user of an assistant built on it.

Sở Tư pháp is `world.department`, Sở Nội vụ `world.other_department`, Sở Tài chính made here. The
answers are extractive (no model provider): they quote the passages found, word for word."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db import transaction
from django.test import Client

from assistants.models import Assistant, AssistantVersion, VersionState
from bureau.audit.models import AuditEvent
from bureau.tenancy.models import Department, Role, User
from knowledge import services as knowledge_services
from knowledge.models import KnowledgeBase, KnowledgeBaseGrant
from tests.assistants.chat_helpers import make_provider, sse_events
from tests.factories import World, make_department, make_member
from tests.fakes.fake_llm import FakeLLM
from tests.knowledge.pipeline_helpers import upload_and_index, use_hash_embedder

pytestmark = pytest.mark.django_db

# Distinctive words of each department's documents, asked for by the questions below.
PRIVATE_TEXT = (
    "Hồ sơ thẩm định nội bộ của Sở Tư pháp số TP-7781: kết luận thẩm định chỉ lưu hành trong "
    "tổ công tác, không công bố ra ngoài cơ quan."
)
PRIVATE_WORDS = "tổ công tác"  # in the document, not in the question
PRIVATE_QUESTION = "Kết luận thẩm định hồ sơ TP-7781 là gì?"
HOME_TEXT = (
    "Quy định tuyển dụng công chức năm 2026 của Sở Nội vụ số NV-5520: thi tuyển gồm hai vòng, "
    "vòng hai phỏng vấn chuyên môn."
)
HOME_WORDS = "phỏng vấn chuyên môn"  # in the document, not in the question
HOME_QUESTION = "Quy định tuyển dụng NV-5520 có mấy vòng thi?"


@pytest.fixture(autouse=True)
def _embedder(monkeypatch: pytest.MonkeyPatch) -> None:
    use_hash_embedder(monkeypatch)


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _post(client: Client, url: str, body: dict[str, Any] | None = None) -> Any:
    return client.post(url, json.dumps(body or {}), content_type="application/json")


def _kb(department: Department, name: str, text: str, visibility: str) -> KnowledgeBase:
    with transaction.atomic():
        kb = knowledge_services.knowledge_base_create(
            actor=None, department=department, name=name, visibility=visibility
        )
    upload_and_index(kb, f"{name}.txt", text.encode())
    return kb


def _build_and_publish(
    builder: User, department: Department, knowledge_bases: list[KnowledgeBase], visibility: str
) -> tuple[int, dict[str, Any]]:
    """Through the API, as a builder would: create, link the knowledge, publish. Returns the
    assistant's id and the publish response."""
    client = _client(builder)
    created = _post(client, "/api/v1/assistants/", {"name": "Trợ lý thẩm định", "department": department.pk})
    assert created.status_code == 201, created.content
    assistant_id = created.json()["id"]
    draft = client.patch(
        f"/api/v1/assistants/{assistant_id}/draft/",
        json.dumps({"knowledge_base_ids": [kb.pk for kb in knowledge_bases], "top_k": 4}),
        content_type="application/json",
    )
    assert draft.status_code == 200, draft.content
    changed = client.patch(
        f"/api/v1/assistants/{assistant_id}/",
        json.dumps({"visibility": visibility}),
        content_type="application/json",
    )
    assert changed.status_code == 200, changed.content
    published = _post(client, f"/api/v1/assistants/{assistant_id}/publish/", {"changelog": "Bản đầu"})
    assert published.status_code == 201, published.content
    return assistant_id, published.json()


def _ask(user: User, assistant_id: int, question: str, *, preview: bool = False) -> str:
    client = _client(user)
    started = _post(client, "/api/v1/conversations/", {"assistant": assistant_id, "preview": preview})
    assert started.status_code == 201, started.content
    answered = _post(client, f"/api/v1/conversations/{started.json()['id']}/messages/", {"content": question})
    assert answered.status_code in (200, 201), answered.content
    return str(answered.json()["content"])


def _ask_again(client: Client, conversation_id: int, question: str) -> str:
    answered = _post(client, f"/api/v1/conversations/{conversation_id}/messages/", {"content": question})
    assert answered.status_code in (200, 201), answered.content
    return str(answered.json()["content"])


def _draft_kb_ids(assistant_id: int) -> set[int]:
    draft = AssistantVersion.objects.get(assistant_id=assistant_id, state=VersionState.DRAFT)
    return set(draft.knowledge_bases.values_list("pk", flat=True))


# --- finding 1: a private knowledge base leaves through a duplicate, an import, a template clone --


def test_a_duplicate_into_another_department_leaves_a_private_knowledge_base_behind(world: World) -> None:
    justice, home = world.department, world.other_department
    justice_builder = world.user("builder")
    home_builder = make_member(home, Role.BUILDER)
    home_member = world.user("outsider")
    private = _kb(justice, "Hồ sơ thẩm định", PRIVATE_TEXT, "private")
    assistant_id, _published = _build_and_publish(justice_builder, justice, [private], "department")
    # Tư pháp shares it with Sở Nội vụ as editor; a Nội vụ builder duplicates it into Nội vụ.
    shared = _post(
        _client(justice_builder),
        f"/api/v1/assistants/{assistant_id}/shares/",
        {"department": home.pk, "role": "editor"},
    )
    assert shared.status_code == 201, shared.content
    copied = _post(
        _client(home_builder), f"/api/v1/assistants/{assistant_id}/duplicate/", {"department": home.pk}
    )
    assert copied.status_code == 201, copied.content
    copy_id = copied.json()["id"]
    assert private.pk not in _draft_kb_ids(copy_id)
    assert any("Hồ sơ thẩm định" in warning for warning in copied.json()["warnings"])
    # Tư pháp's own log says its assistant was copied out, and what stayed behind.
    copied_out = AuditEvent.objects.filter(department_id=justice.pk, action="assistant.duplicated").get()
    assert copied_out.after is not None and copied_out.after["copy"] == copy_id
    assert copied_out.after["dropped_knowledge_bases"] == [{"id": private.pk, "name": "Hồ sơ thẩm định"}]
    # The share is removed; the copy, published in Nội vụ, never serves the private text.
    share_id = shared.json()["id"]
    removed = _client(justice_builder).delete(f"/api/v1/assistants/{assistant_id}/shares/{share_id}/")
    assert removed.status_code == 204
    published = _post(_client(home_builder), f"/api/v1/assistants/{copy_id}/publish/", {})
    assert published.status_code == 201, published.content
    assert PRIVATE_WORDS not in _ask(home_member, copy_id, PRIVATE_QUESTION)


def test_a_duplicate_made_by_an_org_admin_still_links_only_what_the_target_department_may_use(
    world: World,
) -> None:
    justice, home = world.department, world.other_department
    private = _kb(justice, "Hồ sơ thẩm định", PRIVATE_TEXT, "private")
    open_to_all = _kb(justice, "Văn bản công khai", HOME_TEXT, "organization")
    assistant_id, _ = _build_and_publish(world.user("builder"), justice, [private, open_to_all], "department")
    copied = _post(
        _client(world.user("org_admin")),
        f"/api/v1/assistants/{assistant_id}/duplicate/",
        {"department": home.pk},
    )
    assert copied.status_code == 201, copied.content
    assert _draft_kb_ids(copied.json()["id"]) == {open_to_all.pk}
    # Within its own department the copy keeps everything.
    same = _post(_client(world.user("builder")), f"/api/v1/assistants/{assistant_id}/duplicate/", {})
    assert same.status_code == 201, same.content
    assert _draft_kb_ids(same.json()["id"]) == {private.pk, open_to_all.pk}
    assert same.json()["warnings"] == []


def test_an_import_into_another_department_leaves_a_private_knowledge_base_behind(world: World) -> None:
    justice, home = world.department, world.other_department
    private = _kb(justice, "Hồ sơ thẩm định", PRIVATE_TEXT, "private")
    assistant_id, _ = _build_and_publish(world.user("builder"), justice, [private], "department")
    admin = _client(world.user("org_admin"))
    exported = admin.get(f"/api/v1/assistants/{assistant_id}/export/")
    assert exported.status_code == 200
    imported = _post(admin, "/api/v1/assistants/import/", {**exported.json(), "department": home.pk})
    assert imported.status_code == 201, imported.content
    assert _draft_kb_ids(imported.json()["assistant"]["id"]) == set()
    assert any("Hồ sơ thẩm định" in warning for warning in imported.json()["warnings"])


def test_a_template_clone_into_another_department_leaves_a_private_knowledge_base_behind(
    world: World,
) -> None:
    justice, home = world.department, world.other_department
    private = _kb(justice, "Hồ sơ thẩm định", PRIVATE_TEXT, "private")
    granted = _kb(justice, "Hướng dẫn nghiệp vụ", HOME_TEXT, "department")
    KnowledgeBaseGrant.objects.create(knowledge_base=granted, department=home, permission="use")
    templates = _client(world.user("org_admin")).get("/api/v1/assistant-templates/").json()
    slug = templates[0]["slug"] if isinstance(templates, list) else templates["results"][0]["slug"]
    cloned = _post(
        _client(world.user("org_admin")),
        f"/api/v1/assistant-templates/{slug}/clone/",
        {"department": home.pk, "knowledge_base_ids": [private.pk, granted.pk]},
    )
    assert cloned.status_code == 201, cloned.content
    assert _draft_kb_ids(cloned.json()["assistant"]["id"]) == {granted.pk}
    assert any("Hồ sơ thẩm định" in warning for warning in cloned.json()["warnings"])


# --- finding 2: a granted knowledge base relayed to a third department; revocation ---------------


def _relay(world: World) -> tuple[KnowledgeBase, int, User, User]:
    """Nội vụ grants Tư pháp "use" of its department knowledge base; a Tư pháp builder links it into
    an organization-wide assistant. Returns the knowledge base, the assistant, a Tư pháp member and
    a Sở Tài chính member."""
    justice, home = world.department, world.other_department
    finance = make_department(world.organization, "Sở Tài chính")
    finance_member = make_member(finance, Role.MEMBER)
    home_kb = _kb(home, "Tuyển dụng công chức", HOME_TEXT, "department")
    home_builder = make_member(home, Role.BUILDER)
    granted = _post(
        _client(home_builder), f"/api/v1/knowledge-bases/{home_kb.pk}/grants/", {"department": justice.pk}
    )
    assert granted.status_code == 201, granted.content
    assistant_id, _ = _build_and_publish(world.user("builder"), justice, [home_kb], "organization")
    return home_kb, assistant_id, world.user("member"), finance_member


def test_a_granted_knowledge_base_is_not_relayed_to_a_third_department(world: World) -> None:
    home_kb, assistant_id, justice_member, finance_member = _relay(world)
    assert _client(finance_member).get(f"/api/v1/knowledge-bases/{home_kb.pk}/").status_code == 404
    answer = _ask(finance_member, assistant_id, HOME_QUESTION)
    assert HOME_WORDS not in answer
    assert "Tuyển dụng công chức" in answer  # named in the note that opens the answer
    # The department it was granted to reads it, through the same assistant.
    assert HOME_WORDS in _ask(justice_member, assistant_id, HOME_QUESTION)


def test_revoking_a_grant_stops_its_text_at_the_next_turn(world: World) -> None:
    home_kb, assistant_id, justice_member, _finance = _relay(world)
    client = _client(justice_member)
    started = _post(client, "/api/v1/conversations/", {"assistant": assistant_id})
    conversation_id = started.json()["id"]
    assert HOME_WORDS in _ask_again(client, conversation_id, HOME_QUESTION)
    grant = KnowledgeBaseGrant.objects.get(knowledge_base=home_kb)
    home_admin = make_member(world.other_department, Role.DEPT_ADMIN)
    revoked = _client(home_admin).delete(f"/api/v1/knowledge-bases/{home_kb.pk}/grants/{grant.pk}/")
    assert revoked.status_code == 204
    assert HOME_WORDS not in _ask_again(client, conversation_id, HOME_QUESTION)


def test_a_grant_removed_behind_the_services_back_stops_at_the_next_turn_too(world: World) -> None:
    """The memo of chat turns is invalidated by any write to what it remembers, not only by the
    audited services (here a plain ORM delete, as a script or the Django admin would)."""
    home_kb, assistant_id, justice_member, _finance = _relay(world)
    client = _client(justice_member)
    conversation_id = _post(client, "/api/v1/conversations/", {"assistant": assistant_id}).json()["id"]
    assert HOME_WORDS in _ask_again(client, conversation_id, HOME_QUESTION)
    KnowledgeBaseGrant.objects.filter(knowledge_base=home_kb).delete()
    assert HOME_WORDS not in _ask_again(client, conversation_id, HOME_QUESTION)


def test_a_visibility_narrowed_stops_its_text_at_the_next_turn(world: World) -> None:
    justice = world.department
    finance_member = make_member(make_department(world.organization, "Sở Tài chính"), Role.MEMBER)
    open_kb = _kb(justice, "Hướng dẫn chung", PRIVATE_TEXT, "organization")
    assistant_id, _ = _build_and_publish(world.user("builder"), justice, [open_kb], "organization")
    client = _client(finance_member)
    conversation_id = _post(client, "/api/v1/conversations/", {"assistant": assistant_id}).json()["id"]
    assert PRIVATE_WORDS in _ask_again(client, conversation_id, PRIVATE_QUESTION)
    response = _client(world.user("builder")).patch(
        f"/api/v1/knowledge-bases/{open_kb.pk}/",
        json.dumps({"visibility": "department"}),
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    assert PRIVATE_WORDS not in _ask_again(client, conversation_id, PRIVATE_QUESTION)


# --- every way a turn is taken --------------------------------------------------------------------


@pytest.mark.parametrize("way", ["json", "sse", "regenerate", "openai"])
def test_every_kind_of_turn_leaves_out_what_the_asker_may_not_open(world: World, way: str) -> None:
    _home_kb, assistant_id, _justice_member, finance_member = _relay(world)
    client = _client(finance_member)
    if way == "openai":
        from bureau.tenancy.services import api_key_create

        finance = finance_member.memberships.get().department
        with transaction.atomic():
            key = api_key_create(actor=None, department=finance, name="cổng", scopes=["chat"]).raw_key
        slug = Assistant.objects.get(pk=assistant_id).slug
        response = Client().post(
            "/v1/chat/completions",
            json.dumps({"model": slug, "messages": [{"role": "user", "content": HOME_QUESTION}]}),
            content_type="application/json",
            headers={"Authorization": f"Bearer {key}"},
        )
        assert response.status_code == 200, response.content
        answer = response.json()["choices"][0]["message"]["content"]
    else:
        conversation_id = _post(client, "/api/v1/conversations/", {"assistant": assistant_id}).json()["id"]
        url = f"/api/v1/conversations/{conversation_id}/messages/"
        if way == "sse":
            response = client.post(
                url,
                json.dumps({"content": HOME_QUESTION}),
                content_type="application/json",
                headers={"Accept": "text/event-stream"},
            )
            from tests.assistants.chat_helpers import streamed

            events = sse_events(streamed(response))
            answer = "".join(data["text"] for name, data in events if name == "text.delta")
        else:
            first = _post(client, url, {"content": HOME_QUESTION})
            answer = first.json()["content"]
            if way == "regenerate":
                again = _post(client, f"{url}{first.json()['message_id']}/regenerate/")
                assert again.status_code in (200, 201), again.content
                answer = again.json()["content"]
    assert answer
    assert HOME_WORDS not in answer
    assert "Tuyển dụng công chức" in answer


def test_a_preview_by_an_editor_from_elsewhere_leaves_out_what_they_may_not_open(world: World) -> None:
    justice = world.department
    private = _kb(justice, "Hồ sơ thẩm định", PRIVATE_TEXT, "private")
    assistant_id, _ = _build_and_publish(world.user("builder"), justice, [private], "department")
    editor = world.user("outsider")  # a member of Sở Nội vụ, given the assistant to edit
    shared = _post(
        _client(world.user("builder")),
        f"/api/v1/assistants/{assistant_id}/shares/",
        {"email": editor.email, "role": "editor"},
    )
    assert shared.status_code == 201, shared.content
    answer = _ask(editor, assistant_id, PRIVATE_QUESTION, preview=True)
    assert PRIVATE_WORDS not in answer
    assert PRIVATE_WORDS in _ask(world.user("builder"), assistant_id, PRIVATE_QUESTION, preview=True)


def test_the_knowledge_search_tool_searches_only_what_the_asker_may_open(world: World) -> None:
    justice = world.department
    private = _kb(justice, "Hồ sơ thẩm định", PRIVATE_TEXT, "private")
    with FakeLLM(api_key="sk-fake-test") as llm:
        provider = make_provider(justice, llm.base_url)
        assistant_id, _ = _build_and_publish(world.user("builder"), justice, [], "department")
        client = _client(world.user("builder"))
        draft = client.patch(
            f"/api/v1/assistants/{assistant_id}/draft/",
            json.dumps(
                {
                    "model_provider": provider.pk,
                    "knowledge_base_ids": [private.pk],
                    "tools": [{"kind": "knowledge_search", "name": "tra_cuu", "settings": {}}],
                }
            ),
            content_type="application/json",
        )
        assert draft.status_code == 200, draft.content
        assert _post(client, f"/api/v1/assistants/{assistant_id}/publish/", {}).status_code == 201
        llm.reset()
        llm.script_tool_call("tra_cuu", {"query": PRIVATE_QUESTION})
        llm.script_text("Xong.")
        _ask(world.user("member"), assistant_id, PRIVATE_QUESTION)
        sent = json.dumps([r.body for r in llm.chat_requests], ensure_ascii=False)
        assert PRIVATE_WORDS not in sent
        llm.reset()
        llm.script_tool_call("tra_cuu", {"query": PRIVATE_QUESTION})
        llm.script_text("Xong.")
        _ask(world.user("builder"), assistant_id, PRIVATE_QUESTION)
        sent = json.dumps([r.body for r in llm.chat_requests], ensure_ascii=False)
        assert PRIVATE_WORDS in sent


# --- finding 3: private knowledge reaches everyone who may use the assistant; the warnings --------


def test_private_knowledge_is_not_shown_to_the_departments_members(world: World) -> None:
    justice = world.department
    private = _kb(justice, "Hồ sơ thẩm định", PRIVATE_TEXT, "private")
    assistant_id, published = _build_and_publish(world.user("builder"), justice, [private], "department")
    answer = _ask(world.user("member"), assistant_id, PRIVATE_QUESTION)
    assert PRIVATE_WORDS not in answer
    assert "Hồ sơ thẩm định" in answer
    assert PRIVATE_WORDS in _ask(world.user("builder"), assistant_id, PRIVATE_QUESTION)
    # Publishing said so, naming the knowledge base and who will not see it.
    assert any("Hồ sơ thẩm định" in w and justice.name in w for w in published["warnings"])


def test_the_draft_review_and_configuration_review_warn_when_the_audience_is_wider(world: World) -> None:
    justice = world.department
    department_kb = _kb(justice, "Hướng dẫn nghiệp vụ", HOME_TEXT, "department")
    assistant_id, published = _build_and_publish(
        world.user("builder"), justice, [department_kb], "organization"
    )
    assert any("Hướng dẫn nghiệp vụ" in w for w in published["warnings"])
    builder = _client(world.user("builder"))
    draft = builder.get(f"/api/v1/assistants/{assistant_id}/draft/").json()
    assert any("Hướng dẫn nghiệp vụ" in w for w in draft["audience_warnings"])
    reviewed = _client(world.user("auditor")).get("/api/v1/configuration-review/").json()
    rows = reviewed if isinstance(reviewed, list) else reviewed["results"]
    [row] = [r for r in rows if r["id"] == assistant_id]
    assert any("Hướng dẫn nghiệp vụ" in finding for finding in row["audience_warnings"])
    # Narrowed to the department, the warning goes.
    builder.patch(
        f"/api/v1/assistants/{assistant_id}/",
        json.dumps({"visibility": "department"}),
        content_type="application/json",
    )
    assert builder.get(f"/api/v1/assistants/{assistant_id}/draft/").json()["audience_warnings"] == []
