"""Searching the version's knowledge bases with the one retrieval function (knowledge.search.retrieval).
The passages go back to the model as data, numbered, with their document, headings and pages, and
as citations for the answer."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from django.db import DatabaseError, connection, transaction

from assistants.tools.base import ToolContext, ToolKind, ToolResult, register
from bureau.exceptions import ValidationFailed
from knowledge.models import KnowledgeBase
from knowledge.search.retrieval import MODES, RetrievedChunk, retrieve

DEFAULT_TOP_K = 5
MAX_TOP_K = 10
MAX_QUERY = 1000
MAX_PASSAGE_CHARS = 3000


def _pages(chunk: RetrievedChunk) -> str:
    if chunk.page_start is None:
        return ""
    if chunk.page_end is None or chunk.page_end == chunk.page_start:
        return str(chunk.page_start)
    return f"{chunk.page_start}-{chunk.page_end}"


def passages_payload(chunks: Sequence[RetrievedChunk]) -> list[dict[str, Any]]:
    return [
        {
            "n": number,
            "document": chunk.document_title,
            "document_number": chunk.document_number,
            "heading_path": chunk.heading_path,
            "pages": _pages(chunk),
            "text": chunk.text[:MAX_PASSAGE_CHARS],
        }
        for number, chunk in enumerate(chunks, start=1)
    ]


def _profile(kb: KnowledgeBase) -> tuple[str, str, int, str, str]:
    return (
        kb.embedding_provider,
        kb.embedding_model,
        kb.embedding_dimension,
        kb.query_prefix,
        kb.passage_prefix,
    )


def search(
    knowledge_bases: Sequence[KnowledgeBase], query: str, *, top_k: int, mode: str, timeout_s: float
) -> list[RetrievedChunk]:
    """``retrieve`` per embedding profile (a query vector serves one profile), merged by fused score.
    The database work stops at ``timeout_s`` (PostgreSQL's statement_timeout)."""
    groups: dict[tuple[str, str, int, str, str], list[KnowledgeBase]] = defaultdict(list)
    for kb in knowledge_bases:
        groups[_profile(kb)].append(kb)
    found: list[RetrievedChunk] = []
    for bases in groups.values():
        with transaction.atomic(), connection.cursor() as cursor:
            # Local to the transaction; put back afterwards, since an outer transaction (a test, a
            # caller's atomic block) would otherwise keep it after this savepoint is released.
            cursor.execute("SELECT current_setting('statement_timeout')")
            (previous,) = cursor.fetchone() or ("0",)
            cursor.execute(
                "SELECT set_config('statement_timeout', %s, true)", [f"{max(int(timeout_s * 1000), 1)}ms"]
            )
            found.extend(retrieve(knowledge_bases=bases, query=query, top_k=top_k, mode=mode))
            cursor.execute("SELECT set_config('statement_timeout', %s, true)", [previous])
    found.sort(key=lambda c: c.score, reverse=True)
    found = found[:top_k]
    for rank, chunk in enumerate(found, start=1):
        chunk.rank = rank
    return found


@register
class KnowledgeSearch(ToolKind):
    kind = "knowledge_search"
    label = "Tra cứu kho tri thức"
    description = (
        "Tìm các đoạn văn bản liên quan trong kho tri thức của trợ lý (văn bản pháp luật, quy trình, "
        "hướng dẫn). Trả về các đoạn được đánh số kèm tên văn bản, mục và trang để trích dẫn."
    )

    def validate_settings(self, settings: dict[str, Any]) -> dict[str, Any]:
        settings = super().validate_settings(settings)
        top_k = settings.get("top_k", DEFAULT_TOP_K)
        if not isinstance(top_k, int) or isinstance(top_k, bool) or not 1 <= top_k <= MAX_TOP_K:
            raise ValidationFailed(f"Số đoạn trả về (top_k) phải từ 1 đến {MAX_TOP_K}.")
        mode = settings.get("mode", "hybrid")
        if mode not in MODES:
            raise ValidationFailed(f"Chế độ tìm kiếm phải là một trong: {', '.join(MODES)}.")
        return {"top_k": top_k, "mode": mode}

    def functions(self, settings: dict[str, Any]) -> list[dict[str, Any]]:
        return [
            {
                "name": "search",
                "description": self.description,
                "parameters": {
                    "type": "object",
                    "properties": {
                        "query": {"type": "string", "description": "Câu hỏi hoặc từ khoá cần tìm"},
                        "top_k": {"type": "integer", "minimum": 1, "maximum": MAX_TOP_K},
                    },
                    "required": ["query"],
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
        query = arguments.get("query")
        if not isinstance(query, str) or not query.strip():
            return ToolResult.failed("Thiếu tham số 'query' (câu cần tìm).")
        top_k = arguments.get("top_k", settings.get("top_k", DEFAULT_TOP_K))
        if not isinstance(top_k, int) or isinstance(top_k, bool):
            return ToolResult.failed("Tham số 'top_k' phải là số nguyên.")
        top_k = min(max(top_k, 1), MAX_TOP_K)
        if not context.knowledge_bases:
            return ToolResult.failed("Trợ lý này chưa được gắn kho tri thức nào.")
        timeout_s = context.seconds_left(20.0)
        if timeout_s <= 0:
            return ToolResult.failed("Hết thời gian dành cho công cụ.")
        try:
            chunks = search(
                context.knowledge_bases,
                query[:MAX_QUERY],
                top_k=top_k,
                mode=str(settings.get("mode", "hybrid")),
                timeout_s=timeout_s,
            )
        except DatabaseError:
            return ToolResult.failed("Tra cứu kho tri thức bị lỗi hoặc quá thời gian.")
        except ValueError as error:
            return ToolResult.failed(f"Không tra cứu được: {error}.")
        names = {kb.pk: kb.name for kb in context.knowledge_bases}
        summary = f"{len(chunks)} đoạn cho “{query[:80]}”" + (
            f" ({', '.join(sorted({names.get(c.knowledge_base_id, '') for c in chunks}))})" if chunks else ""
        )
        return ToolResult.untrusted(
            {"query": query[:MAX_QUERY], "count": len(chunks)},
            passages_payload(chunks),
            summary,
            citations=chunks,
        )
