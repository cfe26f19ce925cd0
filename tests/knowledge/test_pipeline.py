"""The indexing pipeline end to end on real files: formats, failures with reasons, the state
machine (duplicates, cancel, retry, re-index generations, the watchdog), and deletion."""

from __future__ import annotations

import io
import shutil
from datetime import timedelta
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
import pytest
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from bureau.audit.models import AuditEvent
from bureau.tenancy.models import Department
from knowledge import services
from knowledge.ingestion import pipeline, transitions
from knowledge.ingestion.watchdog import run_watchdog
from knowledge.models import Chunk, Document, DocumentStatus, IndexingRun, KnowledgeBase, RunStatus
from tests.factories import World
from tests.knowledge import fixtures_bad
from tests.knowledge.pipeline_helpers import DATA, HashEmbedder, upload, upload_and_index, use_hash_embedder

pytestmark = pytest.mark.skipif(not DATA.exists(), reason="../shared/data is not beside the repository")


@pytest.fixture
def embedder(monkeypatch: pytest.MonkeyPatch) -> HashEmbedder:
    return use_hash_embedder(monkeypatch)


@pytest.fixture
def kb(world: World) -> KnowledgeBase:
    with transaction.atomic():
        return services.knowledge_base_create(
            actor=world.user("builder"), department=world.department, name="Văn bản pháp luật"
        )


def _xlsx_bytes() -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Đơn vị", "Số hồ sơ", "Đúng hạn"])
    sheet.append(["Sở Tư pháp", 120, 118])
    sheet.append(["Sở Nội vụ", 80, 79])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _pptx_bytes() -> bytes:
    from pptx import Presentation

    deck = Presentation()
    slide = deck.slides.add_slide(deck.slide_layouts[1])
    slide.shapes.title.text = "Cải cách hành chính"
    slide.placeholders[1].text = "Rút ngắn thời gian giải quyết thủ tục hành chính còn 5 ngày làm việc."
    buffer = io.BytesIO()
    deck.save(buffer)
    return buffer.getvalue()


REAL_FILES = [
    ("nd30_2020/30_2020_ND_CP.docx", "docx"),
    ("nd30_2020/30_2020_ND_CP.md", "markdown"),
    ("legal_samples/an_le_so_432021AL.pdf", "pdf"),
    ("labor_decrees/nghi_dinh_145_2020_nd_cp.txt", "text"),
]


@pytest.mark.parametrize(("relative", "kind"), REAL_FILES)
def test_real_documents_reach_ready_with_structure(
    relative: str, kind: str, kb: KnowledgeBase, embedder: HashEmbedder
) -> None:
    path = DATA / relative
    document = upload_and_index(kb, path.name, path.read_bytes())
    assert document.status == DocumentStatus.READY, document.failure_reason
    assert document.kind == kind
    chunks = Chunk.objects.filter(document=document, active=True)
    assert chunks.count() == document.chunks_total == document.chunks_done > 0
    assert not chunks.filter(embedding__isnull=True).exists()
    assert all(c.search_folded for c in chunks)
    run = document.runs.get()
    assert run.status == RunStatus.SUCCEEDED and set(run.timings) == {"parsing", "chunking", "embedding"}
    assert AuditEvent.objects.filter(action="document.indexed", target_id=str(document.pk)).exists()


def test_a_decree_keeps_its_articles_and_metadata(kb: KnowledgeBase, embedder: HashEmbedder) -> None:
    path = DATA / "nd30_2020" / "30_2020_ND_CP.docx"
    document = upload_and_index(kb, path.name, path.read_bytes())
    assert document.doc_number == "30/2020/NĐ-CP"
    assert document.doc_type == "Nghị định"
    article = Chunk.objects.filter(
        document=document, heading_path__contains=["Điều 8. Thể thức văn bản"]
    ).first()
    assert article is not None and "dieu:8" in article.legal_refs and "30/2020/ND-CP" in article.legal_refs


def test_pdf_chunks_carry_page_numbers(kb: KnowledgeBase, embedder: HashEmbedder) -> None:
    path = DATA / "legal_samples" / "an_le_so_432021AL.pdf"
    document = upload_and_index(kb, path.name, path.read_bytes())
    pages = sorted({c.page_start or 0 for c in Chunk.objects.filter(document=document)})
    assert pages[0] == 1 and pages[-1] == (document.page_count or 0) > 1


