"""The rule for knowledge in answers: an answer never shows a person a passage they could not open
themselves. At every turn (chat, regenerate, preview, the OpenAI-compatible API, the
`knowledge_search` tool, which all go through prepare.prepare_turn) the version's knowledge bases are
split by what the asker may open *now* (department, visibility, live grants: the condition of
knowledge.selectors), and only those are searched. The others are named in a note that opens the
answer, as the classification policy's withheld knowledge is (assistants/review/clearance.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

from django.db import connection
from django.utils.translation import gettext as _

from assistants.models import AssistantVersion
from bureau.tenancy.access import access_of
from knowledge.models import KnowledgeBase
from knowledge.selectors import knowledge_base_readable_condition


class VersionKnowledge(NamedTuple):
    readable: list[KnowledgeBase]  # searched for this asker
    unreadable: list[KnowledgeBase]  # linked, but the asker may not open them: left out, and named


_LINKS = AssistantVersion.knowledge_bases.through
_COLUMNS = KnowledgeBase._meta.concrete_fields
_FIELDS = [field.attname for field in _COLUMNS]
# Written out, as the chat turn's other reads are, with the readability of each knowledge base
# computed by the same condition the knowledge base list uses.
_SELECTED = ", ".join(f'k."{field.column}"' for field in _COLUMNS)
_SQL = (
    f"SELECT {_SELECTED}, %s"  # noqa: S608 - names from the models; values are parameters
    f' FROM "{KnowledgeBase._meta.db_table}" k JOIN "{_LINKS._meta.db_table}" l'
    f' ON l."{_LINKS._meta.get_field("knowledgebase").column}" = k."id"'
    f' WHERE l."{_LINKS._meta.get_field("assistantversion").column}" = %%s ORDER BY k."id"'
)


def version_knowledge_for(*, actor: Any, version_id: int) -> VersionKnowledge:
    readable_sql, params = knowledge_base_readable_condition(access_of(actor)).where("k")
    readable: list[KnowledgeBase] = []
    unreadable: list[KnowledgeBase] = []
    with connection.cursor() as cursor:
        cursor.execute(_SQL % readable_sql, [*params, version_id])
        for row in cursor.fetchall():
            kb = KnowledgeBase.from_db(connection.alias, _FIELDS, row[:-1])
            (readable if row[-1] else unreadable).append(kb)
    return VersionKnowledge(readable, unreadable)


def left_out_notice(unreadable: Sequence[KnowledgeBase]) -> str:
    """The sentence that opens an answer written without knowledge its asker may not open."""
    if not unreadable:
        return ""
    names = ", ".join(f"“{kb.name}”" for kb in unreadable)
    return _(
        "Note: this answer does not use the knowledge base(s) %(names)s: you do not have access to "
        "them. Ask the department that keeps them for access."
    ) % {"names": names}
