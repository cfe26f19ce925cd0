"""Retrieval against the real database, on real decrees indexed through the real pipeline, with a
fake embedder (a hashed bag of folded syllables) standing in for the slow local model."""

from __future__ import annotations

import hashlib
import math
from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.db import connection

from bureau.tenancy.models import Department
from knowledge import services
from knowledge.ingestion import pipeline
from knowledge.models import Chunk, Document, DocumentStatus, KeywordBaseStat, KeywordTermStat, KnowledgeBase
from knowledge.search import active_chunks, text_normalization
from knowledge.search.retrieval import retrieve
from tests.factories import World

DATA = Path(__file__).resolve().parents[3] / "shared" / "data" / "documents"
ND30 = DATA / "nd30_2020" / "30_2020_ND_CP.docx"
ND135 = DATA / "labor_decrees" / "nghi_dinh_135_2020_nd_cp.txt"
ND145 = DATA / "labor_decrees" / "nghi_dinh_145_2020_nd_cp.txt"  # 285 chunks, the chat benchmark's

pytestmark = pytest.mark.skipif(
    not (ND30.exists() and ND135.exists() and ND145.exists()), reason="shared documents missing"
)


class HashingEmbedder:
    """Deterministic 384-dimension vectors: each folded syllable adds to one hashed dimension."""

    model_name = "test-hashing"
    dimension = 384

    def _vector(self, text: str) -> list[float]:
        vector = [0.0] * self.dimension
        for word in text_normalization.fold(text).split():
            vector[int(hashlib.md5(word.encode()).hexdigest(), 16) % self.dimension] += 1.0  # noqa: S324
        norm = math.sqrt(sum(x * x for x in vector)) or 1.0
        return [x / norm for x in vector]

    def embed_passages(self, texts: list[str]) -> list[list[float]]:
        return [self._vector(t) for t in texts]

    def embed_queries(self, texts: list[str]) -> list[list[float]]:
        return [self._vector(t) for t in texts]


