"""Drafting an administrative document: the model fills a form, Bureau lays it out as Nghị định
30/2020/NĐ-CP prescribes and stores the DOCX for download from the conversation. What the form
lacks goes back to the model as a list, so that it asks the user rather than inventing it."""

from __future__ import annotations

from typing import Any

from assistants.documents.nd30 import FIELD_LABELS, date_line, form_schema, number_line, parse_form
from assistants.documents.nd30_render import draft_filename, render_docx
from assistants.documents.services import generated_file_create
from assistants.models import Conversation, GeneratedFileKind, Message, MessageRole, MessageStatus
from assistants.tools.base import ToolContext, ToolKind, ToolResult, as_json, register

DOWNLOAD_URL = "/api/v1/files/{}/download/"
PDF_URL = "/api/v1/files/{}/pdf/"


@register
class DraftDocument(ToolKind):
    kind = "draft_document"
    label = "Soạn thảo văn bản hành chính"
    description = (
        "Soạn một văn bản hành chính (công văn, quyết định, tờ trình, báo cáo, thông báo, kế hoạch, "
        "giấy mời, biên bản, …) đúng thể thức Nghị định 30/2020/NĐ-CP và tạo tệp DOCX để tải về. "
        "Chỉ điền thông tin người dùng đã cung cấp; nếu thiếu, công cụ trả về danh sách các mục cần hỏi "
        "người dùng."
    )

    def functions(self, settings: dict[str, Any]) -> list[dict[str, Any]]:
        return [{"name": "draft_document", "description": self.description, "parameters": form_schema()}]

    def run(
        self,
        function_name: str,
        arguments: dict[str, Any],
        *,
        settings: dict[str, Any],
        secret: str,
        context: ToolContext,
    ) -> ToolResult:
        form, problems = parse_form(arguments)
        if form is None:
            return _incomplete(problems.missing, problems.invalid)
        conversation = (
            Conversation.objects.select_related("assistant").filter(pk=context.conversation_id).first()
            if context.conversation_id is not None
            else None
        )
        if conversation is None:
            return ToolResult.failed("Công cụ soạn văn bản chỉ dùng được trong một cuộc hội thoại.")
        # The answer being written is the message the file is offered from.
        message = (
            Message.objects.filter(
                conversation=conversation, role=MessageRole.ASSISTANT, status=MessageStatus.STREAMING
            )
            .order_by("-id")
            .first()
        )
        filename = draft_filename(form)
        generated = generated_file_create(
            actor=context.actor,
            conversation=conversation,
            message=message,
            kind=GeneratedFileKind.DRAFT_DOCX,
            filename=filename,
            content=render_docx(form),
            details={"doc_type": form.doc_type.code},
        )
        data = {
            "file_id": generated.pk,
            "filename": generated.filename,
            "download_url": DOWNLOAD_URL.format(generated.pk),
            "pdf_url": PDF_URL.format(generated.pk),  # laid out on first download
            "doc_type": form.doc_type.code,
            "number": number_line(form),
            "date": date_line(form.place, form.date),
        }
        summary = f"Đã soạn {form.doc_type.label.lower()} “{form.subject[:80]}”: {generated.filename}"
        return ToolResult.ok(data, summary)


def _incomplete(missing: list[str], invalid: dict[str, str]) -> ToolResult:
    parts = []
    if missing:
        parts.append(
            "Còn thiếu: " + "; ".join(f"{FIELD_LABELS.get(name, name)} ({name})" for name in missing)
        )
    if invalid:
        parts.append(
            "Không hợp lệ: "
            + "; ".join(f"{FIELD_LABELS.get(n, n)} ({n}): {why}" for n, why in invalid.items())
        )
    error = ". ".join(parts) + "."
    content = {
        "status": "failed",
        "missing": missing,
        "invalid": invalid,
        "instruction": "Chưa tạo được văn bản. Hãy hỏi người dùng các thông tin trên rồi gọi lại công cụ; "
        "không tự bịa thông tin.",
        "error": error,
    }
    return ToolResult(
        content=as_json(content),
        summary=error[:300],
        status="failed",
        data={"missing": missing, "invalid": invalid},
        error=error,
    )