@pytest.mark.parametrize(
    ("name", "builder", "kind", "expected"),
    [
        ("bao_cao.xlsx", _xlsx_bytes, "xlsx", "Đơn vị: Sở Tư pháp"),
        (
            "bao_cao.csv",
            lambda: "Đơn vị;Số hồ sơ\nSở Tư pháp;120\nSở Nội vụ;80\n".encode(),
            "csv",
            "Số hồ sơ: 80",
        ),
        ("trinh_chieu.pptx", _pptx_bytes, "pptx", "5 ngày làm việc"),
        (
            "trang.html",
            lambda: (
                "<html><body><h1>Thủ tục</h1><p>Đăng ký khai sinh trong 1 ngày.</p></body></html>".encode()
            ),
            "html",
            "Đăng ký khai sinh",
        ),
        (
            "ghi_chu.txt",
            lambda: fixtures_bad.to_cp1258("Thông báo về việc nghỉ lễ Quốc khánh 2/9."),
            "text",
            "Quốc khánh",
        ),
    ],
)
def test_generated_formats_index(
    name: str, builder: Any, kind: str, expected: str, kb: KnowledgeBase, embedder: HashEmbedder
) -> None:
    document = upload_and_index(kb, name, builder())
    assert (document.status, document.kind) == (DocumentStatus.READY, kind), document.failure_reason
    text = " ".join(Chunk.objects.filter(document=document).values_list("text", flat=True))
    assert expected in text


def test_legacy_doc_indexes_when_a_converter_is_installed(kb: KnowledgeBase, embedder: HashEmbedder) -> None:
    path = DATA / "nd30_2020" / "Phuluc3.doc"
    document = upload_and_index(kb, path.name, path.read_bytes())
    if shutil.which("antiword") or shutil.which("catdoc") or shutil.which("libreoffice"):
        assert document.status == DocumentStatus.READY, document.failure_reason
    else:
        assert document.status == DocumentStatus.FAILED and "converter" in document.failure_reason


def _first_page(path: Path) -> bytes:
    """The scan's first page alone: the pipeline's OCR path is the same for one page or three, and
    test_parsing reads all three (OCR costs several seconds of CPU a page)."""
    source = pdfium.PdfDocument(path)
    page = pdfium.PdfDocument.new()
    page.import_pages(source, [0])
    buffer = io.BytesIO()
    page.save(buffer)
    return buffer.getvalue()


@pytest.mark.slow  # OCR
def test_a_scanned_pdf_is_read_by_ocr_or_fails_saying_why(kb: KnowledgeBase, embedder: HashEmbedder) -> None:
    path = DATA / "legal_samples" / "QD_932_2025_QD-TTg_scanned.pdf"
    document = upload_and_index(kb, path.name, _first_page(path))
    if shutil.which("tesseract"):
        assert document.status == DocumentStatus.READY, document.failure_reason
        assert "Thủ tướng" in " ".join(Chunk.objects.filter(document=document).values_list("text", flat=True))
    else:
        assert document.status == DocumentStatus.FAILED
        assert "scanned pages need OCR, which is not installed" in document.failure_reason


def _bad_files(tmp: Path) -> list[Path]:
    docx = DATA / "nd30_2020" / "30_2020_ND_CP.docx"
    pdf = DATA / "legal_samples" / "an_le_so_432021AL.pdf"
    return [
        fixtures_bad.empty_file(tmp, "rong.docx"),
        fixtures_bad.empty_file(tmp, "rong.pdf"),
        fixtures_bad.truncated_copy(docx, tmp, "cut.docx"),
        fixtures_bad.truncated_copy(pdf, tmp, "cut.pdf"),
        fixtures_bad.truncated_bytes(_xlsx_bytes(), tmp, "cut.xlsx"),
        fixtures_bad.truncated_bytes(_pptx_bytes(), tmp, "cut.pptx"),
        fixtures_bad.garbage(tmp, "rac.bin"),
        fixtures_bad.ooxml_with_bad_xml(tmp, "hong.docx", "word/document.xml"),
        fixtures_bad.zip_bomb(tmp, "bom.docx", "word/document.xml"),
        fixtures_bad.zip_bomb(tmp, "bom.xlsx", "xl/workbook.xml"),
    ]


