"""Personal data never reaches a provider outside the organization, through the real `openai` client
and the fake LLM: the recorded requests hold placeholders, the user reads (and the database keeps)
the original values, tools that run here get the values back, HTTP actions keep the placeholders.
On-premises providers, a policy switched off and an assistant set to "never" receive the raw text."""

from __future__ import annotations

import json
from typing import Any

import openai
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client

from assistants.models import Assistant, Message, MessageStatus, PiiRedaction, ToolCall
from bureau.audit.models import AuditEvent
from bureau.governance.models import OrganizationPolicy
from bureau.tenancy.services import api_key_create
from knowledge.ingestion import pipeline
from knowledge.models import Document, KnowledgeBase
from tests.assistants.chat_helpers import make_assistant, sse_events, streamed
from tests.assistants.test_tools import action
from tests.factories import World, signed_in
from tests.fakes.fake_llm import FakeLLM, Fault
from tests.fakes.replies import Reply
from tests.fakes.replies import ToolCall as ScriptedCall
from tests.governance.chat_helpers import ask, knowledge_base, provider, sent_text, start
from tests.knowledge.pipeline_helpers import use_hash_embedder
from tests.security.test_url_guard import LOOPBACK_FOR_TESTS, LocalServer, serve_locally

pytestmark = pytest.mark.django_db

CITIZEN_ID = "001203004567"
PHONE = "0912 345 678"
EMAIL = "gopy@sotp.gov.vn"
ACCOUNT = "19035678901234"
TAX_CODE = "0101234567"
RAW = (CITIZEN_ID, "0912345678", PHONE, EMAIL, ACCOUNT, TAX_CODE)

INSTRUCTIONS = f"Bạn là trợ lý của Sở Tư pháp. Hộp thư góp ý: {EMAIL}."
FEES = (
    "# Nộp lệ phí hộ tịch\n\n"
    f"Lệ phí đăng ký hộ tịch nộp vào số tài khoản {ACCOUNT} tại Kho bạc Nhà nước, "
    f"đơn vị thụ hưởng Sở Tư pháp, mã số thuế {TAX_CODE}.\n"
)
QUESTION = f"Tôi là Nguyễn Văn A, CCCD {CITIZEN_ID}, điện thoại {PHONE}. Tôi nộp lệ phí hộ tịch vào đâu?"


@pytest.fixture
def fees(world: World, monkeypatch: pytest.MonkeyPatch) -> KnowledgeBase:
    use_hash_embedder(monkeypatch)
    return knowledge_base(world, "Lệ phí", "le_phi.md", FEES)


def _assert_no_raw_value(body: Any) -> None:
    text = sent_text(body)
    leaked = [value for value in RAW if value in text]
    assert leaked == [], f"sent to the provider: {leaked}"


def _set_policy(world: World, *, redact_pii: bool) -> None:
    OrganizationPolicy.objects.update_or_create(
        organization=world.organization, defaults={"redact_pii": redact_pii}
    )