@pytest.fixture(autouse=True)
def fake_embedder(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("knowledge.search.embedding.embedder_for", lambda knowledge_base: HashingEmbedder())


def make_kb(world: World, name: str = "Văn bản", department: Department | None = None) -> KnowledgeBase:
    return services.knowledge_base_create(
        actor=world.user("builder"), department=department or world.department, name=name
    )


def index_file(world: World, knowledge_base: KnowledgeBase, path: Path, name: str | None = None) -> Document:
    upload = ContentFile(path.read_bytes(), name=name or path.name)
    (result,) = services.document_upload(
        actor=world.user("builder"), knowledge_base=knowledge_base, files=[upload], dispatch=False
    )
    assert result.document is not None, result.reason
    document = pipeline.index_document_inline(result.document)
    assert document.status == DocumentStatus.READY, document.failure_reason
    return document


@pytest.fixture
def decrees(world: World) -> tuple[KnowledgeBase, Document, Document]:
    knowledge_base = make_kb(world)
    return knowledge_base, index_file(world, knowledge_base, ND30), index_file(world, knowledge_base, ND135)


def test_query_without_diacritics_finds_the_passage(
    decrees: tuple[KnowledgeBase, Document, Document],
) -> None:
    knowledge_base, nd30, _ = decrees
    for mode in ("keyword", "hybrid"):
        hits = retrieve(
            knowledge_bases=[knowledge_base], query="gia tri phap ly cua van ban dien tu", mode=mode
        )
        assert hits, mode
        assert hits[0].document_id == nd30.pk
        assert hits[0].section_title.startswith("Điều 5."), (mode, hits[0].section_title)


def test_document_number_and_article_find_the_article(
    decrees: tuple[KnowledgeBase, Document, Document],
) -> None:
    knowledge_base, nd30, nd135 = decrees
    hits = retrieve(knowledge_bases=[knowledge_base], query="Điều 8 Nghị định 30/2020/NĐ-CP quy định gì?")
    assert hits[0].document_id == nd30.pk
    assert hits[0].section_title.startswith("Điều 8.")
    assert hits[0].legal_match == 2  # the article and the document number
    hits = retrieve(knowledge_bases=[knowledge_base], query="dieu 8 nghi dinh 135/2020/ND-CP", mode="keyword")
    assert hits[0].document_id == nd135.pk
    assert hits[0].section_title.startswith("Điều 8")


def test_article_alone_ranks_articles_of_that_number_first(
    decrees: tuple[KnowledgeBase, Document, Document],
) -> None:
    knowledge_base, _, _ = decrees
    hits = retrieve(knowledge_bases=[knowledge_base], query="Điều 8", top_k=4)
    assert {h.legal_match for h in hits[:2]} == {1}
    assert all(h.section_title.startswith("Điều 8") for h in hits[:2])


def test_every_score_is_present(decrees: tuple[KnowledgeBase, Document, Document]) -> None:
    knowledge_base, _, _ = decrees
    hits = retrieve(knowledge_bases=[knowledge_base], query="thẩm quyền ký ban hành văn bản", top_k=5)
    assert len(hits) == 5
    assert [h.rank for h in hits] == [1, 2, 3, 4, 5]
    assert hits == sorted(hits, key=lambda h: -h.score)
    top = hits[0]
    assert top.score > 0 and top.document_title and top.text and top.heading_path
    assert top.vector_similarity is not None and -1 <= top.vector_similarity <= 1 and top.vector_rank
    assert top.keyword_score is not None and top.keyword_score > 0 and top.keyword_rank
    assert top.legal_match == 0 and top.legal_rank is None
    vector_only = retrieve(knowledge_bases=[knowledge_base], query="thẩm quyền ký", mode="vector")
    assert all(h.keyword_score is None and h.vector_similarity is not None for h in vector_only)


def test_results_stay_in_the_knowledge_bases_passed(world: World) -> None:
    mine = make_kb(world, "Của tôi")
    theirs = make_kb(world, "Của họ", department=world.other_department)
    index_file(world, mine, ND135)
    index_file(world, theirs, ND30)
    for query in ("Điều 8 Nghị định 30/2020/NĐ-CP", "cong tac van thu", "trợ cấp thôi việc"):
        for mode in ("hybrid", "keyword", "vector"):
            hits = retrieve(knowledge_bases=[mine], query=query, mode=mode, top_k=20)
            assert hits and {h.knowledge_base_id for h in hits} == {mine.pk}
    both = retrieve(knowledge_bases=[mine, theirs], query="Điều 8 Nghị định 30/2020/NĐ-CP", top_k=20)
    assert {h.knowledge_base_id for h in both} == {mine.pk, theirs.pk}
    assert both[0].knowledge_base_id == theirs.pk


def test_disabled_documents_and_old_generations_are_never_returned(world: World) -> None:
    knowledge_base = make_kb(world)
    nd30 = index_file(world, knowledge_base, ND30)
    nd135 = index_file(world, knowledge_base, ND135)
    query = "công tác văn thư, trợ cấp thôi việc"

    def documents() -> set[int]:
        return {h.document_id for h in retrieve(knowledge_bases=[knowledge_base], query=query, top_k=50)}

    assert documents() == {nd30.pk, nd135.pk}
    services.document_update(actor=world.user("builder"), document=nd30, enabled=False)
    assert documents() == {nd135.pk}
    services.document_update(actor=world.user("builder"), document=nd30, enabled=True)
    assert documents() == {nd30.pk, nd135.pk}

    old_ids = set(Chunk.objects.filter(document=nd135).values_list("id", flat=True))
    services.document_reindex(actor=world.user("builder"), document=nd135)
    nd135 = pipeline.index_document_inline(nd135)
    assert nd135.status == DocumentStatus.READY and nd135.active_generation == 2
    hits = retrieve(knowledge_bases=[knowledge_base], query=query, top_k=50)
    assert {h.document_id for h in hits} == {nd30.pk, nd135.pk}
    assert not old_ids & {h.chunk_id for h in hits}
    # A chunk that does not serve searches is skipped even when it matches best.
    Chunk.objects.filter(pk=hits[0].chunk_id).update(active=False)
    assert hits[0].chunk_id not in {
        h.chunk_id for h in retrieve(knowledge_bases=[knowledge_base], query=query)
    }


def test_statistics_follow_the_active_chunks(world: World) -> None:
    knowledge_base = make_kb(world)
    nd30 = index_file(world, knowledge_base, ND30)
    index_file(world, knowledge_base, ND135)
    services.document_update(actor=world.user("builder"), document=nd30, enabled=False)

    def snapshot() -> tuple[tuple[int, int], dict[str, tuple[int, int]]]:
        base = KeywordBaseStat.objects.get(knowledge_base=knowledge_base)
        terms = KeywordTermStat.objects.filter(knowledge_base=knowledge_base)
        return (base.chunk_count, base.total_tokens), {t.lexeme: (t.df_exact, t.df_folded) for t in terms}

    incremental = snapshot()
    assert incremental[0][0] == Chunk.objects.filter(knowledge_base=knowledge_base, active=True).count()
    active_chunks.rebuild_statistics(knowledge_base=knowledge_base)
    assert snapshot() == incremental
    assert "văn_thư" not in incremental[1]  # only in the disabled decree
    services.document_delete(actor=world.user("builder"), document=Document.objects.get(pk=nd30.pk))
    assert snapshot() == incremental


@pytest.mark.django_db
def test_term_statistics_have_no_index_the_planner_could_prefer_to_the_unique_one() -> None:
    # Every search looks up its dozen terms by (knowledge base, lexeme). An index on the knowledge
    # base alone, chosen while a new base's statistics were not yet sampled, read all of the
    # base's terms instead (20,000 rows for one decree, 3.5 ms of each search).
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = %s ORDER BY indexname",
            [KeywordTermStat._meta.db_table],
        )
        names = [name for (name,) in cursor.fetchall()]
    assert names == ["keyword_term_stat_unique", f"{KeywordTermStat._meta.db_table}_pkey"]