def test_malformed_truncated_empty_and_hostile_files_fail_with_a_reason(
    tmp_path: Path, kb: KnowledgeBase, embedder: HashEmbedder
) -> None:
    reasons = {}
    for path in _bad_files(tmp_path):
        # One knowledge base per file: the two empty files are byte-identical, hence duplicates.
        with transaction.atomic():
            own_kb = services.knowledge_base_create(actor=None, department=kb.department, name=path.name)
        result = upload(own_kb, path.name, path.read_bytes())
        assert result.outcome == "created" and result.document is not None
        document = pipeline.index_document_inline(result.document)
        assert document.status == DocumentStatus.FAILED, path.name
        assert document.failed_stage == DocumentStatus.PARSING
        assert len(document.failure_reason) > 10 and "Traceback" not in document.failure_reason
        assert not Chunk.objects.filter(document=document).exists()
        reasons[path.name] = document.failure_reason
    assert "ZIP" in reasons["bom.docx"] and "ZIP" in reasons["bom.xlsx"]
    assert "empty" in reasons["rong.pdf"]


def test_a_docx_renamed_to_pdf_is_read_as_docx(kb: KnowledgeBase, embedder: HashEmbedder) -> None:
    content = (DATA / "nd30_2020" / "Phuluc3.docx").read_bytes()
    document = upload_and_index(kb, "phu_luc.pdf", content)
    assert (document.kind, document.status) == ("docx", DocumentStatus.READY)


def test_duplicates_are_reported_not_stored(kb: KnowledgeBase) -> None:
    content = "Quy chế làm việc của Sở Tư pháp.".encode()
    first = upload(kb, "quy_che.txt", content)
    again = upload(kb, "ban_sao.txt", content)
    assert (first.outcome, again.outcome) == ("created", "duplicate")
    assert again.document == first.document and "quy_che" in again.reason
    assert Document.objects.filter(knowledge_base=kb).count() == 1


@override_settings(BUREAU_MAX_UPLOAD_BYTES=1000)
def test_an_oversized_file_is_rejected(kb: KnowledgeBase) -> None:
    result = upload(kb, "lon.txt", b"x" * 2000)
    assert result.outcome == "rejected" and "MB" in result.reason
    assert not Document.objects.exists()


def test_a_task_delivered_twice_does_nothing_the_second_time(
    kb: KnowledgeBase, embedder: HashEmbedder
) -> None:
    document = upload(kb, "a.txt", "Điều 1. Phạm vi điều chỉnh của quy chế.".encode()).document
    assert document is not None
    run = document.runs.get()
    assert pipeline.ingest(run.pk) is True
    assert pipeline.ingest(run.pk) is False  # replayed: the document is past QUEUED
    assert pipeline.embed(run.pk) is True
    assert pipeline.embed(run.pk) is False  # replayed after success: the run is finished
    document.refresh_from_db()
    assert document.status == DocumentStatus.READY
    assert Chunk.objects.filter(document=document).count() == document.chunks_total


def test_reindex_keeps_the_old_generation_searchable_until_the_new_one_is_ready(
    kb: KnowledgeBase, world: World, embedder: HashEmbedder
) -> None:
    document = upload_and_index(
        kb, "quy_che.txt", "Điều 1. Giờ làm việc từ 7 giờ 30.\n\nĐiều 2. Nghỉ trưa.".encode()
    )
    old_ids = set(Chunk.objects.filter(document=document, active=True).values_list("pk", flat=True))
    assert old_ids
    with transaction.atomic():
        services.document_reindex(actor=world.user("builder"), document=document)
    run = document.runs.filter(status=RunStatus.RUNNING).get()
    assert run.generation == 2
    assert pipeline.ingest(run.pk)
    # The new generation exists beside the old one, but only the old one serves.
    assert set(Chunk.objects.filter(document=document, active=True).values_list("pk", flat=True)) == old_ids
    assert Chunk.objects.filter(document=document, generation=2, active=False).exists()
    pipeline.embed(run.pk)
    document.refresh_from_db()
    assert (document.status, document.active_generation) == (DocumentStatus.READY, 2)
    assert set(Chunk.objects.filter(document=document).values_list("generation", flat=True)) == {2}
    assert Chunk.objects.filter(document=document, active=True).count() == document.chunks_total