def test_the_provider_receives_placeholders_and_the_user_reads_the_values(
    world: World, llm: FakeLLM, fees: KnowledgeBase
) -> None:
    assistant = make_assistant(
        world.department,
        instructions=INSTRUCTIONS,
        provider=provider(world, llm.base_url, on_premises=False),
        knowledge_bases=[fees],
    )
    # The model echoes the placeholders, each split across deltas that arrive one by one.
    deltas = [
        "Chào ông, CCCD [CC",
        "CD_1",
        "], SĐT [SĐT_",
        "1]. Nộp vào STK [STK_1",
        "] [1]",
        ", góp ý: [EMAIL_1].",
    ]
    llm.script(Reply(deltas=deltas, fault=Fault(token_delay=0.05)))
    client = signed_in(world)
    conversation = start(client, assistant.pk)
    events = sse_events(streamed(ask(client, conversation, QUESTION, stream=True)))

    [request] = llm.chat_requests
    _assert_no_raw_value(request.body)
    system, question = request.body["messages"][0]["content"], request.body["messages"][-1]["content"]
    assert "[EMAIL_1]" in system and "[STK_1]" in system and "[MST_1]" in system
    assert (
        question == "Tôi là Nguyễn Văn A, CCCD [CCCD_1], điện thoại [SĐT_1]. Tôi nộp lệ phí hộ tịch vào đâu?"
    )

    expected = f"Chào ông, CCCD {CITIZEN_ID}, SĐT {PHONE}. Nộp vào STK {ACCOUNT} [1], góp ý: {EMAIL}."
    pieces = [data["text"] for kind, data in events if kind == "text.delta"]
    assert "".join(pieces) == expected
    assert len(pieces) > 3 and not any("[CC" in p or "[SĐ" in p or "_1]" in p for p in pieces)
    completed = events[-1][1]
    assert completed["content"] == expected
    counts = {"EMAIL": 1, "STK": 1, "MST": 1, "CCCD": 1, "SĐT": 1}
    assert completed["redactions"] == counts
    # The citation points at the original passage, not at the redacted copy.
    assert any(kind == "citation" and ACCOUNT in data["snippet"] for kind, data in events)

    answer = Message.objects.get(pk=completed["message_id"])
    assert answer.content == expected and answer.status == MessageStatus.COMPLETED
    assert answer.redactions == counts
    assert Message.objects.get(conversation_id=conversation, role="user").content == QUESTION
    detail = client.get(f"/api/v1/conversations/{conversation}/").json()
    assert detail["messages"][-1]["redactions"] == counts and detail["messages"][0]["redactions"] == {}

    # The next turn sends the stored (original) history again: redacted again.
    follow_up = ask(client, conversation, f"Nhắc lại giúp tôi số {PHONE} và email {EMAIL}")
    assert follow_up.status_code == 200, follow_up.content
    history = llm.chat_requests[-1].body["messages"]
    _assert_no_raw_value(history)
    assert any(m["role"] == "assistant" and "[CCCD_1]" in m["content"] for m in history)
    assert follow_up.json()["content"] == f"Trả lời: Nhắc lại giúp tôi số {PHONE} và email {EMAIL} [1]"


@LOOPBACK_FOR_TESTS
def test_tools_here_get_the_values_and_http_actions_keep_the_placeholders(
    world: World, llm: FakeLLM, fees: KnowledgeBase
) -> None:
    with serve_locally() as server:
        _tool_round(world, llm, fees, server)


def _tool_round(world: World, llm: FakeLLM, fees: KnowledgeBase, server: LocalServer) -> None:
    tools = [
        {"kind": "knowledge_search", "name": "tra_cuu", "settings": {}},
        action(server.base + "/api", ["127.0.0.1"]),
    ]
    assistant = make_assistant(
        world.department,
        provider=provider(world, llm.base_url, on_premises=False),
        tools=tools,
        knowledge_bases=[fees],
    )
    llm.script_tool_calls(
        ScriptedCall("tra_cuu", {"query": "lệ phí hộ tịch, liên hệ [SĐT_1]"}, id="call_kb"),
        ScriptedCall("ho_so__getItem", {"id": "[CCCD_1]"}, id="call_http"),
    )
    llm.script_text("Đã tra cứu hồ sơ [CCCD_1]: nộp vào STK [STK_1].")
    client = signed_in(world)
    response = ask(client, start(client, assistant.pk), QUESTION)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["content"] == f"Đã tra cứu hồ sơ {CITIZEN_ID}: nộp vào STK {ACCOUNT}."

    for request in llm.chat_requests:
        _assert_no_raw_value(request.body)
    results = {
        m["tool_call_id"]: m["content"] for m in llm.chat_requests[-1].body["messages"] if m["role"] == "tool"
    }
    # The passages the search found went to the model redacted, as data.
    assert "[STK_1]" in results["call_kb"] and "untrusted_content" in results["call_kb"]

    stored = {call.call_id: call for call in ToolCall.objects.all()}
    # A tool that runs here searched with the real phone number…
    assert stored["call_kb"].arguments == {"query": f"lệ phí hộ tịch, liên hệ {PHONE}"}
    assert stored["call_kb"].status == "succeeded"
    # …an HTTP action sent only the placeholder out of the organization.
    assert stored["call_http"].arguments == {"id": "[CCCD_1]"}
    assert [r.path for r in server.received] == ["/api/items/%5BCCCD_1%5D"]
    assert not any(CITIZEN_ID in r.path or CITIZEN_ID.encode() in r.body for r in server.received)
    shown = [e for e in body["tool_calls"] if e.get("name") == "tra_cuu" and "arguments" in e]
    assert PHONE in json.loads(shown[0]["arguments"])["query"]  # the user sees their own data
    assert Message.objects.get(pk=body["message_id"]).redactions["STK"] == 1


