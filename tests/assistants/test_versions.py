"""The draft and its versions: validation, secrets, publishing, immutability, rollback and diffs."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from rest_framework.test import APIClient

from assistants.catalog.versions import apply_config
from assistants.models import Assistant, AssistantVersion, VersionState
from bureau.audit.models import AuditEvent
from bureau.exceptions import Conflict
from bureau.llm.models import ModelProvider
from bureau.security.crypto import decrypt_secret
from knowledge.models import KnowledgeBase
from knowledge.services import knowledge_base_create
from tests.factories import World

A = "/api/v1/assistants/"
SECRET = "sk-bi-mat-cua-so-2024"
OPENAPI = {
    "openapi": "3.0.0",
    "info": {"title": "Tra cứu hồ sơ", "version": "1"},
    "servers": [{"url": "https://dichvucong.example.vn"}],
    "paths": {
        "/ho-so/{ma}": {
            "get": {
                "operationId": "tra_cuu_ho_so",
                "summary": "Tra cứu hồ sơ",
                "parameters": [{"name": "ma", "in": "path", "required": True, "schema": {"type": "string"}}],
                "responses": {"200": {"description": "ok"}},
            }
        }
    },
}


def _http_tool(**extra: Any) -> dict[str, Any]:
    settings = {"openapi": OPENAPI, "allowed_hosts": ["dichvucong.example.vn"], "auth": {"type": "bearer"}}
    return {"kind": "http_action", "name": "ho_so", "settings": settings, **extra}


@pytest.fixture
def builder(world: World) -> APIClient:
    client = APIClient()
    client.force_authenticate(world.user("builder"))
    return client


@pytest.fixture
def assistant(builder: APIClient) -> dict[str, Any]:
    response = builder.post(A, {"name": "Trợ lý hồ sơ"}, format="json")
    assert response.status_code == 201
    return response.json()


def _draft_url(assistant: dict[str, Any]) -> str:
    return f"{A}{assistant['id']}/draft/"


@dataclass(frozen=True)
class Logged:
    before: dict[str, Any]
    after: dict[str, Any]
    actor_id: int | None


def _event(action: str) -> Logged:
    event = AuditEvent.objects.filter(action=action).latest("id")
    return Logged(event.before or {}, event.after or {}, event.actor_id)


def test_draft_update_validates_and_audits_the_diff(builder: APIClient, assistant: dict[str, Any]) -> None:
    url = _draft_url(assistant)
    response = builder.patch(
        url,
        {"instructions": "Trả lời ngắn gọn.", "temperature": 0.7, "max_tokens": 2000, "min_similarity": 0.3},
        format="json",
    )
    assert response.status_code == 200, response.content
    event = _event("assistant.draft_update")
    assert event.before == {
        "instructions": "",
        "temperature": 0.2,
        "max_tokens": 1024,
        "min_similarity": None,
    }
    assert event.after == {
        "instructions": "Trả lời ngắn gọn.",
        "temperature": 0.7,
        "max_tokens": 2000,
        "min_similarity": 0.3,
    }
    for body, field in [
        ({"temperature": 2.5}, "temperature"),
        ({"max_tokens": 0}, "max_tokens"),
        ({"top_k": 21}, "top_k"),
        ({"min_similarity": -1.5}, "min_similarity"),
        ({"conversation_starters": ["a"] * 7}, "conversation_starters"),
        ({"conversation_starters": ["x" * 201]}, "conversation_starters"),
        ({"tools": [{"kind": "no_such_kind", "name": "x", "settings": {}}]}, "tools"),
        ({"tools": [{"kind": "calculator", "name": "tên có dấu", "settings": {}}]}, "tools"),
        ({"model_provider": 999_999}, "model_provider"),
    ]:
        bad = builder.patch(url, body, format="json")
        assert bad.status_code == 400, body
        assert field in bad.json()["error"]["details"], body
    assert builder.get(url).json()["temperature"] == 0.7  # nothing half-applied


def test_model_provider_must_belong_to_the_organization(
    world: World, builder: APIClient, assistant: dict[str, Any]
) -> None:
    ours = ModelProvider.objects.create(
        organization=world.organization,
        name="vLLM nội bộ",
        base_url="http://llm.local/v1",
        chat_models=["qwen2.5-14b"],
        default_chat_model="qwen2.5-14b",
    )
    theirs = ModelProvider.objects.create(
        organization=world.other_organization, name="Khác", base_url="http://x.local/v1"
    )
    url = _draft_url(assistant)
    assert builder.patch(url, {"model_provider": theirs.pk}, format="json").status_code == 400
    response = builder.patch(url, {"model_provider": ours.pk}, format="json")
    assert response.status_code == 200 and response.json()["model_name"] == "qwen2.5-14b"
    unknown = builder.patch(url, {"model_provider": ours.pk, "model_name": "gpt-9"}, format="json")
    assert unknown.status_code == 400 and "model_name" in unknown.json()["error"]["details"]


def test_knowledge_bases_must_be_usable_and_share_one_embedding_profile(
    world: World, builder: APIClient, assistant: dict[str, Any]
) -> None:
    with transaction.atomic():
        ours = knowledge_base_create(actor=None, department=world.department, name="Quy chế")
        hidden = knowledge_base_create(
            actor=None, department=world.other_department, name="Mật", visibility="private"
        )
        shared = knowledge_base_create(
            actor=None, department=world.other_department, name="Chung", visibility="organization"
        )
    other_model = KnowledgeBase.objects.create(
        organization=world.organization,
        department=world.department,
        name="OpenAI",
        embedding_provider="openai",
        embedding_model="text-embedding-3-small",
        embedding_dimension=1536,
    )
    url = _draft_url(assistant)
    assert builder.patch(url, {"knowledge_base_ids": [ours.pk, hidden.pk]}, format="json").status_code == 404
    mixed = builder.patch(url, {"knowledge_base_ids": [ours.pk, other_model.pk]}, format="json")
    assert mixed.status_code == 400
    # The message names the problem (in the request's language), not the generic "not valid".
    assert mixed.json()["error"]["message"].startswith(("These knowledge bases", "Các kho tri thức"))
    assert "knowledge_base_ids" in mixed.json()["error"]["details"]
    assert AuditEvent.objects.filter(action="assistant.draft_update").count() == 0
    ok = builder.patch(url, {"knowledge_base_ids": [ours.pk, shared.pk]}, format="json")
    assert ok.status_code == 200
    assert [kb["id"] for kb in ok.json()["knowledge_bases"]] == sorted([ours.pk, shared.pk])
    assert _event("assistant.draft_update").after == {"knowledge_bases": sorted([ours.pk, shared.pk])}


def test_tool_secrets_are_encrypted_kept_and_never_shown(
    world: World, builder: APIClient, assistant: dict[str, Any]
) -> None:
    url = _draft_url(assistant)
    response = builder.patch(url, {"tools": [_http_tool(secret=SECRET)]}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["tools"][0]["has_secret"] is True
    stored = AssistantVersion.objects.get(assistant_id=assistant["id"], state="draft").tools[0]
    assert SECRET not in json.dumps(stored) and decrypt_secret(stored["secret_encrypted"]) == SECRET
    # Sent back without its secret (as the API shows it), the tool keeps the one it had.
    shown = response.json()["tools"][0]
    again = builder.patch(
        url, {"tools": [{k: shown[k] for k in ("kind", "name", "settings")}], "top_k": 3}, format="json"
    )
    assert again.json()["tools"][0]["has_secret"] is True
    publish = builder.post(f"{A}{assistant['id']}/publish/", {"changelog": "v1"}, format="json")
    bodies = [
        response.content,
        again.content,
        publish.content,
        builder.get(url).content,
        builder.get(f"{A}{assistant['id']}/versions/1/").content,
        builder.get(f"{A}{assistant['id']}/export/").content,
    ]
    rows = AuditEvent.objects.filter(target_id=str(assistant["id"])).values_list("before", "after")
    everything = b"".join(bodies).decode() + json.dumps(list(rows), ensure_ascii=False)
    assert SECRET not in everything and stored["secret_encrypted"] not in everything
    assert _event("assistant.draft_update").after == {"top_k": 3}
    cleared = builder.patch(url, {"tools": [_http_tool(secret="")]}, format="json")
    assert cleared.json()["tools"][0]["has_secret"] is False
    assert _event("assistant.draft_update").after == {
        "tools": [{**_http_tool(), "settings": cleared.json()["tools"][0]["settings"], "has_secret": False}],
        "tool_secrets_changed": True,
    }


def test_publish_freezes_numbered_versions_and_retires_the_previous(
    builder: APIClient, assistant: dict[str, Any]
) -> None:
    base = f"{A}{assistant['id']}/"
    builder.patch(
        base + "draft/", {"instructions": "Phiên bản một.", "conversation_starters": ["Chào"]}, format="json"
    )
    first = builder.post(base + "publish/", {"changelog": "Bản đầu"}, format="json")
    assert first.status_code == 201
    assert first.json()["number"] == 1 and first.json()["state"] == "published"
    assert len(first.json()["config_hash"]) == 64
    event = _event("assistant.publish")
    # The first version is compared with nothing: every field appears, from null.
    assert event.before["version"] is None and set(event.before.values()) == {None}
    assert event.after["version"] == 1 and event.after["changelog"] == "Bản đầu"
    assert event.after["instructions"] == "Phiên bản một."
    detail = builder.get(base).json()
    assert detail["published_version"] == 1 and detail["conversation_starters"] == ["Chào"]
    builder.patch(base + "draft/", {"instructions": "Phiên bản hai."}, format="json")
    second = builder.post(base + "publish/", {"changelog": "Sửa lời dặn"}, format="json").json()
    assert second["number"] == 2 and second["config_hash"] != first.json()["config_hash"]
    assert _event("assistant.publish").before == {"version": 1, "instructions": "Phiên bản một."}
    assert _event("assistant.publish").after == {
        "version": 2,
        "changelog": "Sửa lời dặn",
        "instructions": "Phiên bản hai.",
    }
    listing = builder.get(base + "versions/").json()["results"]
    assert [(v["number"], v["state"]) for v in listing] == [(2, "published"), (1, "retired")]
    assert builder.get(base + "versions/1/").json()["instructions"] == "Phiên bản một."
    assert builder.get(base + "versions/9/").status_code == 404


def test_a_published_version_cannot_be_changed(
    world: World, builder: APIClient, assistant: dict[str, Any]
) -> None:
    base = f"{A}{assistant['id']}/"
    builder.patch(base + "draft/", {"instructions": "Bản gốc."}, format="json")
    builder.post(base + "publish/", {}, format="json")
    version = AssistantVersion.objects.get(assistant_id=assistant["id"], number=1)
    # The service refuses to edit anything but a draft.
    with pytest.raises(Conflict), transaction.atomic():
        apply_config(actor=world.user("builder"), draft=version, changes={"instructions": "Sửa lén."})
    # The database refuses too, whoever writes: the row, a bulk update, its knowledge base links.
    version.instructions = "Sửa lén."
    with pytest.raises(IntegrityError), transaction.atomic():
        version.save()
    with pytest.raises(IntegrityError), transaction.atomic():
        AssistantVersion.objects.filter(pk=version.pk).update(temperature=1.5)
    with transaction.atomic():
        kb = knowledge_base_create(actor=None, department=world.department, name="Thêm sau")
    with pytest.raises(IntegrityError), transaction.atomic():
        version.knowledge_bases.add(kb)
    # Retiring is the one change allowed, and a retired version never comes back.
    AssistantVersion.objects.filter(pk=version.pk).update(state=VersionState.RETIRED)
    with pytest.raises(IntegrityError), transaction.atomic():
        AssistantVersion.objects.filter(pk=version.pk).update(state=VersionState.PUBLISHED)
    version.refresh_from_db()
    assert version.instructions == "Bản gốc." and version.temperature == 0.2
    assert not version.knowledge_bases.exists()
    # There is no route that writes to a numbered version.
    assert builder.patch(base + "versions/1/", {"instructions": "x"}, format="json").status_code == 405
    # The draft stays editable.
    assert builder.patch(base + "draft/", {"instructions": "Bản mới."}, format="json").status_code == 200


def test_rollback_publishes_the_old_content_as_a_new_version(
    builder: APIClient, assistant: dict[str, Any]
) -> None:
    base = f"{A}{assistant['id']}/"
    builder.patch(base + "draft/", {"instructions": "Một.", "top_k": 4}, format="json")
    v1 = builder.post(base + "publish/", {}, format="json").json()
    builder.patch(base + "draft/", {"instructions": "Hai.", "top_k": 8}, format="json")
    builder.post(base + "publish/", {}, format="json")
    response = builder.post(base + "versions/1/rollback/", {"changelog": "Quay lại bản 1"}, format="json")
    assert response.status_code == 201, response.content
    v3 = response.json()
    assert v3["number"] == 3 and v3["instructions"] == "Một." and v3["changelog"] == "Quay lại bản 1"
    assert v3["config_hash"] == v1["config_hash"]
    draft = builder.get(base + "draft/").json()
    assert draft["instructions"] == "Một." and draft["top_k"] == 4
    event = _event("assistant.rollback")
    assert event.before == {"version": 2, "instructions": "Hai.", "top_k": 8}
    assert event.after == {
        "version": 3,
        "from_version": 1,
        "changelog": "Quay lại bản 1",
        "instructions": "Một.",
        "top_k": 4,
    }
    states = dict(Assistant.objects.get(pk=assistant["id"]).versions.values_list("number", "state"))
    assert states == {None: "draft", 1: "retired", 2: "retired", 3: "published"}


def test_diff_between_versions(builder: APIClient, assistant: dict[str, Any]) -> None:
    base = f"{A}{assistant['id']}/"
    builder.patch(base + "draft/", {"instructions": "Một.", "knowledge_only": True}, format="json")
    builder.post(base + "publish/", {}, format="json")
    builder.patch(
        base + "draft/", {"instructions": "Hai.", "refusal_message": "Không có thông tin."}, format="json"
    )
    builder.post(base + "publish/", {}, format="json")
    diff = builder.get(base + "versions/2/diff", {"against": 1}).json()
    assert diff["version"] == 2 and diff["against"] == 1
    assert diff["changes"] == {
        "instructions": {"before": "Một.", "after": "Hai."},
        "refusal_message": {"before": "", "after": "Không có thông tin."},
    }
    assert builder.get(base + "versions/2/diff").json()["changes"] == diff["changes"]  # default: previous
    first = builder.get(base + "versions/1/diff").json()
    assert first["against"] is None and first["changes"]["knowledge_only"] == {"before": None, "after": True}
    builder.patch(base + "draft/", {"top_k": 2}, format="json")
    against_draft = builder.get(base + "versions/2/diff", {"against": "draft"}).json()
    assert against_draft["changes"] == {"top_k": {"before": 2, "after": 6}}
    assert builder.get(base + "versions/2/diff", {"against": 7}).status_code == 404


def test_tool_settings_that_are_not_a_json_object_or_unknown_to_the_kind_are_refused(
    builder: APIClient, assistant: dict[str, Any]
) -> None:
    """Settings the builder mistyped are refused with the tool's index, never stored as `{}`."""
    url = _draft_url(assistant)
    tool = {"kind": "analyze_table", "name": "bang", "settings": {"max_rows": 50}}
    assert builder.patch(url, {"tools": [tool]}, format="json").status_code == 200
    for settings in ['{"max_rows": 5', None, [1, 2], {"max_rows": 50, "so_dong_toi_da": 3}]:
        bad = builder.patch(url, {"tools": [{**tool, "settings": settings}]}, format="json")
        assert bad.status_code == 400, settings
        problems = bad.json()["error"]["details"]["tools"]
        assert list(problems) == ["0"] and problems["0"][0], settings
    assert "so_dong_toi_da" in bad.json()["error"]["details"]["tools"]["0"][0]
    assert builder.get(url).json()["tools"][0]["settings"] == {"max_rows": 50}


