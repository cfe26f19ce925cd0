"""Who the client is, and what a downloaded file may do.

* X-Forwarded-For is believed only from a peer in TRUSTED_PROXIES. Uvicorn believes it from
  127.0.0.1 by default and rewrote the client's address before Bureau saw it: the audit log recorded,
  and the login throttle counted, whatever address a local caller wrote there.
* An uploaded original is served so that nothing in it runs on our origin: HTML, SVG, XML and
  scripts are downloads typed as bytes, never sniffed, sandboxed; a PDF may still open inline."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
import uvicorn
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.handlers.asgi import ASGIRequest
from django.test import Client
from rest_framework.test import APIClient

from assistants.models import Conversation, GeneratedFile
from bureau.audit.models import AuditEvent
from bureau.embedded import web_server_command
from bureau.http import request_context
from bureau.runtime.serving import UvicornWorker
from bureau.tenancy.auth import AccountAdapter
from knowledge.models import Document
from tests.assistants.chat_helpers import make_assistant
from tests.factories import PASSWORD, World

SPOOFED = "203.0.113.9"

# --- X-Forwarded-For ---------------------------------------------------------------------------------


def _addresses_seen_through(server_options: dict[str, Any]) -> tuple[str | None, str]:
    """A request from 127.0.0.1 with X-Forwarded-For, through uvicorn made with `server_options`
    as the application gets it: the address the audit log records and the one the login throttle
    counts."""
    seen: dict[str, Any] = {}

    async def application(scope: dict[str, Any], receive: Callable[[], Awaitable[Any]], send: Any) -> None:
        request = ASGIRequest(scope, io.BytesIO())
        seen["audit"] = request_context.meta_from_request(request).ip
        seen["throttle"] = AccountAdapter().get_client_ip(request)
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    config = uvicorn.Config(app=application, **server_options)
    config.load()
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": "/healthz",
        "raw_path": b"/healthz",
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"testserver"), (b"x-forwarded-for", SPOOFED.encode())],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
    }

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Any) -> None:
        pass

    asyncio.run(config.loaded_app(scope, receive, send))
    return seen["audit"], seen["throttle"]


def _options_of_command(command: list[str]) -> dict[str, Any]:
    """What uvicorn makes of `make run`'s command line."""
    context = uvicorn.main.make_context("uvicorn", command[command.index("uvicorn") + 1 :])
    return {name: context.params[name] for name in ("proxy_headers", "forwarded_allow_ips")}


def test_uvicorns_defaults_believe_a_loopback_peer() -> None:
    """Why the servers below are told otherwise: with its defaults the header wins."""
    assert _addresses_seen_through({}) == (SPOOFED, SPOOFED)


@pytest.mark.parametrize(
    "server_options",
    [
        pytest.param(UvicornWorker.CONFIG_KWARGS, id="gunicorn-worker"),
        pytest.param(_options_of_command(web_server_command("127.0.0.1", 8000)), id="make-run"),
    ],
)
def test_the_servers_pass_the_peer_address_on(server_options: dict[str, Any], settings: Any) -> None:
    settings.TRUSTED_PROXIES = []
    assert _addresses_seen_through(server_options) == ("127.0.0.1", "127.0.0.1")


def test_the_dockerfile_runs_bureaus_worker() -> None:
    from pathlib import Path

    dockerfile = (Path(__file__).resolve().parents[2] / "docker" / "Dockerfile").read_text()
    command = next(line for line in dockerfile.splitlines() if line.startswith("CMD "))
    assert "-k bureau.runtime.serving.UvicornWorker" in command


def test_a_loopback_peer_does_not_choose_the_audited_address(world: World, settings: Any) -> None:
    settings.TRUSTED_PROXIES = []
    client = APIClient(REMOTE_ADDR="127.0.0.1")
    client.force_authenticate(world.user("builder"))
    response = client.post(
        "/api/v1/knowledge-bases/", {"name": "Quy chế"}, format="json", HTTP_X_FORWARDED_FOR=SPOOFED
    )
    assert response.status_code == 201
    assert AuditEvent.objects.filter(action="knowledge_base.create").latest("id").ip == "127.0.0.1"


