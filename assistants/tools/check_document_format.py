"""Checking a document against the presentation rules of Nghị định 30/2020/NĐ-CP: a file drafted in the
same conversation, or a Word or PDF document of a knowledge base the assistant may use."""

from __future__ import annotations

from typing import Any

from assistants.documents.nd30_check import NotReadable, check_document
from assistants.models import GeneratedFile
from assistants.tools.base import ToolContext, ToolKind, ToolResult, register
from knowledge.models import Document

CHECKABLE_KINDS = {"docx", "doc", "pdf"}  # a .doc or PDF is read as text only


@register
class CheckDocumentFormat(ToolKind):
    kind = "check_document_format"
    label = "Kiểm tra thể thức văn bản"
    description = (
        "Kiểm tra một văn bản theo thể thức Nghị định 30/2020/NĐ-CP (khổ giấy, lề, phông và cỡ chữ, Quốc "
        "hiệu, số và ký hiệu, ngày tháng, chữ ký, nơi nhận) và liệt kê các sai lệch kèm quy định. Nhận biết "
        "loại văn bản (hành chính, quy phạm pháp luật, phụ lục, án lệ) và chỉ áp dụng quy định của loại đó; "
        "tệp .doc và PDF chỉ kiểm tra phần chữ. Hãy nói cho người dùng loại văn bản và các mục không kiểm "
        "tra. Truyền file_id (tệp đã soạn trong cuộc hội thoại) hoặc document_id (tài liệu trong kho tri "
        "thức)."
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
                        "document_id": {
                            "type": "integer",
                            "description": "Tài liệu DOCX, DOC hoặc PDF trong kho tri thức",
                        },
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
            if document.kind not in CHECKABLE_KINDS:
                return ToolResult.failed("Chỉ kiểm tra được tài liệu Word (DOCX, DOC) hoặc PDF có lớp chữ.")
            source = {"document_id": document.pk, "filename": document.filename}
            with document.file.open("rb") as handle:
                data = handle.read()
        else:
            return ToolResult.failed("Cần file_id hoặc document_id của tệp DOCX cần kiểm tra.")
        try:
            result = check_document(data)
        except NotReadable as error:
            return ToolResult.failed(str(error))
        found = result.as_dict()
        name, kind = source["filename"], result.kind_label
        if result.deviations:
            summary = f"{name} ({kind}): {len(result.deviations)} sai lệch so với Nghị định 30/2020/NĐ-CP."
        elif result.checked:
            summary = f"{name} ({kind}): đúng thể thức Nghị định 30/2020/NĐ-CP ở mọi điểm đã kiểm tra."
        else:
            summary = (
                f"{name} ({kind}): thể thức theo Nghị định 30/2020/NĐ-CP không áp dụng cho loại văn bản này."
            )
        if result.skipped:
            summary += (
                " Không kiểm tra: " + "; ".join(f"{s['check']} ({s['reason']})" for s in result.skipped) + "."
            )
        return ToolResult.ok({**source, "summary": summary, **found}, summary)


def _as_id(value: Any) -> int | None:
    if isinstance(value, bool) or value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