def test_knowledge_bases_must_share_an_embedding_profile(world: World) -> None:
    local = make_kb(world)
    other = KnowledgeBase.objects.create(
        organization=world.organization,
        department=world.department,
        name="OpenAI",
        embedding_provider="openai",
        embedding_model="text-embedding-3-small",
        embedding_dimension=1536,
    )
    with pytest.raises(ValueError, match="embedding profile"):
        retrieve(knowledge_bases=[local, other], query="văn thư")
    assert retrieve(knowledge_bases=[], query="văn thư") == []


def test_embeddings_are_stored_in_the_chunks_rows(decrees: tuple[KnowledgeBase, Document, Document]) -> None:
    # The vector leg reads every embedding of a small knowledge base: out of line, each cost a
    # TOAST lookup (knowledge/migrations/0006_chunk_embedding_inline.py).
    knowledge_base, _, _ = decrees
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*), count(*) FILTER (WHERE pg_column_toast_chunk_id(embedding) IS NOT NULL)"
            " FROM knowledge_chunk WHERE knowledge_base_id = %s AND embedding IS NOT NULL",
            [knowledge_base.pk],
        )
        chunks, out_of_line = cursor.fetchone()
        cursor.execute(
            "SELECT count(*) FROM knowledge_chunk"
            " WHERE knowledge_base_id = %s AND pg_column_toast_chunk_id(search_folded) IS NOT NULL",
            [knowledge_base.pk],
        )
        (tsvectors_out_of_line,) = cursor.fetchone()
    assert chunks > 50
    assert out_of_line == 0
    # The rows are big enough for PostgreSQL to move values out: the tsvectors went.
    assert tsvectors_out_of_line > 0


def _statistics_of_another_knowledge_base_only(world: World) -> None:
    """The chunk table's statistics, taken when it held another knowledge base only."""
    other = make_kb(world, name="Khác")
    index_file(world, other, ND30)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE knowledge_chunk")


def test_the_planner_learns_of_a_new_knowledge_base_when_it_is_indexed(world: World) -> None:
    _statistics_of_another_knowledge_base_only(world)
    cache.delete(active_chunks.PLANNER_REFRESH_KEY)

    knowledge_base = make_kb(world)
    index_file(world, knowledge_base, ND145)

    chunks = Chunk.objects.filter(knowledge_base=knowledge_base, active=True).count()
    assert chunks >= active_chunks.PLANNER_MIN_CHUNKS
    estimate = active_chunks.planner_estimate(knowledge_base_id=knowledge_base.pk)
    # Without the refresh, the planner takes the knowledge base for a few rows (the next test).
    assert chunks / active_chunks.PLANNER_UNDERESTIMATE_FACTOR <= estimate <= chunks * 2
    # Right now the estimate is good, and another refresh would wait for the interval anyway.
    assert active_chunks.refresh_planner_statistics(knowledge_base_id=knowledge_base.pk) is False


def _unknown_to_the_statistics(world: World) -> KnowledgeBase:
    """The benchmark's decree indexed into a new knowledge base after the chunk table's statistics
    were taken, and left out of them, as autovacuum leaves one for a minute or more."""
    _statistics_of_another_knowledge_base_only(world)
    cache.set(active_chunks.PLANNER_REFRESH_KEY, True, 60)  # as if another worker renewed them just now
    knowledge_base = make_kb(world)
    index_file(world, knowledge_base, ND145)
    cache.delete(active_chunks.PLANNER_REFRESH_KEY)
    return knowledge_base


