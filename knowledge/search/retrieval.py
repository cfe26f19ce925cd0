"""Retrieval: the one function behind chat, the hit-test screen and the evaluation command.

Hybrid search in one SQL statement, three legs fused by weighted reciprocal rank:

* vector — pgvector HNSW over ``embedding::vector(N)`` (the partial index of that dimension),
  cosine distance, iterative scan so that a filter to a few knowledge bases still fills the list;
* keyword — BM25 over the chunks' tsvectors. PostgreSQL's ``ts_rank`` has no IDF, so the score is
  computed here: document frequencies, chunk counts and lengths come from the statistics that
  knowledge.search.active_chunks maintains (``KeywordTermStat``, ``KeywordBaseStat``), term frequencies
  from the positions stored in the tsvector. Candidates are the chunks that contain one of the
  query's *selective* terms (rarest first, up to a document-frequency budget), tested on the
  lexemes kept in each chunk's row (``search_keys``, with its GIN index), so that neither plan
  the planner may choose reads a tsvector out of line for a chunk that is not a candidate; a
  chunk holding only very common terms could not rank high anyway. The folded
  vector always counts (queries typed without diacritics); when the query has diacritics the
  exact vector counts too, and more;
* legal references — chunks whose ``legal_refs`` (their article, their document's number)
  overlap those of the query, ranked by the size of the overlap; a query naming an article and a
  document keeps only the chunks that are both, when there are any.

The caller passes knowledge bases it got from an access-checked selector; this module filters
strictly to those ids and to chunks with ``active = true``.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import psycopg
from django.db import connection, transaction

from knowledge.models import Chunk, Document, KeywordBaseStat, KeywordTermStat, KnowledgeBase
from knowledge.search import diacritics, embedding, text_normalization
from knowledge.search import legal_refs as legal

MODES = ("hybrid", "vector", "keyword")

# BM25 (Robertson/Spärck Jones, the Lucene variant of IDF).
BM25_K1 = 1.2
BM25_B = 0.75
# Weight of the folded vector's BM25 when the query has diacritics (the exact one counts 1).
FOLDED_WEIGHT_WITH_DIACRITICS = 0.5
# Candidates of the keyword leg: the chunks holding the rarest query terms whose summed document
# frequency stays under this budget (always at least the rarest term), at most KEYWORD_SCAN_CAP.
# Chosen with eval_retrieval: the smallest budget that kept recall and MRR on the eval sets while
# making the search faster (docs/performance.md).
KEYWORD_DF_BUDGET = 150
KEYWORD_SCAN_CAP = 500
# Reciprocal rank fusion: score = Σ weight / (RRF_K + rank). The legal leg's weight is scaled by
# (matched / best matched)², so the article of the very document cited outranks same-numbered
# articles of other documents (plain RRF would keep only their order, not how much better the
# first is), while a query whose pair exists nowhere ("Điều 45" of a decree with 40 articles)
# gives its halves the full weight, as if it had named only them: a document that merely cites
# the number must not outrank the document itself on the approximate vector leg's luck.
RRF_K = 60
WEIGHT_VECTOR = 1.0
WEIGHT_KEYWORD = 2.0  # measured on the eval sets: BM25 is the stronger leg for Vietnamese
WEIGHT_LEGAL = 3.0
# HNSW breadth: at least this many, and never fewer than the candidates asked for.
EF_SEARCH_MIN = 200


@dataclass(slots=True)
class RetrievedChunk:
    chunk_id: int
    document_id: int
    document_title: str
    knowledge_base_id: int
    text: str
    heading_path: list[str]
    section_key: str
    section_title: str
    page_start: int | None
    page_end: int | None
    score: float  # fused (weighted reciprocal rank)
    vector_similarity: float | None  # cosine similarity, None when not in the vector leg's list
    vector_rank: int | None
    keyword_score: float | None  # BM25
    keyword_rank: int | None
    legal_match: int  # how many of the query's legal references the chunk carries
    legal_rank: int | None
    document_number: str = ""
    rank: int = 0  # 1-based position in the result
    extra: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


_C = Chunk._meta.db_table
_D = Document._meta.db_table
_TERM = KeywordTermStat._meta.db_table
_BASE = KeywordBaseStat._meta.db_table

# Statistics and IDF of the query terms, summed over the knowledge bases searched.
_SQL_STATS = f"""
base AS (
    SELECT coalesce(sum(chunk_count), 0)::float8 AS n,
           greatest(coalesce(sum(total_tokens), 0)::float8 / greatest(sum(chunk_count), 1), 1) AS avgdl
    FROM {_BASE} WHERE knowledge_base_id = ANY(%(kbs)s)
),
sf AS (
    SELECT lexeme, sum(df_folded)::float8 AS df FROM {_TERM}
    WHERE knowledge_base_id = ANY(%(kbs)s) AND lexeme = ANY(%(fterms)s::text[]) GROUP BY lexeme
),
se AS (
    SELECT lexeme, sum(df_exact)::float8 AS df FROM {_TERM}
    WHERE knowledge_base_id = ANY(%(kbs)s) AND lexeme = ANY(%(eterms)s::text[]) GROUP BY lexeme
),
qf AS (
    SELECT sf.lexeme AS term, sf.df, ln(1 + (base.n - sf.df + 0.5) / (sf.df + 0.5)) AS idf
    FROM sf, base WHERE sf.df > 0
),
qe AS (
    SELECT se.lexeme AS term, ln(1 + (base.n - se.df + 0.5) / (se.df + 0.5)) AS idf
    FROM se, base WHERE se.df > 0
),
tsq AS (
    SELECT string_agg(quote_literal(term), ' | ')::tsquery AS q FROM (
        SELECT term, df, sum(df) OVER (ORDER BY df, term) AS running,
               row_number() OVER (ORDER BY df, term) AS n FROM qf
    ) s WHERE running <= %(df_budget)s OR n = 1
),"""  # noqa: S608 - table names come from the models; every value is a parameter

_SQL_KEYWORD = f"""
kcand AS (
    SELECT c.id, c.token_count, c.search_folded, c.search_exact FROM {_C} c
    WHERE c.search_keys @@ (SELECT q FROM tsq) AND c.active AND c.knowledge_base_id = ANY(%(kbs)s)
    LIMIT %(scan_cap)s
),
kscore AS MATERIALIZED (
    SELECT k.id, (
        coalesce((SELECT sum(qf.idf * cardinality(u.positions) * ({BM25_K1} + 1)
                             / (cardinality(u.positions) + k.norm))
                  FROM unnest(ts_filter(setweight(k.search_folded, 'A', %(fterms)s::text[]), '{{a}}')) u
                  JOIN qf ON qf.term = u.lexeme), 0) * %(w_folded)s
      + coalesce((SELECT sum(qe.idf * cardinality(u.positions) * ({BM25_K1} + 1)
                             / (cardinality(u.positions) + k.norm))
                  FROM unnest(ts_filter(setweight(k.search_exact, 'A', %(eterms)s::text[]), '{{a}}')) u
                  JOIN qe ON qe.term = u.lexeme), 0)
    ) AS score
    FROM (SELECT kcand.*, {BM25_K1} * (1 - {BM25_B} + {BM25_B} * kcand.token_count / base.avgdl) AS norm
          FROM kcand, base) k
),
kw AS (
    SELECT id, score, row_number() OVER (ORDER BY score DESC, id) AS rank
    FROM kscore ORDER BY score DESC, id LIMIT %(candidates)s
),"""  # noqa: S608

_SQL_NO_KEYWORD = """
kw AS (SELECT NULL::bigint AS id, NULL::float8 AS score, NULL::bigint AS rank WHERE false),"""

_SQL_VECTOR = f"""
vraw AS (
    SELECT c.id, 1 - (c.embedding::vector({{dim}}) <=> %(qv)s::vector({{dim}})) AS sim FROM {_C} c
    WHERE c.embedding_dim = {{dim}} AND c.active AND c.knowledge_base_id = ANY(%(kbs)s)
    ORDER BY c.embedding::vector({{dim}}) <=> %(qv)s::vector({{dim}})
    LIMIT %(candidates)s
),
vec AS (
    -- relaxed_order may return rows slightly out of order: rank them again
    SELECT id, sim, row_number() OVER (ORDER BY sim DESC, id) AS rank FROM vraw
    WHERE %(min_sim)s::float8 IS NULL OR sim >= %(min_sim)s::float8
),"""  # noqa: S608

_SQL_NO_VECTOR = """
vec AS (SELECT NULL::bigint AS id, NULL::float8 AS sim, NULL::bigint AS rank WHERE false),"""

_SQL_LEGAL = f"""
lraw AS (
    SELECT c.id, (SELECT count(*) FROM unnest(c.legal_refs) r WHERE r = ANY(%(refs)s::varchar[])) AS overlap,
           (cardinality(%(doc_refs)s::varchar[]) = 0 OR c.legal_refs && %(doc_refs)s::varchar[])
           AND (cardinality(%(part_refs)s::varchar[]) = 0 OR c.legal_refs && %(part_refs)s::varchar[]) AS pair
    FROM {_C} c
    WHERE c.legal_refs && %(refs)s::varchar[] AND c.active AND c.knowledge_base_id = ANY(%(kbs)s)
    LIMIT %(scan_cap)s
),
lg AS (
    -- A query naming an article and a document asks for that article of that document: when
    -- some chunk is both, the chunks that are only one half (the same article of another decree,
    -- any article of the decree) leave the leg. Ties are broken by the other legs.
    SELECT l.id, l.overlap, max(l.overlap) OVER () AS best_overlap, row_number() OVER (
        ORDER BY l.overlap DESC, kw.score DESC NULLS LAST, vec.sim DESC NULLS LAST, l.id) AS rank
    FROM lraw l LEFT JOIN kw ON kw.id = l.id LEFT JOIN vec ON vec.id = l.id
    WHERE l.pair OR NOT EXISTS (SELECT 1 FROM lraw WHERE pair)
    ORDER BY rank LIMIT %(candidates)s
),"""  # noqa: S608

_SQL_NO_LEGAL = """
lg AS (SELECT NULL::bigint AS id, NULL::bigint AS overlap, NULL::bigint AS best_overlap, NULL::bigint AS rank
       WHERE false),"""

_SQL_FUSE = f"""
fused AS (
    SELECT id, sum(w / ({RRF_K} + rank)) AS score FROM (
        SELECT id, %(w_vector)s::float8 AS w, rank FROM vec
        UNION ALL SELECT id, %(w_keyword)s::float8, rank FROM kw
        UNION ALL SELECT id, %(w_legal)s::float8 * power(overlap::float8 / best_overlap, 2), rank FROM lg
    ) legs GROUP BY id ORDER BY score DESC, id LIMIT %(top_k)s
)
SELECT f.id, f.score, c.document_id, d.title, d.doc_number, c.knowledge_base_id, c.text, c.heading_path,
       c.section_key, c.section_title, c.page_start, c.page_end,
       vec.sim, vec.rank, kw.score, kw.rank, lg.overlap, lg.rank
