from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from assistants.catalog import templates
from assistants.catalog.versions import draft_update, public_tools, version_publish
from assistants.models import Assistant, VersionState
from assistants.tools import KINDS
from bureau.audit.models import AuditEvent
from bureau.tenancy.models import Department, Organization, Role
from knowledge.models import Document, KnowledgeBase
from knowledge.services import knowledge_base_create
from tests.factories import World, make_department, make_member

pytestmark = pytest.mark.django_db
T = "/api/v1/assistant-templates/"
SLUGS = [template.slug for template in templates.TEMPLATES]


def _client(user: Any) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def test_the_gallery_has_the_templates_officials_need() -> None:
    assert len(SLUGS) >= 8 and len(set(SLUGS)) == len(SLUGS)
    for template in templates.TEMPLATES:
        assert 3 <= len(template.conversation_starters) <= 4, template.slug
        assert len(template.instructions) > 1200, template.slug
        assert "Không" in template.instructions or "không" in template.instructions
        assert "bí mật nhà nước" in template.instructions  # the security reminder
        assert "số hiệu" in template.instructions  # never inventing legal references
    drafting = templates.template_get("soan-thao-van-ban-nd30")
    assert "Nghị định 30/2020/NĐ-CP" in drafting.instructions
    assert {t["kind"] for t in drafting.tools} >= {"draft_document"}


@pytest.mark.parametrize("slug", SLUGS)
def test_every_template_clones_into_a_department_with_a_valid_draft(world: World, slug: str) -> None:
    builder = world.user("builder")
    warnings: list[str] = []
    assistant = templates.template_clone(
        actor=builder, template_slug=slug, department=world.department, warnings=warnings
    )
    template = templates.template_get(slug)
    draft = assistant.versions.get(state=VersionState.DRAFT)
    assert assistant.department == world.department and assistant.slug.startswith(slug)
    assert assistant.name == template.name and assistant.published_version is None
    assert draft.instructions == template.instructions
    assert draft.conversation_starters == list(template.conversation_starters)
    kept = {t["name"] for t in draft.tools}
    for tool in template.tools:
        assert (tool["name"] in kept) == (tool["kind"] in KINDS), tool
        if tool["kind"] not in KINDS:
            assert any(tool["kind"] in w for w in warnings)
    # The draft passes the same validation as a builder's edit, and publishes.
    draft.assistant = assistant
    draft_update(actor=builder, draft=draft, changes={"tools": public_tools(draft.tools)})
    assert version_publish(actor=builder, assistant=assistant).number == 1
    event = AuditEvent.objects.filter(action="assistant.clone_template").latest("id")
    assert event.after is not None and event.after["template"] == slug
    assert event.actor_id == builder.pk


def test_cloning_twice_gives_unique_slugs(world: World) -> None:
    first = templates.template_clone(
        actor=world.user("builder"), template_slug="tom-tat-van-ban", department=world.department
    )
    second = templates.template_clone(
        actor=world.user("org_admin"), template_slug="tom-tat-van-ban", department=world.other_department
    )
    assert first.slug == "tom-tat-van-ban" and second.slug == "tom-tat-van-ban-2"


