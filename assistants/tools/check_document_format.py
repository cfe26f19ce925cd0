"""Checking a DOCX against the presentation rules of Nghị định 30/2020/NĐ-CP: a file drafted in the
same conversation, or a Word document of a knowledge base the assistant may use."""

from __future__ import annotations

from typing import Any

from assistants.documents.nd30_check import NotADocx, check_docx
from assistants.models import GeneratedFile
from assistants.tools.base import ToolContext, ToolKind, ToolResult, register
from knowledge.models import Document

DOCX_KIND = "docx"


@register
class CheckDocumentFormat(ToolKind):
    kind = "check_document_format"
    label = "Kiểm tra thể thức văn bản"
    description = (
        "Kiểm tra một tệp DOCX theo thể thức Nghị định 30/2020/NĐ-CP (khổ giấy, lề, phông và cỡ chữ, Quốc "
        "hiệu, số và ký hiệu, ngày tháng, chữ ký, nơi nhận) và liệt kê các sai lệch kèm quy định. Truyền "
        "file_id (tệp đã soạn trong cuộc hội thoại) hoặc document_id (tài liệu Word trong kho tri thức)."
    )

    def functions(self, settings: dict[str, Any]) -> list[dict[str, Any]]:
        return [
            {
                "name": "check_document_format",
                "description": self.description,
                "parameters": {
                    "type": "object",
                    "properties": {
                        "file_id": {"type": "integer", "description": "Tệp đã soạn trong cuộc hội thoại"},
                        "document_id": {"type": "integer", "description": "Tài liệu DOCX trong kho tri thức"},
                    },
                },
            }
        ]

    def run(
        self,
        function_name: str,
        arguments: dict[str, Any],
        *,
        settings: dict[str, Any],
        secret: str,
        context: ToolContext,
    ) -> ToolResult:
        file_id, document_id = _as_id(arguments.get("file_id")), _as_id(arguments.get("document_id"))
        if file_id is not None:
            generated = (
                GeneratedFile.objects.filter(pk=file_id, conversation_id=context.conversation_id).first()
                if context.conversation_id is not None
                else None
            )
            if generated is None:
                return ToolResult.failed("Không tìm thấy tệp này trong cuộc hội thoại.")
            source: dict[str, Any] = {"file_id": generated.pk, "filename": generated.filename}
            with generated.file.open("rb") as handle:
                data = handle.read()
        elif document_id is not None:
            document = Document.objects.filter(
                pk=document_id, knowledge_base__in=context.knowledge_bases
            ).first()
            if document is None:
                return ToolResult.failed("Không tìm thấy tài liệu này trong kho tri thức của trợ lý.")
            if document.kind != DOCX_KIND:
                return ToolResult.failed("Chỉ kiểm tra được tài liệu Word định dạng DOCX.")
            source = {"document_id": document.pk, "filename": document.filename}
            with document.file.open("rb") as handle:
                data = handle.read()
        else:
            return ToolResult.failed("Cần file_id hoặc document_id của tệp DOCX cần kiểm tra.")
        try:
            deviations = [d.as_dict() for d in check_docx(data)]
        except NotADocx as error:
            return ToolResult.failed(str(error))
        if deviations:
            summary = f"{source['filename']}: {len(deviations)} sai lệch so với Nghị định 30/2020/NĐ-CP."
        else:
            summary = f"{source['filename']}: đúng thể thức Nghị định 30/2020/NĐ-CP ở mọi điểm đã kiểm tra."
        return ToolResult.ok({**source, "summary": summary, "deviations": deviations}, summary)


def _as_id(value: Any) -> int | None:
    if isinstance(value, bool) or value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
