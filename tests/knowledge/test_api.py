from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile

from knowledge.models import Document, DocumentStatus
from tests.factories import World, api_client
from tests.knowledge.pipeline_helpers import DATA


def test_upload_many_files_and_see_each_outcome(world: World) -> None:
    client = api_client(world, "builder")
    kb = client.post(
        "/api/v1/knowledge-bases/", {"name": "Quy chế", "classification": "internal"}, format="json"
    )
    assert kb.status_code == 201, kb.content
    assert kb.json()["department"] == world.department.pk  # the builder's own department by default
    assert kb.json()["embedding_dimension"] == 384
    url = f"/api/v1/knowledge-bases/{kb.json()['id']}/documents/"
    docx = (DATA / "nd30_2020" / "Phuluc3.docx").read_bytes()
    response = client.post(
        url,
        {
            "files": [
                SimpleUploadedFile("phu_luc_3.docx", docx),
                SimpleUploadedFile("ban_sao.docx", docx),
                SimpleUploadedFile("rac.bin", b"\x89\x00\x01\x02" * 100),
            ]
        },
        format="multipart",
    )
    assert response.status_code == 201
    outcomes = [(row["filename"], row["outcome"]) for row in response.json()]
    assert outcomes == [("phu_luc_3.docx", "created"), ("ban_sao.docx", "duplicate"), ("rac.bin", "created")]
    created, _, junk = response.json()
    assert created["document"]["status"] == "queued" and created["document"]["kind"] == "docx"
    assert junk["document"]["status"] == "failed" and junk["reason"]
    listing = client.get(url).json()
    assert listing["count"] == 2
    failed = client.get(url, {"status": "failed"}).json()["results"]
    assert [d["filename"] for d in failed] == ["rac.bin"]


def test_embedding_profile_is_validated(world: World) -> None:
    client = api_client(world, "builder")
    response = client.post(
        "/api/v1/knowledge-bases/",
        {"name": "X", "embedding_provider": "openai", "embedding_dimension": 999},
        format="json",
    )
    assert response.status_code == 400
    assert "embedding_dimension" in response.json()["error"]["details"]
    bad_chunks = client.post(
        "/api/v1/knowledge-bases/", {"name": "Y", "chunk_tokens": 100, "chunk_overlap": 80}, format="json"
    )
    assert bad_chunks.status_code == 400 and "chunk_overlap" in bad_chunks.json()["error"]["details"]


def test_private_knowledge_bases_hide_from_members(world: World) -> None:
    builder = api_client(world, "builder")
    kb = builder.post(
        "/api/v1/knowledge-bases/", {"name": "Nháp", "visibility": "private"}, format="json"
    ).json()
    member_view = api_client(world, "member").get(f"/api/v1/knowledge-bases/{kb['id']}/")
    assert member_view.status_code == 404
    assert api_client(world, "dept_admin").get(f"/api/v1/knowledge-bases/{kb['id']}/").status_code == 200
    assert api_client(world, "auditor").get(f"/api/v1/knowledge-bases/{kb['id']}/").status_code == 200


def test_organization_visibility_and_grants_reach_other_departments(world: World) -> None:
    builder = api_client(world, "builder")
    shared = builder.post(
        "/api/v1/knowledge-bases/", {"name": "Chung", "visibility": "organization"}, format="json"
    ).json()
    own = builder.post("/api/v1/knowledge-bases/", {"name": "Riêng"}, format="json").json()
    outsider = api_client(world, "outsider")
    assert outsider.get(f"/api/v1/knowledge-bases/{shared['id']}/").status_code == 200
    assert (
        outsider.patch(f"/api/v1/knowledge-bases/{shared['id']}/", {"name": "x"}, format="json").status_code
        == 403
    )
    assert outsider.get(f"/api/v1/knowledge-bases/{own['id']}/").status_code == 404
    grant = builder.post(
        f"/api/v1/knowledge-bases/{own['id']}/grants/",
        {"department": world.other_department.pk, "permission": "use"},
        format="json",
    )
    assert grant.status_code == 201
    assert outsider.get(f"/api/v1/knowledge-bases/{own['id']}/").status_code == 200
    upload = outsider.post(
        f"/api/v1/knowledge-bases/{own['id']}/documents/",
        {"files": [SimpleUploadedFile("a.txt", b"abc")]},
        format="multipart",
    )
    assert upload.status_code == 403  # "use" lets them search, not add documents
    assert not Document.objects.filter(knowledge_base_id=own["id"]).exists()


def test_the_original_file_can_be_opened(world: World) -> None:
    client = api_client(world, "member")
    builder = api_client(world, "builder")
    kb = builder.post("/api/v1/knowledge-bases/", {"name": "Tệp"}, format="json").json()
    builder.post(
        f"/api/v1/knowledge-bases/{kb['id']}/documents/",
        {"files": [SimpleUploadedFile("thong_bao.txt", "Thông báo nghỉ lễ.".encode())]},
        format="multipart",
    )
    document = Document.objects.get(knowledge_base_id=kb["id"])
    assert document.status == DocumentStatus.QUEUED
    response = client.get(f"/api/v1/knowledge-bases/{kb['id']}/documents/{document.pk}/file/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content).decode() == "Thông báo nghỉ lễ."  # type: ignore[attr-defined]