def test_cancel_before_the_worker_starts(kb: KnowledgeBase, world: World, embedder: HashEmbedder) -> None:
    document = upload(kb, "huy.txt", "Nội dung sẽ bị hủy.".encode()).document
    assert document is not None
    with transaction.atomic():
        services.document_cancel(actor=world.user("builder"), document=document)
    assert pipeline.ingest(document.runs.get().pk) is False
    document.refresh_from_db()
    assert document.status == DocumentStatus.CANCELLED
    assert document.runs.get().status == RunStatus.CANCELLED


def test_cancel_during_embedding_stops_between_batches(
    kb: KnowledgeBase, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    embedder = use_hash_embedder(monkeypatch)
    text = "\n\n".join(
        f"Điều {n}. Quy định số {n} về công tác văn thư và lưu trữ hồ sơ." for n in range(1, 40)
    )
    document = upload(kb, "dai.txt", text.encode()).document
    assert document is not None
    run = document.runs.get()
    pipeline.ingest(run.pk)
    original = embedder.embed_passages

    def cancel_after_first_batch(texts: list[str]) -> list[list[float]]:
        if embedder.calls == 1:
            transitions.request_cancel(document=document)
        return original(texts)

    monkeypatch.setattr(embedder, "embed_passages", cancel_after_first_batch)
    pipeline.embed(run.pk, batch_size=5)
    document.refresh_from_db()
    assert document.status == DocumentStatus.CANCELLED
    assert embedder.calls == 2 and not Chunk.objects.filter(document=document).exists()


def test_a_failed_document_can_be_retried(kb: KnowledgeBase, world: World, embedder: HashEmbedder) -> None:
    document = upload_and_index(kb, "hong.pdf", b"%PDF-1.7\n" + b"\x00" * 50)
    assert document.status == DocumentStatus.FAILED
    with transaction.atomic():
        services.document_retry(actor=world.user("builder"), document=document)
    document.refresh_from_db()
    assert document.status == DocumentStatus.QUEUED and document.attempts == 2
    assert document.failure_reason == ""


def test_disable_and_delete_take_chunks_out_of_search(
    kb: KnowledgeBase, world: World, embedder: HashEmbedder
) -> None:
    document = upload_and_index(kb, "tam.txt", "Điều 1. Văn bản tạm thời.".encode())
    builder = world.user("builder")
    with transaction.atomic():
        services.document_update(actor=builder, document=document, enabled=False)
    assert not Chunk.objects.filter(document=document, active=True).exists()
    with transaction.atomic():
        services.document_update(actor=builder, document=document, enabled=True)
    assert Chunk.objects.filter(document=document, active=True).exists()
    document_id = document.pk
    with transaction.atomic():
        services.document_delete(actor=builder, document=document)
    assert not Chunk.objects.filter(document_id=document_id).exists()
    assert not Document.objects.filter(pk=document_id).exists()
    assert AuditEvent.objects.filter(action="document.delete", target_id=str(document_id)).exists()


@pytest.mark.django_db(transaction=True)  # the file goes on commit (transaction.on_commit)
def test_deleting_removes_the_file_after_commit(monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.factories import build_world

    use_hash_embedder(monkeypatch)
    world = build_world()
    with transaction.atomic():
        kb = services.knowledge_base_create(actor=None, department=world.department, name="Tạm")
    document = upload_and_index(kb, "xoa.txt", "Văn bản cần xóa.".encode())
    stored = Path(document.file.path)
    with transaction.atomic():
        services.document_delete(actor=None, document=document)
    assert not stored.exists()


def test_watchdog_requeues_a_dead_run_and_then_gives_up(
    kb: KnowledgeBase,
    embedder: HashEmbedder,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    sent: list[int] = []
    monkeypatch.setattr(
        "knowledge.tasks.ingest_document.apply_async", lambda args, *rest, **options: sent.append(args[0])
    )
    document = upload(kb, "chet.txt", "Điều 1. Văn bản bị bỏ dở.".encode()).document
    assert document is not None
    run = document.runs.get()
    pipeline.ingest(run.pk)  # now EMBEDDING; pretend the worker died here
    long_ago = timezone.now() - timedelta(hours=1)
    IndexingRun.objects.filter(pk=run.pk).update(heartbeat_at=long_ago)
    with override_settings(KNOWLEDGE_MAX_REQUEUES=1):
        with django_capture_on_commit_callbacks(execute=True):
            assert run_watchdog()["requeued"] == 1
        document.refresh_from_db()
        assert document.status == DocumentStatus.QUEUED and sent == [run.pk]
        pipeline.ingest(run.pk)  # the re-sent task runs and dies again
        IndexingRun.objects.filter(pk=run.pk).update(heartbeat_at=long_ago)
        assert run_watchdog()["failed"] == 1
    document.refresh_from_db()
    assert document.status == DocumentStatus.FAILED and document.failure_retryable
    assert "worker stopped 2 times" in document.failure_reason


def test_watchdog_resends_a_queued_document_whose_message_was_lost(
    kb: KnowledgeBase, monkeypatch: pytest.MonkeyPatch
) -> None:
    sent: list[int] = []
    monkeypatch.setattr(
        "knowledge.tasks.ingest_document.apply_async", lambda args, *rest, **options: sent.append(args[0])
    )
    document = upload(kb, "mat.txt", "Tin nhắn bị mất khi Redis khởi động lại.".encode()).document
    assert document is not None
    IndexingRun.objects.filter(document=document).update(heartbeat_at=timezone.now() - timedelta(hours=1))
    assert run_watchdog()["resent"] == 1
    assert sent == [document.runs.get().pk]


def test_changing_the_chunking_reindexes_every_document(
    kb: KnowledgeBase, world: World, embedder: HashEmbedder
) -> None:
    document = upload_and_index(kb, "mot.txt", "Điều 1. Một.".encode())
    with transaction.atomic():
        services.knowledge_base_update(actor=world.user("builder"), knowledge_base=kb, chunk_tokens=200)
    document.refresh_from_db()
    assert document.status == DocumentStatus.QUEUED and document.building_generation == 2
    assert document.active_generation == 1  # still serving


def test_grants_stay_inside_the_organization(kb: KnowledgeBase, world: World) -> None:
    from bureau.exceptions import ValidationFailed

    foreign = Department.objects.create(organization=world.other_organization, name="Sở khác", code="khac")
    with pytest.raises(ValidationFailed), transaction.atomic():
        services.knowledge_base_grant(actor=None, knowledge_base=kb, department=foreign, permission="use")


def test_progress_moves_after_every_step_of_an_embedding_batch(
    kb: KnowledgeBase, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A batch is written in one transaction; between its steps only the progress moves, so that a
    # document of fewer chunks than a batch does not stand still until it is Ready.
    embedder = use_hash_embedder(monkeypatch)
    text = "\n\n".join(
        f"Điều {n}. Quy định số {n} về công tác văn thư và lưu trữ hồ sơ." for n in range(1, 40)
    )
    document = upload(kb, "tien_do.txt", text.encode()).document
    assert document is not None
    run = document.runs.get()
    pipeline.ingest(run.pk)
    run.refresh_from_db()
    total = run.progress_total
    assert total > 8
    seen: list[tuple[int, int]] = []
    original = embedder.embed_passages

    def watch(texts: list[str]) -> list[list[float]]:
        document.refresh_from_db()
        run.refresh_from_db()
        seen.append((document.chunks_done, run.progress_done))
        return original(texts)

    monkeypatch.setattr(embedder, "embed_passages", watch)
    with override_settings(KNOWLEDGE_EMBED_STEP=4):
        assert pipeline.embed(run.pk, batch_size=64) is True
    steps = -(-total // 4)
    assert embedder.calls == steps
    assert seen == [(4 * n, 4 * n) for n in range(steps)]
    document.refresh_from_db()
    assert document.status == DocumentStatus.READY and document.chunks_done == total