@pytest.mark.parametrize(
    ("on_premises", "policy", "setting", "redacted"),
    [
        (False, True, PiiRedaction.INHERIT, True),
        (False, False, PiiRedaction.INHERIT, False),
        (False, False, PiiRedaction.ALWAYS, True),
        (False, True, PiiRedaction.NEVER, False),
        (True, True, PiiRedaction.ALWAYS, False),  # the text does not leave the organization
        (True, True, PiiRedaction.INHERIT, False),
    ],
)
def test_who_receives_raw_text(
    world: World, llm: FakeLLM, on_premises: bool, policy: bool, setting: str, redacted: bool
) -> None:
    _set_policy(world, redact_pii=policy)
    assistant = make_assistant(
        world.department,
        instructions=INSTRUCTIONS,
        provider=provider(world, llm.base_url, on_premises=on_premises),
    )
    Assistant.objects.filter(pk=assistant.pk).update(pii_redaction=setting)
    llm.script_text("Số của ông: [SĐT_1]")
    client = signed_in(world)
    body = ask(client, start(client, assistant.pk), QUESTION).json()
    sent = sent_text(llm.chat_requests[-1].body)
    answer = Message.objects.get(pk=body["message_id"])
    if redacted:
        _assert_no_raw_value(llm.chat_requests[-1].body)
        assert "[CCCD_1]" in sent and body["content"] == f"Số của ông: {PHONE}"
        assert (
            answer.redactions == {"EMAIL": 1, "CCCD": 1, "SĐT": 1} and body["redactions"] == answer.redactions
        )
    else:
        assert CITIZEN_ID in sent and PHONE in sent and EMAIL in sent and "[CCCD_1]" not in sent
        assert body["content"] == "Số của ông: [SĐT_1]"  # nothing to map back
        assert answer.redactions == {}


def test_attached_files_are_redacted_too(world: World, llm: FakeLLM, monkeypatch: pytest.MonkeyPatch) -> None:
    use_hash_embedder(monkeypatch)
    monkeypatch.setattr("knowledge.tasks.ingest_document.apply_async", lambda *args, **options: None)
    assistant = make_assistant(world.department, provider=provider(world, llm.base_url, on_premises=False))
    client = signed_in(world)
    conversation = start(client, assistant.pk)
    letter = (
        "Đơn đề nghị cấp phiếu lý lịch tư pháp của bà Trần Thị B, "
        "CCCD 079089001234, email tranthib@gmail.com, điện thoại 0987.654.321, "
        "nhận tiền hoàn phí qua số tài khoản 0451000123456 tại Vietcombank."
    )
    response = client.post(
        f"/api/v1/conversations/{conversation}/attachments/",
        {"files": [SimpleUploadedFile("don_de_nghi.txt", letter.encode())]},
    )
    assert response.status_code == 201, response.content
    pipeline.index_document_inline(Document.objects.get(pk=response.json()[0]["document"]["id"]))
    body = ask(client, conversation, "Tóm tắt đơn đề nghị cấp phiếu lý lịch tư pháp của bà Trần Thị B").json()
    system = llm.chat_requests[-1].body["messages"][0]["content"]
    assert "Trần Thị B" in system  # the attachment was given to the model…
    for value in ("079089001234", "tranthib@gmail.com", "0987.654.321", "0451000123456"):
        assert value not in sent_text(llm.chat_requests[-1].body)  # …without its personal data
    assert all(p in system for p in ("[CCCD_1]", "[EMAIL_1]", "[SĐT_1]", "[STK_1]"))
    assert body["redactions"] == {"CCCD": 1, "EMAIL": 1, "SĐT": 1, "STK": 1}
    # The citation keeps the original text for the user.
    assert "079089001234" in body["citations"][0]["snippet"]


