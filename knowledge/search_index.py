"""Which chunks serve searches, and the keyword statistics that follow them.

The indexing pipeline calls these hooks inside its finalize transaction. Each keeps
``Chunk.active`` and the per-knowledge-base term statistics (``KeywordTermStat``,
``KeywordBaseStat``: document frequency of every lexeme, chunk count, total length) in step:
the statistics always describe exactly the chunks with ``active = true``, which is what BM25 in
knowledge.retrieval needs for its IDF and length normalization.

Statistics are changed by deltas computed in SQL from the chunks' tsvectors. Upserts lock term
rows in lexeme order, so two documents finalized at once in one knowledge base wait for each
other instead of deadlocking.
"""

from __future__ import annotations

from django.db import connection, transaction

from knowledge.models import Chunk, Document, KeywordBaseStat, KeywordTermStat, KnowledgeBase

_CHUNK = Chunk._meta.db_table
_TERM = KeywordTermStat._meta.db_table
_BASE = KeywordBaseStat._meta.db_table

# Lexemes of the selected chunks with how many chunks contain each, in either vector; the
# chunk filter is appended by the callers (document id, knowledge base id).
_TERM_DELTA_SQL = f"""
INSERT INTO {_TERM} AS t (knowledge_base_id, lexeme, df_exact, df_folded)
SELECT kb, lexeme, %(sign)s * sum(e), %(sign)s * sum(f)
FROM (
    SELECT c.knowledge_base_id AS kb, x.lexeme, 1 AS e, 0 AS f
    FROM {_CHUNK} c, unnest(tsvector_to_array(c.search_exact)) AS x(lexeme)
    WHERE c.active AND c.search_exact IS NOT NULL AND {{where}}
    UNION ALL
    SELECT c.knowledge_base_id, x.lexeme, 0, 1
    FROM {_CHUNK} c, unnest(tsvector_to_array(c.search_folded)) AS x(lexeme)
    WHERE c.active AND c.search_folded IS NOT NULL AND {{where}}
) AS d
GROUP BY kb, lexeme
ORDER BY kb, lexeme
ON CONFLICT (knowledge_base_id, lexeme) DO UPDATE
SET df_exact = t.df_exact + EXCLUDED.df_exact, df_folded = t.df_folded + EXCLUDED.df_folded
"""  # noqa: S608 - table names come from the models; values are parameters

_BASE_DELTA_SQL = f"""
INSERT INTO {_BASE} AS b (knowledge_base_id, chunk_count, total_tokens)
SELECT c.knowledge_base_id, %(sign)s * count(*), %(sign)s * coalesce(sum(c.token_count), 0)
FROM {_CHUNK} c
WHERE c.active AND {{where}}
GROUP BY c.knowledge_base_id
ON CONFLICT (knowledge_base_id) DO UPDATE
SET chunk_count = b.chunk_count + EXCLUDED.chunk_count, total_tokens = b.total_tokens + EXCLUDED.total_tokens
"""  # noqa: S608

_PRUNE_SQL = f"DELETE FROM {_TERM} WHERE knowledge_base_id = %(kb)s AND df_exact <= 0 AND df_folded <= 0"  # noqa: S608

_BY_DOCUMENT = "c.document_id = %(doc)s"
_BY_KNOWLEDGE_BASE = "c.knowledge_base_id = %(kb)s"


def _apply_delta(*, document_id: int, knowledge_base_id: int, sign: int) -> None:
    """Add (sign = 1) or remove (sign = -1) the document's active chunks from the statistics."""
    params = {"sign": sign, "doc": document_id, "kb": knowledge_base_id}
    with connection.cursor() as cursor:
        cursor.execute(_TERM_DELTA_SQL.format(where=_BY_DOCUMENT), params)
        cursor.execute(_BASE_DELTA_SQL.format(where=_BY_DOCUMENT), params)
        if sign < 0:
            cursor.execute(_PRUNE_SQL, params)


def activate_generation(*, document: Document, generation: int) -> None:
    """Make ``generation`` the chunks that serve searches for ``document`` (if it is enabled),
    delete older generations' chunks, and move the statistics along."""
    with transaction.atomic():
        # Lock the document row: activation and enable/disable of one document take turns.
        enabled = Document.objects.select_for_update().values_list("enabled", flat=True).get(pk=document.pk)
        _apply_delta(document_id=document.pk, knowledge_base_id=document.knowledge_base_id, sign=-1)
        Chunk.objects.filter(document_id=document.pk, generation__lt=generation).delete()
        Chunk.objects.filter(document_id=document.pk).exclude(generation=generation).update(active=False)
        Chunk.objects.filter(document_id=document.pk, generation=generation).update(active=enabled)
        _apply_delta(document_id=document.pk, knowledge_base_id=document.knowledge_base_id, sign=1)


def set_document_enabled(*, document: Document, enabled: bool) -> None:
    """Turn the document's active generation on or off for searches."""
    with transaction.atomic():
        Document.objects.select_for_update().filter(pk=document.pk).values_list("pk").get()
        if not enabled:
            _apply_delta(document_id=document.pk, knowledge_base_id=document.knowledge_base_id, sign=-1)
            Chunk.objects.filter(document_id=document.pk, active=True).update(active=False)
            return
        generation = Document.objects.values_list("active_generation", flat=True).get(pk=document.pk)
        _apply_delta(document_id=document.pk, knowledge_base_id=document.knowledge_base_id, sign=-1)
        Chunk.objects.filter(document_id=document.pk).update(active=False)
        Chunk.objects.filter(document_id=document.pk, generation=generation).update(active=True)
        _apply_delta(document_id=document.pk, knowledge_base_id=document.knowledge_base_id, sign=1)


def remove_document(*, document: Document) -> None:
    """Take the document out of the statistics and out of searches; called before deleting it."""
    with transaction.atomic():
        _apply_delta(document_id=document.pk, knowledge_base_id=document.knowledge_base_id, sign=-1)
        Chunk.objects.filter(document_id=document.pk, active=True).update(active=False)


def rebuild_statistics(*, knowledge_base: KnowledgeBase) -> None:
    """Recompute a knowledge base's statistics from its active chunks (after a bulk load, or to
    repair them)."""
    params = {"sign": 1, "kb": knowledge_base.pk}
    with transaction.atomic(), connection.cursor() as cursor:
        KnowledgeBase.objects.select_for_update().filter(pk=knowledge_base.pk).values_list("pk").get()
        KeywordTermStat.objects.filter(knowledge_base_id=knowledge_base.pk).delete()
        KeywordBaseStat.objects.filter(knowledge_base_id=knowledge_base.pk).delete()
        cursor.execute(_TERM_DELTA_SQL.format(where=_BY_KNOWLEDGE_BASE), params)
        cursor.execute(_BASE_DELTA_SQL.format(where=_BY_KNOWLEDGE_BASE), params)
