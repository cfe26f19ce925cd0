"""`make run` says on its console when the knowledge bases are still being indexed, and when they
are done, instead of printing the URL while search finds nothing for minutes."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from knowledge import services
from knowledge.models import Document, DocumentStatus, KnowledgeBase
from tests.factories import World
from tests.knowledge.pipeline_helpers import upload


@pytest.fixture
def three_documents(world: World) -> list[Document]:
    knowledge_base: KnowledgeBase = services.knowledge_base_create(
        actor=world.user("builder"), department=world.department, name="Văn bản mẫu"
    )
    documents = []
    for index in range(3):
        result = upload(knowledge_base, f"van_ban_{index}.txt", f"Điều {index + 1}. Nội dung.".encode())
        assert result.document is not None, result.reason
        documents.append(result.document)
    return documents


def _progress(*args: str) -> list[str]:
    out = io.StringIO()
    call_command("knowledge_progress", *args, stdout=out)
    return out.getvalue().splitlines()


def test_waiting_documents_are_counted_and_the_line_says_search_finds_them_later(
    three_documents: list[Document],
) -> None:
    first, second, _ = three_documents
    Document.objects.filter(pk=first.pk).update(status=DocumentStatus.READY)
    Document.objects.filter(pk=second.pk).update(status=DocumentStatus.EMBEDDING)
    (line,) = _progress()
    assert "1 of 3 documents ready" in line and "find the others once they are" in line


def test_follow_prints_each_change_and_ends_when_nothing_waits(
    three_documents: list[Document], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Each pause of the command, the worker finishes one more document; the third one fails.
    outcomes = iter([DocumentStatus.READY, DocumentStatus.READY, DocumentStatus.FAILED])
    pending = iter(three_documents)

    def a_document_finishes(seconds: float) -> None:
        Document.objects.filter(pk=next(pending).pk).update(status=next(outcomes))

    monkeypatch.setattr("knowledge.management.commands.knowledge_progress.time.sleep", a_document_finishes)
    lines = _progress("--follow", "--interval", "0")
    assert lines[0].startswith("Bureau: indexing the knowledge bases: 0 of 3 documents ready")
    assert "1 of 3" in lines[1] and "2 of 3" in lines[2]
    assert lines[-1] == (
        "Bureau: the knowledge bases are indexed: 2 documents ready, 1 failed (the Knowledge page says why)."
    )
    assert len(lines) == 4


def test_with_nothing_waiting_it_says_so_once_and_returns(three_documents: list[Document]) -> None:
    Document.objects.filter(pk__in=[d.pk for d in three_documents]).update(status=DocumentStatus.READY)
    assert _progress("--follow") == ["Bureau: the knowledge bases are indexed: 3 documents ready."]
