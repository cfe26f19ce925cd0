"""Which chunks serve searches, and the keyword statistics that follow them.

The indexing pipeline calls these hooks inside its finalize transaction. Each keeps
``Chunk.active`` and the per-knowledge-base term statistics (``KeywordTermStat``,
``KeywordBaseStat``: document frequency of every lexeme, chunk count, total length) in step:
the statistics always describe exactly the chunks with ``active = true``, which is what BM25 in
knowledge.search.retrieval needs for its IDF and length normalization.

Statistics are changed by deltas computed in SQL from the chunks' tsvectors. Upserts lock term
rows in lexeme order, so two documents finalized at once in one knowledge base wait for each
other instead of deadlocking.
"""

from __future__ import annotations

import logging

from django.core.cache import cache
from django.db import DatabaseError, connection, transaction
from redis.exceptions import RedisError

from knowledge.models import Chunk, Document, KeywordBaseStat, KeywordTermStat, KnowledgeBase

logger = logging.getLogger(__name__)

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


# When PostgreSQL's estimate of a knowledge base's active chunks is under the count by more than
# this factor, its statistics of the chunk table are renewed (refresh_planner_statistics).
PLANNER_UNDERESTIMATE_FACTOR = 2
# Smaller knowledge bases are cheap to search whatever the plan, and often too small to show in
# the table's statistics at all: not worth an ANALYZE.
PLANNER_MIN_CHUNKS = 100
# At most one ANALYZE of the chunk table in this many seconds, across all workers.
PLANNER_REFRESH_INTERVAL = 60
PLANNER_REFRESH_KEY = "knowledge:chunk-analyze"


def planner_estimate(*, knowledge_base_id: int) -> int:
    """How many active chunks PostgreSQL expects the knowledge base to have, as retrieval filters."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"EXPLAIN (FORMAT JSON) SELECT id FROM {_CHUNK} WHERE active AND knowledge_base_id = ANY(%s)",  # noqa: S608
            [[knowledge_base_id]],
        )
        (plan,) = cursor.fetchone()  # psycopg reads the json column as a list
    return int(plan[0]["Plan"]["Plan Rows"])


def refresh_planner_statistics(*, knowledge_base_id: int) -> bool:
    """Renew PostgreSQL's statistics of the chunk table when they describe the knowledge base as
    much smaller than it is; returns whether it did. Called once a document's chunks are live.

    Until autovacuum gets to the table (a minute or more after a large change), its statistics
    know nothing of a new knowledge base, and the planner takes it for a row or two
    (docs/performance.md). Every
    search plan follows from that estimate: whether the vector leg reads the knowledge base's own
    embeddings or walks the HNSW graph, and how the keyword leg gathers its candidates."""
    actual = (
        KeywordBaseStat.objects.filter(knowledge_base_id=knowledge_base_id)
        .values_list("chunk_count", flat=True)
        .first()
    ) or 0
    if actual < PLANNER_MIN_CHUNKS:
        return False
    # Only an optimization: whatever goes wrong here, the document stays indexed.
    try:
        if planner_estimate(knowledge_base_id=knowledge_base_id) * PLANNER_UNDERESTIMATE_FACTOR >= actual:
            return False
        if not cache.add(PLANNER_REFRESH_KEY, True, PLANNER_REFRESH_INTERVAL):
            return False  # another worker renewed them a moment ago, or is doing so
        with transaction.atomic(), connection.cursor() as cursor:
            # ANALYZE waits behind autovacuum's work on the table: better to leave it to that. The
            # timeout is put back after, for a caller whose transaction goes on (the inline
            # indexing of tests, demo data and evaluations); a failure undoes it with the savepoint.
            cursor.execute("SELECT current_setting('lock_timeout')")
            (previous_timeout,) = cursor.fetchone()
            cursor.execute("SELECT set_config('lock_timeout', '2s', true)")
            cursor.execute(f"ANALYZE {_CHUNK}")
            cursor.execute("SELECT set_config('lock_timeout', %s, true)", [previous_timeout])
    except (DatabaseError, RedisError) as error:
        logger.warning("chunk table statistics not renewed: %s", error)
        return False
    return True
