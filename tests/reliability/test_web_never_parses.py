"""Uploaded files are only sniffed by the web process (their kind, from the first bytes and the ZIP
directory); every parser runs in a worker. Here every parser is booby-trapped in the web process,
and an upload of each kind still answers 201 with the document queued for the worker."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from knowledge import parsing as parsing_package
from knowledge.ingestion import stages, tables
from tests.factories import World
from tests.knowledge.pipeline_helpers import DATA
from tests.reliability import hostile_files as hostile


def _xlsx() -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Đơn vị", "Số hồ sơ"])
    sheet.append(["Sở Tư pháp", 12])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_uploads_are_queued_for_the_worker_without_being_parsed_here(
    world: World, monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any
) -> None:
    parsed: list[object] = []

    def trap(*args: object, **kwargs: object) -> None:
        parsed.append(args)
        raise AssertionError("a parser ran in the web process")

    for kind in list(parsing_package._PARSERS):
        monkeypatch.setitem(parsing_package._PARSERS, kind, trap)
    for target, name in [
        (parsing_package, "parse_document"),
        (parsing_package, "parse_document_isolated"),
        (stages, "parse_document"),
        (stages, "parse_document_isolated"),
        (tables, "extract_tables"),
    ]:
        monkeypatch.setattr(target, name, trap)
    sent: list[int] = []
    monkeypatch.setattr(
        "knowledge.tasks.ingest_document.apply_async", lambda args, *rest, **options: sent.append(args[0])
    )

    client = APIClient()
    client.force_authenticate(world.user("builder"))
    kb = client.post("/api/v1/knowledge-bases/", {"name": "Web", "classification": "internal"}, format="json")
    files = [
        SimpleUploadedFile("nghi_dinh.docx", (DATA / "nd30_2020" / "Phuluc3.docx").read_bytes()),
        SimpleUploadedFile("an_le.pdf", (DATA / "legal_samples" / "an_le_so_432021AL.pdf").read_bytes()),
        SimpleUploadedFile("bang.xlsx", _xlsx()),
        SimpleUploadedFile("bang.csv", "Đơn vị,Số\nA,1\n".encode()),
        SimpleUploadedFile("trang.html", b"<html><body><p>Xin ch\xc3\xa0o</p></body></html>"),
        # A bomb is not inflated here either: the web only reads the ZIP directory.
        SimpleUploadedFile("bom.docx", hostile.deflate_bomb("word/document.xml", 2)),
    ]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/api/v1/knowledge-bases/{kb.json()['id']}/documents/", {"files": files}, format="multipart"
        )
    assert response.status_code == 201, response.content
    rows = response.json()
    assert [row["document"]["kind"] for row in rows] == ["docx", "pdf", "xlsx", "csv", "html", "docx"]
    assert {row["document"]["status"] for row in rows} == {"queued"}
    assert len(sent) == len(files) and not parsed
