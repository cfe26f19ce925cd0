from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from bureau.tenancy.models import Role
from bureau.tenancy.services import api_key_create
from knowledge.models import Document, DocumentStatus, KnowledgeBase
from knowledge.services import knowledge_base_create
from tests.factories import World, make_department, make_member

pytestmark = pytest.mark.django_db
C = "/api/v1/knowledge-catalog/"


def _base(world: World, name: str, visibility: str, tags: list[str], **values: Any) -> KnowledgeBase:
    department = values.pop("department", world.department)
    return knowledge_base_create(
        actor=None, department=department, name=name, visibility=visibility, domain_tags=tags, **values
    )


def _document(kb: KnowledgeBase, n: int, status: str, enabled: bool = True) -> None:
    Document.objects.create(
        knowledge_base=kb,
        title=f"Văn bản {n}",
        filename=f"{n}.txt",
        file=f"documents/{n}.txt",
        size_bytes=10,
        sha256=f"{n:064d}",
        status=status,
        enabled=enabled,
    )


@pytest.fixture
def bases(world: World) -> dict[str, KnowledgeBase]:
    shared = _base(
        world, "Quy chế văn thư", "organization", ["văn thư", "pháp luật"], classification="public"
    )
    _document(shared, 1, DocumentStatus.READY)
    _document(shared, 2, DocumentStatus.READY)
    _document(shared, 3, DocumentStatus.QUEUED)
    _document(shared, 4, DocumentStatus.READY, enabled=False)
    budget = _base(world, "Ngân sách", "organization", ["tài chính", "pháp luật"], department=world.office)
    department_only = _base(world, "Hồ sơ của Sở", "department", ["văn thư"])
    private = _base(world, "Nháp riêng", "private", ["văn thư"])
    foreign_department = make_department(world.other_organization, "Sở Ngoài")
    foreign = _base(world, "Tỉnh khác", "organization", ["văn thư"], department=foreign_department)
    return {
        "shared": shared,
        "budget": budget,
        "department_only": department_only,
        "private": private,
        "foreign": foreign,
    }


def _client(user: Any) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def _names(response: Any) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["name"] for row in response.json()["results"]]


def test_someone_of_another_department_sees_the_organization_bases_only(
    world: World, bases: dict[str, KnowledgeBase]
) -> None:
    client = _client(world.user("outsider"))
    response = client.get(C)
    # by owner department ("Sở Tư pháp …" before "Văn phòng …"), then by name
    assert _names(response) == ["Quy chế văn thư", "Ngân sách"]
    shared = next(row for row in response.json()["results"] if row["name"] == "Quy chế văn thư")
    assert shared["ready_document_count"] == 2  # not the queued one, not the disabled one
    assert shared["department_name"] == world.department.name
    assert shared["classification"] == "public"
    assert shared["domain_tags"] == ["văn thư", "pháp luật"]


def test_even_its_own_builders_see_no_department_or_private_base_in_the_catalog(
    world: World, bases: dict[str, KnowledgeBase]
) -> None:
    names = _names(_client(world.user("builder")).get(C))
    assert "Hồ sơ của Sở" not in names and "Nháp riêng" not in names
    assert "Tỉnh khác" not in names


def test_filter_by_domain_and_department(world: World, bases: dict[str, KnowledgeBase]) -> None:
    client = _client(world.user("member"))
    assert _names(client.get(C, {"domain": "tài chính"})) == ["Ngân sách"]
    assert sorted(_names(client.get(C, {"domain": "pháp luật"}))) == ["Ngân sách", "Quy chế văn thư"]
    assert _names(client.get(C, {"department": world.department.pk})) == ["Quy chế văn thư"]
    assert _names(client.get(C, {"domain": "không có"})) == []


def test_domains_are_counted(world: World, bases: dict[str, KnowledgeBase]) -> None:
    response = _client(world.user("member")).get(f"{C}domains/")
    assert response.status_code == 200
    assert response.json() == [
        {"domain": "pháp luật", "count": 2},
        {"domain": "tài chính", "count": 1},
        {"domain": "văn thư", "count": 1},
    ]


def test_another_organization_sees_none_of_it(world: World, bases: dict[str, KnowledgeBase]) -> None:
    stranger_department = make_department(world.other_organization, "Sở Xa")
    stranger = make_member(stranger_department, Role.BUILDER)
    client = _client(stranger)
    assert _names(client.get(C)) == ["Tỉnh khác"]
    assert client.get(C, {"department": world.department.pk}).status_code == 404
    assert client.get(f"{C}domains/").json() == [{"domain": "văn thư", "count": 1}]


def test_an_api_key_reads_its_organization_catalog(world: World, bases: dict[str, KnowledgeBase]) -> None:
    created = api_key_create(actor=None, department=world.other_department, name="Cổng", scopes=["read"])
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {created.raw_key}")
    assert sorted(_names(client.get(C))) == ["Ngân sách", "Quy chế văn thư"]


def test_a_builder_of_another_department_attaches_a_catalog_base(
    world: World, bases: dict[str, KnowledgeBase]
) -> None:
    builder = make_member(world.other_department, Role.BUILDER)
    client = _client(builder)
    created = client.post("/api/v1/assistants/", {"name": "Trợ lý văn thư"}, format="json")
    assert created.status_code == 201, created.content
    draft = f"/api/v1/assistants/{created.json()['id']}/draft/"
    linked = client.patch(draft, {"knowledge_base_ids": [bases["shared"].pk]}, format="json")
    assert linked.status_code == 200, linked.content
    refused = client.patch(draft, {"knowledge_base_ids": [bases["department_only"].pk]}, format="json")
    assert refused.status_code == 404


def test_a_conversation_scoped_base_is_never_in_the_catalog(
    world: World, bases: dict[str, KnowledgeBase]
) -> None:
    if not any(f.name == "scope" for f in KnowledgeBase._meta.get_fields()):
        pytest.skip("knowledge bases have no scope on this branch")
    KnowledgeBase.objects.filter(pk=bases["budget"].pk).update(scope="conversation:1")
    client = _client(world.user("member"))
    assert _names(client.get(C)) == ["Quy chế văn thư"]
    assert {"domain": "tài chính", "count": 1} not in client.get(f"{C}domains/").json()
