"""The tool registry: see ``base`` for the contract, one module per kind."""

from __future__ import annotations

import assistants.tools.check_document_format
import assistants.tools.draft_document  # noqa: F401 (both register their kinds)
from assistants.tools import analyze_table, calculator, current_datetime, http_action, knowledge_search
from assistants.tools.base import (
    KINDS,
    UNTRUSTED_NOTE,
    BoundTool,
    ToolContext,
    ToolKind,
    ToolResult,
    UnknownToolKind,
    bind_tools,
    get_kind,
    register,
)
from assistants.tools.http_action import import_openapi

__all__ = [
    "KINDS",
    "UNTRUSTED_NOTE",
    "BoundTool",
    "ToolContext",
    "ToolKind",
    "ToolResult",
    "UnknownToolKind",
    "analyze_table",
    "bind_tools",
    "calculator",
    "current_datetime",
    "get_kind",
    "http_action",
    "import_openapi",
    "knowledge_search",
    "register",
]