FROM fused f
JOIN {_C} c ON c.id = f.id
JOIN {_D} d ON d.id = c.document_id
LEFT JOIN vec ON vec.id = f.id
LEFT JOIN kw ON kw.id = f.id
LEFT JOIN lg ON lg.id = f.id
ORDER BY f.score DESC, f.id
"""  # noqa: S608


def _profile(knowledge_base: KnowledgeBase) -> tuple[str, str, int, str, str]:
    return (
        knowledge_base.embedding_provider,
        knowledge_base.embedding_model,
        knowledge_base.embedding_dimension,
        knowledge_base.query_prefix,
        knowledge_base.passage_prefix,
    )


def query_refs(query: str) -> list[str]:
    """The query's legal references in folded form only: chunks carry both forms, so counting
    one form per reference makes the overlap the number of references matched."""
    return [r for r in legal.extract_legal_refs(query) if not text_normalization.has_diacritics(r)]


def text_to_embed(knowledge_bases: Sequence[KnowledgeBase], query: str) -> str:
    """What :func:`retrieve` embeds for the query (to warm the cache of query vectors in batches)."""
    return diacritics.restore([kb.pk for kb in knowledge_bases], query).text


def _vector_literal(vector: Sequence[float]) -> str:
    return "[" + ",".join(repr(float(x)) for x in vector) + "]"


def build_statement(*, mode: str, dim: int, with_legal: bool) -> str:
    """The SQL for one mode; the fragments are fixed text, ``dim`` an integer of the model."""
    parts = ["WITH", _SQL_STATS]
    parts.append(_SQL_KEYWORD if mode in ("hybrid", "keyword") else _SQL_NO_KEYWORD)
    parts.append(_SQL_VECTOR.format(dim=int(dim)) if mode in ("hybrid", "vector") else _SQL_NO_VECTOR)
    parts.append(_SQL_LEGAL if with_legal else _SQL_NO_LEGAL)
    parts.append(_SQL_FUSE)
    return "\n".join(parts)


def retrieve(
    *,
    knowledge_bases: Sequence[KnowledgeBase],
    query: str,
    top_k: int = 8,
    mode: str = "hybrid",
    min_similarity: float | None = None,
    candidates: int = 50,
    query_vector: Sequence[float] | None = None,
    timings: dict[str, float] | None = None,
) -> list[RetrievedChunk]:
    """The ``top_k`` chunks of ``knowledge_bases`` that best answer ``query``.

    ``mode``: "hybrid" (vector + keyword + legal references), "vector", or "keyword" (keyword +
    legal references). ``min_similarity`` drops vector-leg hits below that cosine similarity
    (keyword hits are kept in hybrid mode). ``candidates`` is the list length of each leg.
    ``query_vector`` skips embedding the query (benchmarks). ``timings``, if given, receives the
    seconds spent embedding and in the database.
    """
    if mode not in MODES:
        raise ValueError(f"unknown retrieval mode {mode!r} (expected one of {', '.join(MODES)})")
    if top_k < 1 or candidates < 1:
        raise ValueError("top_k and candidates must be positive")
    kbs = list(knowledge_bases)
    if not kbs or not query.strip():
        return []
    profiles = {_profile(kb) for kb in kbs}
    if len(profiles) > 1:
        raise ValueError("the knowledge bases searched together must share one embedding profile")
    dim = int(kbs[0].embedding_dimension)
    candidates = max(candidates, top_k)

    started = time.perf_counter()
    vector: str | None = None
    w_vector = WEIGHT_VECTOR
    if mode in ("hybrid", "vector"):
        # The embedding model cannot read unaccented Vietnamese: it gets the query with its
        # diacritics put back, and its leg counts only as much as that restoration is trusted.
        restoration = diacritics.restore([kb.pk for kb in kbs], query)
        w_vector *= restoration.confidence
        if query_vector is None:
            query_vector = embedding.embedder_for(kbs[0]).embed_queries([restoration.text])[0]
        if len(query_vector) != dim:
            raise ValueError(f"the query vector has {len(query_vector)} dimensions, not {dim}")
        vector = _vector_literal(query_vector)
    embedded = time.perf_counter()

    accented = text_normalization.has_diacritics(query)
    refs = query_refs(query) if mode != "vector" else []
    params: dict[str, Any] = {
        "kbs": [kb.pk for kb in kbs],
        "fterms": text_normalization.query_terms(query, folded=True) if mode != "vector" else [],
        "eterms": text_normalization.query_terms(query) if accented and mode != "vector" else [],
        "w_folded": FOLDED_WEIGHT_WITH_DIACRITICS if accented else 1.0,
        "df_budget": KEYWORD_DF_BUDGET,
        "scan_cap": KEYWORD_SCAN_CAP,
        "qv": vector,
        "min_sim": min_similarity,
        "refs": refs,
        "doc_refs": [r for r in refs if not r.startswith("dieu:")],
        "part_refs": [r for r in refs if r.startswith("dieu:")],
        "candidates": candidates,
        "top_k": top_k,
        "w_vector": w_vector,
        "w_keyword": WEIGHT_KEYWORD,
        "w_legal": WEIGHT_LEGAL,
    }
    sql = build_statement(mode=mode, dim=dim, with_legal=bool(refs))
    rows = _execute(sql, params, ef_search=max(EF_SEARCH_MIN, candidates))
    if timings is not None:
        timings["embed"] = embedded - started
        timings["database"] = time.perf_counter() - embedded
    return [_row_to_chunk(row, rank) for rank, row in enumerate(rows, start=1)]


def _execute(sql: str, params: dict[str, Any], *, ef_search: int) -> list[tuple[Any, ...]]:
    # SET LOCAL lasts until the end of the transaction. With client-side binding (Django's default
    # for psycopg 3) the settings and the query go as one simple-protocol message, which
    # PostgreSQL runs as one implicit transaction: still a single round trip.
    settings_sql = (
        f"SET LOCAL hnsw.ef_search = {int(ef_search)}; SET LOCAL hnsw.iterative_scan = relaxed_order;"
    )
    with connection.cursor() as cursor:
        raw = cursor.cursor
        if isinstance(raw, psycopg.ClientCursor):
            cursor.execute(settings_sql + sql, params)
            while raw.description is None and raw.nextset():
                pass
            return list(raw.fetchall())
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL hnsw.ef_search = {int(ef_search)}")
        cursor.execute("SET LOCAL hnsw.iterative_scan = relaxed_order")
        cursor.execute(sql, params)
        return list(cursor.fetchall())


def _row_to_chunk(row: tuple[Any, ...], rank: int) -> RetrievedChunk:
    (chunk_id, score, document_id, title, doc_number, kb_id, text, heading_path, section_key, section_title,
     page_start, page_end, sim, vrank, kscore, krank, overlap, lrank) = row  # fmt: skip
    return RetrievedChunk(
        chunk_id=chunk_id,
        document_id=document_id,
        document_title=title,
        knowledge_base_id=kb_id,
        text=text,
        heading_path=list(heading_path or []),
        section_key=section_key,
        section_title=section_title,
        page_start=page_start,
        page_end=page_end,
        score=float(score),
        vector_similarity=None if sim is None else float(sim),
        vector_rank=vrank,
        keyword_score=None if kscore is None else float(kscore),
        keyword_rank=krank,
        legal_match=int(overlap or 0),
        legal_rank=lrank,
        document_number=doc_number or "",
        rank=rank,
    )