def _api_key(world: World) -> str:
    with transaction.atomic():
        return api_key_create(actor=None, department=world.department, name="Cổng", scopes=["chat"]).raw_key


@pytest.mark.parametrize("stream", [False, True])
def test_the_openai_compatible_api_redacts_the_whole_conversation(
    world: World, llm: FakeLLM, live_server: Any, stream: bool
) -> None:
    make_assistant(
        world.department,
        slug="tro-ly",
        instructions=INSTRUCTIONS,
        provider=provider(world, llm.base_url, on_premises=False),
    )
    llm.script(
        Reply(deltas=["Hồ sơ [CC", "CD_1] đã nhận; gọi lại [SĐ", "T_1]", "."], fault=Fault(token_delay=0.05))
    )
    client = openai.OpenAI(
        base_url=f"{live_server.url}/v1", api_key=_api_key(world), max_retries=0, timeout=30
    )
    messages: list[Any] = [
        {"role": "user", "content": f"Email của tôi là {EMAIL}"},
        {"role": "assistant", "content": "Vâng."},
        {"role": "user", "content": QUESTION},
    ]
    if stream:
        chunks = list(client.chat.completions.create(model="tro-ly", messages=messages, stream=True))
        text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    else:
        completion = client.chat.completions.create(model="tro-ly", messages=messages)
        text = completion.choices[0].message.content or ""
    assert text == f"Hồ sơ {CITIZEN_ID} đã nhận; gọi lại {PHONE}."
    sent = llm.chat_requests[-1].body["messages"]
    _assert_no_raw_value(sent)
    assert sent[1]["content"] == "Email của tôi là [EMAIL_1]"  # the same value as in the instructions
    answer = Message.objects.get(role="assistant")
    assert answer.content == text and answer.redactions == {"EMAIL": 1, "CCCD": 1, "SĐT": 1}


def test_only_org_admins_turn_redaction_off_and_changes_are_audited(world: World) -> None:
    builder: Client = signed_in(world, "builder")
    created = builder.post("/api/v1/assistants/", {"name": "Trợ lý hộ tịch"}, content_type="application/json")
    assert created.status_code == 201 and created.json()["pii_redaction"] == "inherit"
    assistant = Assistant.objects.get(pk=created.json()["id"])
    url = f"/api/v1/assistants/{assistant.pk}/"
    refused = builder.patch(url, {"pii_redaction": "never"}, content_type="application/json")
    assert refused.status_code == 403, refused.content
    assert refused.json()["error"]["message"] == "Chỉ quản trị viên tổ chức mới được tắt che dữ liệu cá nhân."
    assert Assistant.objects.get(pk=assistant.pk).pii_redaction == PiiRedaction.INHERIT
    stricter = builder.patch(url, {"pii_redaction": "always"}, content_type="application/json")
    assert stricter.status_code == 200 and stricter.json()["pii_redaction"] == "always"
    event = AuditEvent.objects.filter(action="assistant.update").latest("id")
    assert event.before == {"pii_redaction": "inherit"} and event.after == {"pii_redaction": "always"}
    assert event.actor_id == world.user("builder").pk
    copy = builder.post(f"{url}duplicate/", {}, content_type="application/json")
    assert copy.status_code == 201, copy.content
    assert copy.json()["pii_redaction"] == "always"  # the stricter setting travels with a copy
    member = signed_in(world, "member")
    assert member.patch(url, {"pii_redaction": "always"}, content_type="application/json").status_code == 403
    admin = signed_in(world, "org_admin")
    off = admin.patch(url, {"pii_redaction": "never"}, content_type="application/json")
    assert off.status_code == 200, off.content
    event = AuditEvent.objects.filter(action="assistant.update").latest("id")
    assert event.after == {"pii_redaction": "never"} and event.actor_id == world.user("org_admin").pk
    bad = admin.patch(url, {"pii_redaction": "sometimes"}, content_type="application/json")
    assert bad.status_code == 400
    never_copied = builder.post(f"{url}duplicate/", {}, content_type="application/json")
    assert never_copied.json()["pii_redaction"] == "inherit"  # "never" was decided for this one only
