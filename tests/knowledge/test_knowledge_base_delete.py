"""Deleting a whole knowledge base is one set of statements, whatever its number of documents: done
document by document, the keyword statistics of 2,249 documents took over ten minutes to take apart
(every document rewrote the rows of the common words again, in one transaction)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bureau.audit.models import AuditEvent
from knowledge import services
from knowledge.models import Chunk, Document, IndexingRun, KeywordBaseStat, KeywordTermStat, KnowledgeBase
from knowledge.search import active_chunks
from tests.factories import World
from tests.knowledge.pipeline_helpers import DATA, upload_and_index, use_hash_embedder

LAWS = sorted((DATA / "laws_txt").glob("Luat-*.txt"))

pytestmark = pytest.mark.skipif(len(LAWS) < 8, reason="shared documents missing")


def _statistics(knowledge_base_id: int) -> tuple[tuple[int, int] | None, dict[str, tuple[int, int]]]:
    base = KeywordBaseStat.objects.filter(knowledge_base_id=knowledge_base_id).first()
    terms = KeywordTermStat.objects.filter(knowledge_base_id=knowledge_base_id)
    return (
        (base.chunk_count, base.total_tokens) if base else None,
        {t.lexeme: (t.df_exact, t.df_folded) for t in terms},
    )


def _knowledge_base(world: World, name: str, laws: list[Any]) -> KnowledgeBase:
    knowledge_base = services.knowledge_base_create(
        actor=world.user("builder"), department=world.department, name=name
    )
    for path in laws:
        upload_and_index(knowledge_base, path.name, path.read_bytes()[:6000])
    return knowledge_base


def _delete_queries(world: World, knowledge_base: KnowledgeBase) -> int:
    with CaptureQueriesContext(connection) as queries:
        services.knowledge_base_delete(actor=world.user("builder"), knowledge_base=knowledge_base)
    return len(queries)


def test_deleting_a_knowledge_base_leaves_the_other_statistics_as_their_chunks_say(
    world: World, monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any
) -> None:
    use_hash_embedder(monkeypatch)
    # Both hold the same laws, so every lexeme of the one deleted is also counted in the other.
    doomed = _knowledge_base(world, "Bị xóa", LAWS[:3])
    kept = _knowledge_base(world, "Giữ lại", LAWS[:2])
    before = _statistics(kept.pk)
    files = [str(d.file.name) for d in Document.objects.filter(knowledge_base=doomed)]
    storage = Document.objects.filter(knowledge_base=doomed)[0].file.storage
    assert before[1] and all(storage.exists(name) for name in files)
    doomed_id = doomed.pk

    with django_capture_on_commit_callbacks(execute=True):
        services.knowledge_base_delete(actor=world.user("builder"), knowledge_base=doomed)

    assert _statistics(doomed_id) == (None, {})
    assert not Chunk.objects.filter(knowledge_base_id=doomed_id).exists()
    assert not IndexingRun.objects.filter(document__knowledge_base_id=doomed_id).exists()
    assert not any(storage.exists(name) for name in files)
    assert _statistics(kept.pk) == before
    active_chunks.rebuild_statistics(knowledge_base=kept)  # recomputed from the remaining chunks
    assert _statistics(kept.pk) == before
    event = AuditEvent.objects.get(action="knowledge_base.delete", target_id=str(doomed_id))
    assert event.before is not None and event.before["documents"] == 3


def test_deleting_a_knowledge_base_costs_the_same_statements_for_two_documents_or_six(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_hash_embedder(monkeypatch)
    small = _knowledge_base(world, "Nhỏ", LAWS[:2])
    large = _knowledge_base(world, "Lớn", LAWS[2:8])
    assert _delete_queries(world, large) == _delete_queries(world, small)