def test_a_loopback_peer_cannot_escape_the_login_throttle(world: World, settings: Any) -> None:
    settings.TRUSTED_PROXIES = []

    def login(email: str, password: str, n: int) -> Any:
        client = Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}")
        client.get("/")
        return client.post(
            "/_allauth/browser/v1/auth/login",
            {"email": email, "password": password},
            content_type="application/json",
            HTTP_X_CSRFTOKEN=client.cookies["csrftoken"].value,
        )

    for n in range(11):  # more than the 10 failures a minute one address may have
        login(world.user(("member", "builder", "auditor")[n % 3]).email, "sai-mat-khau", n)
    blocked = login(world.user("dept_admin").email, PASSWORD, 99)
    assert blocked.status_code == 400
    assert "too_many_login_attempts" in {e.get("code") for e in blocked.json()["errors"]}


# --- file downloads ----------------------------------------------------------------------------------


def _original(world: World, name: str, content: bytes, query: str = "") -> Any:
    builder = APIClient()
    builder.force_authenticate(world.user("builder"))
    kb = builder.post("/api/v1/knowledge-bases/", {"name": f"Tệp {name}"}, format="json").json()
    upload = builder.post(
        f"/api/v1/knowledge-bases/{kb['id']}/documents/",
        {"files": [SimpleUploadedFile(name, content)]},
        format="multipart",
    )
    assert upload.status_code in (201, 400), upload.content
    document = Document.objects.get(knowledge_base_id=kb["id"])
    return builder.get(f"/api/v1/knowledge-bases/{kb['id']}/documents/{document.pk}/file/{query}")


ACTIVE = {
    "trang.html": b"<script>fetch('/api/v1/me/')</script>",
    "trang.htm": b"<script>alert(1)</script>",
    "hinh.svg": b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
    "du_lieu.xml": b'<x:script xmlns:x="http://www.w3.org/1999/xhtml">alert(1)</x:script>',
    "ma.js": b"alert(1)",
    "trang.xhtml": b'<html xmlns="http://www.w3.org/1999/xhtml"><script>alert(1)</script></html>',
}


@pytest.mark.parametrize("name", sorted(ACTIVE))
@pytest.mark.parametrize("query", ["", "?download=1"])
def test_active_originals_are_downloads_typed_as_bytes(world: World, name: str, query: str) -> None:
    response = _original(world, name, ACTIVE[name], query)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "sandbox"
    assert b"".join(response.streaming_content) == ACTIVE[name]


def test_a_pdf_opens_inline_for_citations_or_downloads_on_request(world: World) -> None:
    shown = _original(world, "nghi_dinh.pdf", b"%PDF-1.4 ...")
    assert shown["Content-Type"] == "application/pdf"
    assert shown["Content-Disposition"].startswith("inline;")
    assert shown["X-Content-Type-Options"] == "nosniff"
    downloaded = _original(world, "nghi_dinh_2.pdf", b"%PDF-1.4 ....", "?download=1")
    assert downloaded["Content-Disposition"].startswith("attachment;")
    assert downloaded["Content-Security-Policy"] == "sandbox"


def test_plain_text_opens_inline_sandboxed(world: World) -> None:
    response = _original(world, "thong_bao.txt", "Thông báo nghỉ lễ.".encode())
    assert response["Content-Type"].startswith("text/plain")
    assert response["Content-Disposition"].startswith("inline;")
    assert response["Content-Security-Policy"] == "sandbox"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_a_drafted_document_is_a_sandboxed_download(world: World) -> None:
    assistant = make_assistant(world.department)
    member = world.user("member")
    assert assistant.published_version is not None
    conversation = Conversation.objects.create(
        assistant=assistant, version=assistant.published_version, user=member
    )
    generated = GeneratedFile.objects.create(
        organization_id=assistant.organization_id,
        department=world.department,
        conversation=conversation,
        kind="draft_docx",
        filename="cong_van.docx",
        file=ContentFile(b"PK\x03\x04", name="cong_van.docx"),
        size_bytes=4,
        sha256="0" * 64,
    )
    client = APIClient()
    client.force_authenticate(member)
    response = client.get(f"/api/v1/files/{generated.pk}/download/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "sandbox"
