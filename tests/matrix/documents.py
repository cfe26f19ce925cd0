"""Drafted files and the format check: a drafted file is downloaded by the owner of its conversation
only; any signed-in person may check a DOCX."""

from __future__ import annotations

from typing import Any

from tests.factories import World
from tests.permission_matrix import Case, everyone


def _download(world: World) -> str:
    from assistants.conversations.services import conversation_create
    from assistants.documents.nd30 import parse_form
    from assistants.documents.nd30_render import render_docx
    from assistants.documents.services import generated_file_create
    from assistants.models import Assistant, GeneratedFileKind
    from tests.assistants.chat_helpers import make_assistant
    from tests.assistants.test_nd30 import BASE

    assistant = Assistant.objects.filter(department=world.department, slug="ma-tran-van-ban").first()
    assistant = assistant or make_assistant(world.department, slug="ma-tran-van-ban")
    conversation = conversation_create(actor=world.user("member"), assistant=assistant)
    form, _problems = parse_form({**BASE, "doc_type": "thong_bao"})
    assert form is not None
    generated = generated_file_create(
        actor=world.user("member"),
        conversation=conversation,
        message=None,
        kind=GeneratedFileKind.DRAFT_DOCX,
        filename="thong_bao.docx",
        content=render_docx(form),
    )
    return f"/api/v1/files/{generated.pk}/download/"


def _pdf(world: World) -> str:
    return _download(world).replace("/download/", "/pdf/")


def _soffice() -> bool:
    import shutil

    return bool(shutil.which("soffice") or shutil.which("libreoffice"))


def _docx_upload(world: World) -> dict[str, Any]:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from assistants.documents.nd30 import parse_form
    from assistants.documents.nd30_render import render_docx
    from tests.assistants.test_nd30 import BASE

    form, _problems = parse_form({**BASE, "doc_type": "cong_van"})
    assert form is not None
    return {"file": SimpleUploadedFile("cong_van.docx", render_docx(form))}


CASES = [
    Case("generated-file-download", "get", _download, everyone(404, member=200)),
    # Without LibreOffice the member gets 409 with the reason instead: still past the access check.
    Case("generated-file-pdf", "get", _pdf, everyone(404, member=200 if _soffice() else 409)),
    Case(
        "document-check-format",
        "post",
        lambda w: "/api/v1/documents/check-format",
        everyone(200),
        body=_docx_upload,
        format="multipart",
    ),
]