def test_the_assistant_says_whether_its_draft_differs_from_the_published_version(
    builder: APIClient, assistant: dict[str, Any]
) -> None:
    base = f"{A}{assistant['id']}/"
    assert builder.get(base).json()["unpublished_changes"] is False  # nothing published yet
    builder.patch(base + "draft/", {"instructions": "Một."}, format="json")
    builder.post(base + "publish/", {}, format="json")
    published = builder.get(base).json()
    assert published["unpublished_changes"] is False
    builder.patch(base + "draft/", {"instructions": "Hai."}, format="json")
    edited = builder.get(base).json()
    assert edited["unpublished_changes"] is True
    draft = builder.get(base + "draft/").json()
    # "Last edited" is the draft's save, not the assistant row's (which the draft does not touch).
    assert edited["last_edited_at"] == draft["updated_at"] > published["updated_at"]
    listed = next(a for a in builder.get(A).json()["results"] if a["id"] == assistant["id"])
    assert listed["unpublished_changes"] is True and listed["last_edited_at"] == draft["updated_at"]
    # Back to what is published: no change to publish, even though the draft was saved since.
    builder.patch(base + "draft/", {"instructions": "Một."}, format="json")
    assert builder.get(base).json()["unpublished_changes"] is False
    builder.patch(base + "draft/", {"top_k": 9}, format="json")
    builder.post(base + "versions/1/rollback/", {}, format="json")
    assert builder.get(base).json()["unpublished_changes"] is False
