"""The document tools through the chat, with the fake model calling them: a drafted DOCX is stored,
audited and downloadable by the conversation's owner only; a format check reports deviations; and
the check is also an API endpoint."""

from __future__ import annotations

import io
import shutil
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from docx import Document as open_docx
from docx.shared import Mm

from assistants.documents import pdf as pdf_module
from assistants.documents.nd30_render import render_docx
from assistants.documents.services import generated_file_create
from assistants.models import Conversation, GeneratedFile, GeneratedFileKind, Message, ToolCall
from bureau.audit.models import AuditEvent
from knowledge import services as knowledge_services
from tests.assistants.chat_helpers import make_assistant, make_provider, streamed
from tests.assistants.test_nd30 import BASE, form_for
from tests.factories import World, signed_in
from tests.fakes.fake_llm import FakeLLM
from tests.knowledge.pipeline_helpers import DATA, use_hash_embedder

pytestmark = pytest.mark.django_db

TOOLS = [
    {"kind": "draft_document", "name": "soan_van_ban", "settings": {}},
    {"kind": "check_document_format", "name": "kiem_tra_the_thuc", "settings": {}},
]


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path


def _start(client: Client, assistant_id: int) -> int:
    response = client.post(
        "/api/v1/conversations/", {"assistant": assistant_id}, content_type="application/json"
    )
    assert response.status_code == 201, response.content
    return int(response.json()["id"])


