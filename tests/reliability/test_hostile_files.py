"""Malformed, truncated, oversized and hostile files of every supported type, uploaded to a real
Celery worker: each ends FAILED with a readable reason (Vietnamese, then English), and the same
worker process then indexes a good document to READY. Every file is generated here, at test time."""

from __future__ import annotations

import functools
import io
from collections.abc import Callable
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from knowledge import services
from knowledge.models import IN_PROGRESS, Document, DocumentStatus, IndexingRun
from knowledge.parsing.pdf import ocr_available
from tests.factories import build_world
from tests.knowledge.pipeline_helpers import DATA
from tests.reliability import hostile_files as hostile
from tests.reliability.worker import start_worker, stop_worker, wait_for

TEXT_PDF = DATA / "legal_samples" / "an_le_so_432021AL.pdf"
SCANNED_PDF = DATA / "legal_samples" / "QD_932_2025_QD-TTg_scanned.pdf"
DOCX = DATA / "nd30_2020" / "30_2020_ND_CP.docx"
SMALL_DOCX = DATA / "nd30_2020" / "Phuluc2.docx"
DOC = DATA / "nd30_2020" / "Phuluc2.doc"
GOOD = DATA / "nd30_2020" / "Phuluc4.docx"

EXTENSIONS = ["pdf", "docx", "doc", "xlsx", "csv", "pptx", "html", "md", "txt"]
PARSE_MEMORY_MB = 400  # what a parse may allocate in the worker under test; the "hungry" file needs more
PARSE_TIMEOUT_SECONDS = 15  # how long a parse may take there; the long scan needs more


def _xlsx() -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in [["Đơn vị", "Số hồ sơ"], *[[f"Phòng {n}", n] for n in range(200)]]:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _pptx() -> bytes:
    from pptx import Presentation

    deck = Presentation()
    for n in range(20):
        slide = deck.slides.add_slide(deck.slide_layouts[1])
        slide.shapes.title.text = f"Cải cách hành chính {n}"
        slide.placeholders[1].text = "Rút ngắn thời gian giải quyết thủ tục hành chính. " * 5
    buffer = io.BytesIO()
    deck.save(buffer)
    return buffer.getvalue()


def _hungry_text() -> bytes:
    # 1.3 million short lines: ~55 MB on disk, past PARSE_MEMORY_MB once read as text blocks.
    return b"".join(f"Dòng {n} của một tệp rất dài\n".encode() for n in range(1_300_000))


# name → (content, a word the reason must contain)
def corpus() -> dict[str, tuple[Callable[[], bytes], str]]:
    files: dict[str, tuple[Callable[[], bytes], str]] = {}
    for n, ext in enumerate(EXTENSIONS):
        files[f"rong.{ext}"] = (lambda: b"", "rỗng")
        files[f"rac.{ext}"] = (functools.partial(hostile.random_bytes, 100 + n), "định dạng")
    files["trang.md"] = (lambda: b" \n\t\n  \r\n", "rỗng")
    files["nua.pdf"] = (lambda: hostile.truncated(TEXT_PDF.read_bytes()), "PDF")
    files["nua_scan.pdf"] = (lambda: hostile.truncated(SCANNED_PDF.read_bytes()), "PDF")
    files["nua.docx"] = (lambda: hostile.truncated(DOCX.read_bytes()), "Word")
    files["nua.doc"] = (lambda: hostile.truncated(DOC.read_bytes()), "Word")
    files["nua.xlsx"] = (lambda: hostile.truncated(_xlsx()), "Excel")
    files["nua.pptx"] = (lambda: hostile.truncated(_pptx()), "PowerPoint")
    others = hostile.members_of(SMALL_DOCX, without="word/document.xml")
    files["bom.docx"] = (lambda: hostile.deflate_bomb("word/document.xml", 4, others=others), "ZIP bomb")
    files["bom.xlsx"] = (lambda: hostile.deflate_bomb("xl/workbook.xml", 2), "ZIP bomb")
    files["bom.pptx"] = (lambda: hostile.deflate_bomb("ppt/presentation.xml", 2), "ZIP bomb")
    files["bom_noi_doi.docx"] = (
        lambda: hostile.deflate_bomb("word/document.xml", 1, declare=1000, others=others),
        "ZIP bomb",
    )
    files["nhieu_tep.pptx"] = (lambda: hostile.many_members("ppt/presentation.xml", 12_000), "ZIP bomb")
    files["nhieu_tep.xlsx"] = (lambda: hostile.many_members("xl/workbook.xml", 12_000), "ZIP bomb")
    files["long_sau.docx"] = (lambda: hostile.deeply_nested_docx(SMALL_DOCX, 1000), "lồng nhau")
    files["cuoi.docx"] = (
        lambda: hostile.entity_bomb_ooxml(
            SMALL_DOCX.read_bytes(),
            "word/document.xml",
            "</w:body>",
            "<w:p><w:r><w:t>&lol9;</w:t></w:r></w:p></w:body>",
        ),
        "entity bomb",
    )
    files["cuoi.xlsx"] = (
        lambda: hostile.entity_bomb_ooxml(_xlsx(), "xl/worksheets/sheet1.xml", "<v>0</v>", "<v>&lol9;</v>"),
        "entity bomb",
    )
    files["long_sau.html"] = (lambda: hostile.deeply_nested_html(5000), "lồng nhau")
    files["mat_khau.pdf"] = (hostile.encrypted_pdf, "mật khẩu")
    files["nhieu_trang.pdf"] = (lambda: hostile.pdf_with_pages(3500), "3500 trang")
    files["dong_dai.csv"] = (hostile.csv_with_a_gigantic_field, "CSV")
    files["ma_la.txt"] = (
        lambda: hostile.utf32_without_bom("Điều 1. Phạm vi điều chỉnh\n" * 200),
        "định dạng",
    )
    files["bao_cao.pdf"] = (hostile.executable_named_pdf, "định dạng")  # the extension lies
    files["doi_bo_nho.txt"] = (_hungry_text, f"{PARSE_MEMORY_MB} MB")
    # Forty scanned pages: OCR would take minutes, past the parse's deadline. Without OCR installed
    # the reason says so instead (make test installs it where it runs as root with apt).
    scan_reason = f"{PARSE_TIMEOUT_SECONDS} giây" if ocr_available() else "OCR chưa được cài đặt"
    files["scan_dai.pdf"] = (lambda: hostile.repeated_pages(SCANNED_PDF, 40), scan_reason)
    return files