def test_a_tool_of_an_unknown_kind_is_skipped_with_a_warning(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    base = templates.template_get("su-dung-ai-an-toan")
    odd = dataclasses.replace(
        base,
        slug="mau-thu",
        tools=(
            {"kind": "no_such_kind", "name": "la", "settings": {}},
            {"kind": "calculator", "name": "may_tinh", "settings": {}},
        ),
    )
    monkeypatch.setitem(templates._BY_SLUG, "mau-thu", odd)
    warnings: list[str] = []
    assistant = templates.template_clone(
        actor=world.user("builder"), template_slug="mau-thu", department=world.department, warnings=warnings
    )
    draft = assistant.versions.get(state=VersionState.DRAFT)
    assert [t["kind"] for t in draft.tools] == ["calculator"]
    assert len(warnings) == 1 and "no_such_kind" in warnings[0]


def test_the_list_api_shows_every_template(world: World) -> None:
    response = _client(world.user("member")).get(T)
    assert response.status_code == 200
    rows = response.json()
    assert [row["slug"] for row in rows] == SLUGS
    assert rows[0]["name"] == "Soạn thảo văn bản hành chính (NĐ 30)"
    assert all("available" in tool for row in rows for tool in row["tools"])


def test_a_builder_clones_through_the_api(world: World) -> None:
    response = _client(world.user("builder")).post(
        f"{T}hoi-dap-quy-che-noi-bo/clone/", {"department": world.department.pk}, format="json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["assistant"]["slug"] == "hoi-dap-quy-che-noi-bo"
    assert any("Quy chế nội bộ" in w for w in body["warnings"])  # the knowledge hint
    assert Assistant.objects.filter(department=world.department, slug="hoi-dap-quy-che-noi-bo").exists()


def test_a_builder_links_a_catalog_knowledge_base_when_cloning(world: World) -> None:
    shared = knowledge_base_create(
        actor=None, department=world.office, name="Quy chế chung", visibility="organization"
    )
    response = _client(world.user("builder")).post(
        f"{T}hoi-dap-quy-che-noi-bo/clone/",
        {"department": world.department.pk, "knowledge_base_ids": [shared.pk]},
        format="json",
    )
    assert response.status_code == 201, response.content
    assistant = Assistant.objects.get(pk=response.json()["assistant"]["id"])
    draft = assistant.versions.get(state=VersionState.DRAFT)
    assert list(draft.knowledge_bases.all()) == [shared]


def test_a_member_may_not_clone_and_another_organization_sees_nothing(world: World) -> None:
    events = AuditEvent.objects.count()
    member = _client(world.user("member"))
    assert member.post(f"{T}tom-tat-van-ban/clone/", {"department": world.department.pk}).status_code == 403
    stranger = make_member(make_department(world.other_organization, "Sở Xa"), Role.BUILDER)
    outside = _client(stranger).post(f"{T}tom-tat-van-ban/clone/", {"department": world.department.pk})
    assert outside.status_code == 404
    unknown = _client(world.user("builder")).post(f"{T}khong-co/clone/", {"department": world.department.pk})
    assert unknown.status_code == 404
    assert AuditEvent.objects.count() == events
    assert not Assistant.objects.exists()


def _counts() -> tuple[int, int, int, int]:
    return (
        Assistant.objects.count(),
        Assistant.objects.filter(published_version__isnull=False).count(),
        KnowledgeBase.objects.count(),
        Document.objects.count(),
    )


def test_seed_templates_is_idempotent(db: None) -> None:
    call_command("seed_demo")
    call_command("seed_templates", "--no-index")
    first = _counts()
    call_command("seed_templates", "--no-index")
    assert _counts() == first
    organization = Organization.objects.get(slug="ubnd-gia-lai")
    tu_phap = Department.objects.get(organization=organization, code="so-tu-phap")
    office = Department.objects.get(organization=organization, code="vp-ubnd")
    assert Assistant.objects.filter(department=tu_phap).count() == len(SLUGS)
    assert list(Assistant.objects.filter(department=office).values_list("slug", flat=True)) == [
        "soan-thao-van-ban-nd30-2"
    ]
    assert first[1] == first[0] == len(SLUGS) + 1  # every clone is published
    sample = KnowledgeBase.objects.get(name="Quy chế nội bộ và văn bản hướng dẫn")
    assert sample.visibility == "organization" and sample.department == tu_phap
    regulations = Assistant.objects.get(department=tu_phap, slug="hoi-dap-quy-che-noi-bo")
    assert regulations.published_version is not None
    assert list(regulations.published_version.knowledge_bases.all()) == [sample]
    from assistants.management.commands.seed_templates import SAMPLE_KNOWLEDGE, default_data_dir

    # Every kind of knowledge a template asks for has its small, real knowledge base, and each
    # demo assistant of such a template is published with it.
    for kind, spec in SAMPLE_KNOWLEDGE.items():
        knowledge_base = KnowledgeBase.objects.get(department=tu_phap, name=spec.name)
        present = [p for p in spec.documents if (default_data_dir() / p).is_file()]
        assert present, f"{spec.name}: none of its documents is in the shared data folder"
        assert knowledge_base.documents.count() == len(present)
        for template in templates.template_list():
            if template.knowledge == kind:
                assistant = Assistant.objects.get(department=tu_phap, slug=template.slug)
                assert assistant.published_version is not None
                assert list(assistant.published_version.knowledge_bases.all()) == [knowledge_base]
    assert {t.knowledge for t in templates.template_list() if t.knowledge} <= set(SAMPLE_KNOWLEDGE)


def test_seed_templates_without_shared_data_skips_documents(db: None, tmp_path: Path) -> None:
    call_command("seed_demo")
    call_command("seed_templates", "--no-index", "--data-dir", str(tmp_path / "absent"))
    assert Document.objects.count() == 0
    assert Assistant.objects.filter(published_version__isnull=False).count() == len(SLUGS) + 1


def test_the_spreadsheet_template_tells_the_model_about_total_rows() -> None:
    instructions = templates.template_get("phan-tich-bang-tinh").instructions

    assert "loai_dong = 'chi_tiet'" in instructions
    assert "TỔNG CỘNG" in instructions and "dòng cộng" in instructions


def test_a_clone_takes_the_name_given_which_must_be_unique_in_its_department(world: World) -> None:
    builder = _client(world.user("builder"))
    url = f"{T}hoi-dap-quy-che-noi-bo/clone/"
    department = world.department.pk
    named = builder.post(url, {"department": department, "name": "Hỏi đáp quy chế Sở"}, format="json")
    assert named.status_code == 201, named.content
    assert named.json()["assistant"]["name"] == "Hỏi đáp quy chế Sở"
    taken = builder.post(
        url,
        {"department": department, "name": " hỏi đáp quy chế sở "},
        format="json",
        HTTP_ACCEPT_LANGUAGE="vi",
    )
    assert taken.status_code == 400
    error = taken.json()["error"]
    assert error["details"]["name"] == [error["message"]]
    assert "đã có trợ lý" in error["message"] and "hỏi đáp quy chế sở" in error["message"]
    # Without a name it takes the template's; a second such clone would be a second of that name.
    assert builder.post(url, {"department": department}, format="json").status_code == 201
    assert builder.post(url, {"department": department}, format="json").status_code == 400
    assert Assistant.objects.filter(department=world.department).count() == 2
    elsewhere = _client(world.user("org_admin")).post(
        url, {"department": world.other_department.pk}, format="json"
    )
    assert elsewhere.status_code == 201


def test_a_clone_that_answers_only_from_knowledge_says_when_it_has_none(world: World) -> None:
    builder = _client(world.user("builder"))
    url = f"{T}hoi-dap-quy-che-noi-bo/clone/"
    bare = builder.post(url, {"department": world.department.pk}, format="json", HTTP_ACCEPT_LANGUAGE="vi")
    assert bare.status_code == 201
    assert any("chỉ trả lời từ kho tri thức" in w for w in bare.json()["warnings"])
    own = knowledge_base_create(actor=None, department=world.department, name="Quy chế của Sở")
    linked = builder.post(
        url,
        {"department": world.department.pk, "name": "Quy chế (có kho)", "knowledge_base_ids": [own.pk]},
        format="json",
        HTTP_ACCEPT_LANGUAGE="vi",
    )
    assert linked.status_code == 201, linked.content
    assert linked.json()["warnings"] == []


@pytest.mark.parametrize(
    ("slug", "starter", "article"),
    [
        ("tra-cuu-thu-tuc-hanh-chinh", "Đăng ký khai tử trong thời hạn bao lâu", "Điều 33. Thời hạn"),
        ("hoi-dap-tiep-cong-dan", "Thời hiệu khiếu nại lần đầu là bao lâu?", "Điều 9. Thời hiệu khiếu nại"),
    ],
)
def test_a_demo_assistants_starter_finds_its_passage_in_its_sample_knowledge(
    db: None, monkeypatch: pytest.MonkeyPatch, slug: str, starter: str, article: str
) -> None:
    """A starter question of a demo assistant that answers from knowledge is answered by its sample
    knowledge base: the article that answers it is among the first passages."""
    from knowledge.ingestion import pipeline
    from knowledge.search.retrieval import retrieve
    from tests.knowledge.pipeline_helpers import use_hash_embedder

    use_hash_embedder(monkeypatch)
    call_command("seed_demo")
    call_command("seed_templates", "--no-index")
    assistant = Assistant.objects.get(department__code="so-tu-phap", slug=slug)
    assert assistant.published_version is not None
    assert any(s.startswith(starter) for s in assistant.published_version.conversation_starters)
    knowledge_bases = list(assistant.published_version.knowledge_bases.all())
    for document in Document.objects.filter(knowledge_base__in=knowledge_bases):
        pipeline.index_document_inline(document)
    hits = retrieve(knowledge_bases=knowledge_bases, query=starter, mode="keyword", top_k=3)
    assert any(hit.section_title.startswith(article) for hit in hits), [h.section_title for h in hits]