def _ask(client: Client, conversation_id: int, content: str) -> dict[str, Any]:
    response = client.post(
        f"/api/v1/conversations/{conversation_id}/messages/",
        {"content": content},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    body: dict[str, Any] = response.json()
    return body


def _assistant(world: World, llm: FakeLLM, **extra: Any) -> Any:
    return make_assistant(
        world.department, provider=make_provider(world.department, llm.base_url), tools=TOOLS, **extra
    )


def result(call: ToolCall) -> dict[str, Any]:
    assert isinstance(call.result, dict), call.result
    return call.result


def _docx(**changes: Any) -> bytes:
    return render_docx(form_for("quyet_dinh", **changes))


def _letter(data: bytes) -> bytes:
    document = open_docx(io.BytesIO(data))
    document.sections[0].page_width, document.sections[0].page_height = Mm(215.9), Mm(279.4)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_a_drafted_document_is_stored_audited_and_downloadable_by_its_owner(
    world: World, llm: FakeLLM
) -> None:
    assistant = _assistant(world, llm)
    llm.script_tool_call("soan_van_ban", {**BASE, "doc_type": "cong_van"})
    llm.script_text("Tôi đã soạn công văn, bạn có thể tải về.")
    client = signed_in(world)
    conversation = _start(client, assistant.pk)
    body = _ask(client, conversation, "Soạn công văn mời các sở dự hội nghị tổng kết.")
    assert body["status"] == "completed"

    call = ToolCall.objects.get()
    assert call.kind == "draft_document" and call.status == "succeeded"
    generated = GeneratedFile.objects.get()
    assert result(call)["file_id"] == generated.pk
    assert result(call)["download_url"] == f"/api/v1/files/{generated.pk}/download/"
    assert result(call)["number"] == "Số: 12/UBND-VP"
    assert generated.conversation_id == conversation and generated.message_id == body["message_id"]
    assert generated.kind == GeneratedFileKind.DRAFT_DOCX and generated.filename == "cong_van_2026-12-05.docx"
    assert (generated.organization_id, generated.department_id) == (
        assistant.organization_id,
        assistant.department_id,
    )
    assert generated.created_by == world.user("member") and len(generated.sha256) == 64

    event = AuditEvent.objects.get(action="document.draft")
    assert event.target_type == "generatedfile" and event.target_id == str(generated.pk)
    assert event.department_id == world.department.pk and (event.after or {}).get("doc_type") == "cong_van"
    assert event.actor_id == world.user("member").pk

    # The model heard where the file is.
    tool_message = llm.chat_requests[-1].body["messages"][-1]
    assert tool_message["role"] == "tool" and "/download/" in tool_message["content"]

    # The answer in the conversation's history carries the link to the file.
    history = client.get(f"/api/v1/conversations/{conversation}/").json()["messages"]
    [answer] = [m for m in history if m["id"] == body["message_id"]]
    assert answer["tool_calls"][0]["result"]["download_url"] == result(call)["download_url"]

    response = client.get(result(call)["download_url"])
    assert response.status_code == 200
    assert (
        "attachment" in response["Content-Disposition"]
        and "cong_van_2026-12-05.docx" in response["Content-Disposition"]
    )
    data = streamed(response)
    assert len(data) == generated.size_bytes
    assert open_docx(io.BytesIO(data)).tables[0].rows[1].cells[0].paragraphs[0].text == "Số: 12/UBND-VP"

    for other in ("builder", "dept_admin", "org_admin", "outsider"):
        assert signed_in(world, other).get(result(call)["download_url"]).status_code == 404, other
    assert Client().get(result(call)["download_url"]).status_code in (401, 403)


def test_missing_fields_go_back_to_the_model_as_a_list(world: World, llm: FakeLLM) -> None:
    assistant = _assistant(world, llm)
    llm.script_tool_call("soan_van_ban", {"doc_type": "quyet_dinh", "subject": "Thành lập tổ công tác"})
    llm.script_text("Bạn cho biết cơ quan ban hành, ngày ban hành và người ký nhé.")
    client = signed_in(world)
    _ask(client, _start(client, assistant.pk), "Soạn quyết định thành lập tổ công tác.")
    call = ToolCall.objects.get()
    assert call.status == "failed"
    assert result(call)["missing"][:3] == ["issuing_body", "issuer_abbreviation", "place"]
    assert {"articles", "signer_name", "recipients"} <= set(result(call)["missing"])
    assert "họ và tên người ký" in call.error
    tool_message = llm.chat_requests[-1].body["messages"][-1]
    assert '"missing"' in tool_message["content"] and "hỏi người dùng" in tool_message["content"]
    assert (
        not GeneratedFile.objects.exists() and not AuditEvent.objects.filter(action="document.draft").exists()
    )


def test_the_format_check_reads_a_file_of_the_same_conversation(world: World, llm: FakeLLM) -> None:
    assistant = _assistant(world, llm)
    client = signed_in(world)
    conversation = Conversation.objects.get(pk=_start(client, assistant.pk))
    elsewhere = Conversation.objects.get(pk=_start(client, assistant.pk))
    files = {}
    for name, target, content in [("mine", conversation, _letter(_docx())), ("other", elsewhere, _docx())]:
        files[name] = generated_file_create(
            actor=world.user("member"),
            conversation=target,
            message=None,
            kind=GeneratedFileKind.DRAFT_DOCX,
            filename=f"{name}.docx",
            content=content,
        )
    llm.script_tool_call("kiem_tra_the_thuc", {"file_id": files["mine"].pk})
    llm.script_tool_call("kiem_tra_the_thuc", {"file_id": files["other"].pk})
    llm.script_text("Văn bản dùng khổ Letter, cần đổi sang A4.")
    _ask(client, conversation.pk, "Kiểm tra thể thức văn bản vừa soạn.")
    found, refused = ToolCall.objects.order_by("id")
    assert found.status == "succeeded" and found.kind == "check_document_format"
    assert [d["code"] for d in result(found)["deviations"]] == ["page_size"]
    assert result(found)["deviations"][0]["rule"] == "Phụ lục I, mục I.1"
    assert "1 sai lệch" in found.result_summary
    # A file of another conversation is not reachable from this one.
    assert refused.status == "failed" and "Không tìm thấy" in refused.error


def test_the_format_check_reads_a_word_document_of_the_knowledge(
    world: World, llm: FakeLLM, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_hash_embedder(monkeypatch)
    with transaction.atomic():
        kb = knowledge_services.knowledge_base_create(actor=None, department=world.department, name="Văn bản")
    [uploaded] = knowledge_services.document_upload(
        actor=None, knowledge_base=kb, files=[SimpleUploadedFile("qd.docx", _docx())], dispatch=False
    )
    assert uploaded.document is not None and uploaded.document.kind == "docx"
    assistant = _assistant(world, llm, knowledge_bases=[kb])
    llm.script_tool_call("kiem_tra_the_thuc", {"document_id": uploaded.document.pk})
    llm.script_text("Văn bản đúng thể thức.")
    client = signed_in(world)
    _ask(client, _start(client, assistant.pk), "Kiểm tra thể thức quyết định trong kho.")
    call = ToolCall.objects.get()
    assert call.status == "succeeded" and result(call)["deviations"] == []
    assert "đúng thể thức" in call.result_summary


# --- the API ----------------------------------------------------------------------------------------


def _check(client: Client, name: str, content: bytes) -> Any:
    return client.post("/api/v1/documents/check-format", {"file": SimpleUploadedFile(name, content)})


def test_the_check_endpoint_lists_deviations(world: World) -> None:
    client = signed_in(world, "outsider")  # any signed-in person may check a file
    response = _check(client, "dung.docx", _docx())
    assert response.status_code == 200
    body = response.json()
    assert body["deviations"] == [] and body["skipped"] == []
    assert (body["kind"], body["kind_label"], body["source"]) == (
        "administrative",
        "văn bản hành chính",
        "docx",
    )
    response = _check(client, "letter.docx", _letter(_docx(date="2026-02-03")))
    assert response.status_code == 200
    deviations = response.json()["deviations"]
    assert [d["code"] for d in deviations] == ["page_size"]
    assert set(deviations[0]) == {"code", "message_vi", "rule", "location", "count"}


@pytest.mark.skipif(not DATA.exists(), reason="../shared/data is not beside the repository")
def test_the_check_endpoint_reads_a_pdf_as_text_and_says_what_it_skipped(world: World) -> None:
    client = signed_in(world)
    pdf = DATA / "legal_samples" / "BNV-CCHC_2025_cong_van_lay_y_kien_textpdf.pdf"
    response = _check(client, "cong_van.pdf", pdf.read_bytes())
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["source"], body["kind"], body["deviations"]) == ("pdf", "administrative", [])
    assert "phông chữ" in [item["check"] for item in body["skipped"]]
    response = _check(
        client, "scan.pdf", (DATA / "legal_samples" / "QD_932_2025_QD-TTg_scanned.pdf").read_bytes()
    )
    assert response.status_code == 400 and "lớp chữ" in str(response.json())


def test_the_check_endpoint_refuses_what_is_not_a_document(world: World) -> None:
    client = signed_in(world)
    response = _check(client, "van_ban.pdf", b"%PDF-1.7\n1 0 obj\n")
    assert response.status_code == 400
    assert "PDF" in str(response.json())
    response = _check(client, "van_ban.txt", b"plain text")
    assert response.status_code == 400 and ".docx" in str(response.json())
    response = client.post("/api/v1/documents/check-format", {})
    assert response.status_code == 400
    assert Client().post("/api/v1/documents/check-format", {}).status_code in (401, 403)


def test_a_message_keeps_its_file_link_until_the_conversation_goes(world: World, llm: FakeLLM) -> None:
    assistant = _assistant(world, llm)
    llm.script_tool_call("soan_van_ban", {**BASE, "doc_type": "bao_cao"})
    llm.script_text("Đã soạn báo cáo.")
    client = signed_in(world)
    conversation = _start(client, assistant.pk)
    body = _ask(client, conversation, "Soạn báo cáo.")
    message = Message.objects.get(pk=body["message_id"])
    assert list(message.generated_files.values_list("filename", flat=True)) == ["bao_cao_2026-12-05.docx"]
    assert client.delete(f"/api/v1/conversations/{conversation}/").status_code == 204
    assert not GeneratedFile.objects.exists()


# --- the PDF beside the DOCX --------------------------------------------------------------------------


def _drafted(world: World, llm: FakeLLM) -> tuple[Client, dict[str, Any]]:
    assistant = _assistant(world, llm)
    llm.script_tool_call("soan_van_ban", {**BASE, "doc_type": "cong_van"})
    llm.script_text("Đã soạn công văn.")
    client = signed_in(world)
    _ask(client, _start(client, assistant.pk), "Soạn công văn.")
    return client, result(ToolCall.objects.get())


@pytest.mark.skipif(
    not (shutil.which("soffice") or shutil.which("libreoffice")),
    reason="LibreOffice is not installed (Debian: apt-get install libreoffice-writer-nogui "
    "fonts-liberation2)",
)
def test_the_pdf_is_made_on_first_download_and_kept(world: World, llm: FakeLLM) -> None:
    import pypdfium2 as pdfium

    client, drafted = _drafted(world, llm)
    generated = GeneratedFile.objects.get()
    assert drafted["pdf_url"] == f"/api/v1/files/{generated.pk}/pdf/" and not generated.pdf
    response = client.get(drafted["pdf_url"])
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert "cong_van_2026-12-05.pdf" in response["Content-Disposition"]
    data = streamed(response)
    text = pdfium.PdfDocument(data)[0].get_textpage().get_text_range()
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text and "Số: 12/UBND-VP" in text
    generated.refresh_from_db()
    assert generated.pdf and generated.pdf_error == ""
    assert AuditEvent.objects.filter(action="document.pdf", target_id=str(generated.pk)).count() == 1
    # Kept: the second download reads the stored file, with no second conversion.
    again = client.get(drafted["pdf_url"])
    assert again.status_code == 200 and streamed(again) == data
    assert AuditEvent.objects.filter(action="document.pdf").count() == 1
    for other in ("builder", "dept_admin", "outsider"):
        assert signed_in(world, other).get(drafted["pdf_url"]).status_code == 404, other


def test_a_pdf_that_cannot_be_made_leaves_the_docx_and_says_why(
    world: World, llm: FakeLLM, monkeypatch: pytest.MonkeyPatch
) -> None:
    client, drafted = _drafted(world, llm)
    monkeypatch.setattr(pdf_module.shutil, "which", lambda name: None)
    response = client.get(drafted["pdf_url"], HTTP_ACCEPT_LANGUAGE="vi")
    assert response.status_code == 409
    message = response.json()["error"]["message"]
    assert "LibreOffice" in message and "DOCX" in message and "chưa được cài đặt" in message
    generated = GeneratedFile.objects.get()
    assert not generated.pdf and generated.pdf_error == pdf_module.NO_CONVERTER
    assert client.get(drafted["download_url"]).status_code == 200