def _upload(department: object, name: str, content: bytes) -> Document:
    # One knowledge base per file: the empty files are byte-identical, hence duplicates in one.
    with transaction.atomic():
        kb = services.knowledge_base_create(actor=None, department=department, name=name)  # type: ignore[arg-type]
        [result] = services.document_upload(
            actor=None, knowledge_base=kb, files=[SimpleUploadedFile(name, content)]
        )
    assert result.document is not None, (name, result.reason)
    return result.document


def _settled(ids: list[int]) -> bool:
    return not Document.objects.filter(
        pk__in=ids, status__in=[*IN_PROGRESS, DocumentStatus.UPLOADED]
    ).exists()


@pytest.mark.slow
@pytest.mark.timeout(1500)  # above the sum of its own waits, which say what did not happen
@pytest.mark.django_db(transaction=True)  # a Celery worker process indexes the documents
def test_hostile_files_fail_with_a_reason_and_the_worker_survives(tmp_path: Path) -> None:
    world = build_world()
    files = corpus()
    worker = start_worker(
        {
            "KNOWLEDGE_PARSE_MEMORY_MB": str(PARSE_MEMORY_MB),
            "KNOWLEDGE_PARSE_TIMEOUT_SECONDS": str(PARSE_TIMEOUT_SECONDS),
        }
    )
    try:
        uploaded = {name: _upload(world.department, name, make()) for name, (make, _) in files.items()}
        claims = _upload(world.department, "tu_nhan.pdf", hostile.pdf_claiming_pages(2_000_000))
        ids = [d.pk for d in uploaded.values()] + [claims.pk]
        wait_for(lambda: _settled(ids), 600, "every hostile file to be settled")

        reasons = {}
        for name, document in uploaded.items():
            document.refresh_from_db()
            assert document.status == DocumentStatus.FAILED, (name, document.status)
            assert document.failed_stage == DocumentStatus.PARSING, name
            reason = document.failure_reason
            assert "Traceback" not in reason and "(" in reason and len(reason) > 15, (name, reason)
            assert files[name][1] in reason, (name, reason)
            reasons[name] = reason
        # Those the upload could not even recognise failed at once; the rest went to the worker,
        # which failed each run and kept going.
        worked = IndexingRun.objects.filter(document__in=list(uploaded.values()))
        assert worked.count() >= 15 and set(worked.values_list("status", flat=True)) == {"failed"}
        for name in [
            "bom.docx",
            "long_sau.html",
            "mat_khau.pdf",
            "doi_bo_nho.txt",
            "dong_dai.csv",
            "scan_dai.pdf",
        ]:
            assert worked.filter(document=uploaded[name]).exists(), name

        # A page tree claiming two million pages is not believed: its one real page is read.
        claims.refresh_from_db()
        assert (claims.status, claims.page_count) == (DocumentStatus.READY, 1), claims.failure_reason

        good = _upload(world.department, GOOD.name, GOOD.read_bytes())
        wait_for(
            lambda: Document.objects.get(pk=good.pk).status in (DocumentStatus.READY, DocumentStatus.FAILED),
            600,
            "the good document",
        )
        good.refresh_from_db()
        assert good.status == DocumentStatus.READY, good.failure_reason
        assert worker.poll() is None, "the worker process that met every hostile file is still running"
    finally:
        stop_worker(worker)