def test_statistics_are_renewed_at_most_once_an_interval(world: World) -> None:
    knowledge_base = _unknown_to_the_statistics(world)
    chunks = Chunk.objects.filter(knowledge_base=knowledge_base, active=True).count()
    # The planner takes the knowledge base for a few rows.
    assert active_chunks.planner_estimate(knowledge_base_id=knowledge_base.pk) * 2 < chunks

    cache.set(active_chunks.PLANNER_REFRESH_KEY, True, 60)  # within the interval
    assert active_chunks.refresh_planner_statistics(knowledge_base_id=knowledge_base.pk) is False
    cache.delete(active_chunks.PLANNER_REFRESH_KEY)  # the interval is over
    assert active_chunks.refresh_planner_statistics(knowledge_base_id=knowledge_base.pk) is True
    assert active_chunks.planner_estimate(knowledge_base_id=knowledge_base.pk) * 2 >= chunks
    assert cache.get(active_chunks.PLANNER_REFRESH_KEY)


def test_small_knowledge_bases_never_cost_an_analyze(world: World) -> None:
    knowledge_base = make_kb(world)
    document = index_file(world, knowledge_base, ND145)
    Chunk.objects.filter(document=document).exclude(
        pk__in=Chunk.objects.filter(document=document).values("pk")[: active_chunks.PLANNER_MIN_CHUNKS - 1]
    ).update(active=False)
    active_chunks.rebuild_statistics(knowledge_base=knowledge_base)
    cache.delete(active_chunks.PLANNER_REFRESH_KEY)
    assert active_chunks.refresh_planner_statistics(knowledge_base_id=knowledge_base.pk) is False
    assert cache.get(active_chunks.PLANNER_REFRESH_KEY) is None


def test_renewing_the_statistics_leaves_the_lock_timeout_as_it_was(world: World) -> None:
    knowledge_base = _unknown_to_the_statistics(world)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL lock_timeout = '7s'")  # the caller's, in its transaction
    assert active_chunks.refresh_planner_statistics(knowledge_base_id=knowledge_base.pk) is True
    with connection.cursor() as cursor:
        cursor.execute("SHOW lock_timeout")
        assert cursor.fetchone()[0] == "7s"


def _plan_of_keyword_search(knowledge_base: KnowledgeBase, monkeypatch: pytest.MonkeyPatch) -> str:
    from knowledge.search import retrieval

    original = retrieval._execute
    plans: list[str] = []

    def explain(sql: str, params: dict[str, object], *, ef_search: int) -> list[tuple[object, ...]]:
        rows = original("EXPLAIN " + sql, params, ef_search=ef_search)
        plans.append("\n".join(str(row[0]) for row in rows))
        return []

    monkeypatch.setattr(retrieval, "_execute", explain)
    retrieve(knowledge_bases=[knowledge_base], query="thời giờ làm việc bình thường", mode="keyword")
    monkeypatch.setattr(retrieval, "_execute", original)
    return plans[0]


def test_keyword_candidates_are_tested_on_the_lexemes_kept_in_the_row(
    decrees: tuple[KnowledgeBase, Document, Document], monkeypatch: pytest.MonkeyPatch
) -> None:
    # knowledge/migrations/0007_chunk_search_keys.py: the folded tsvector is out of line, and
    # testing it for every chunk of a knowledge base read it from TOAST each time.
    knowledge_base, _, _ = decrees
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*),"
            " count(*) FILTER (WHERE pg_column_toast_chunk_id(search_keys) IS NOT NULL),"
            " count(*) FILTER (WHERE search_keys IS DISTINCT FROM strip(search_folded))"
            " FROM knowledge_chunk WHERE knowledge_base_id = %s",
            [knowledge_base.pk],
        )
        chunks, out_of_line, different = cursor.fetchone()
    assert chunks > 50
    assert out_of_line == 0
    assert different == 0
    # Through the GIN index, or (bitmap scans off) by walking the knowledge base's chunks: either
    # way the candidates are tested on search_keys, never on the folded tsvector.
    for bitmap_scans in ("on", "off"):
        with connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL enable_bitmapscan = {bitmap_scans}")
        plan = _plan_of_keyword_search(knowledge_base, monkeypatch)
        assert "search_keys @@" in plan, bitmap_scans
        assert "search_folded @@" not in plan, bitmap_scans
