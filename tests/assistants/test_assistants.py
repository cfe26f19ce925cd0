"""Assistants through the API: create, update, visibility, sharing, duplicate, export and import,
delete — each with its audit event."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.db import transaction
from rest_framework.test import APIClient

from assistants.catalog import selectors
from assistants.catalog.versions import version_publish
from assistants.models import Assistant, Conversation, VersionState
from bureau.audit.models import AuditEvent
from bureau.exceptions import NotFound
from bureau.tenancy.access import ApiKeyActor
from bureau.tenancy.models import Role
from bureau.tenancy.services import api_key_create
from knowledge.services import knowledge_base_create
from tests.factories import World, api_client, make_department, make_member

A = "/api/v1/assistants/"


def _create(client: APIClient, **body: Any) -> dict[str, Any]:
    response = client.post(A, {"name": "Hỏi đáp thủ tục", **body}, format="json")
    assert response.status_code == 201, response.content
    return response.json()


@dataclass(frozen=True)
class Logged:
    before: dict[str, Any]
    after: dict[str, Any]
    actor_id: int | None


def _last_event(action: str) -> Logged:
    event = AuditEvent.objects.filter(action=action).latest("id")
    return Logged(event.before or {}, event.after or {}, event.actor_id)


def test_create_folds_the_slug_and_keeps_it_unique(world: World) -> None:
    builder = api_client(world, "builder")
    first = _create(builder, name="Trợ lý Đất đai")
    second = _create(builder, name="Trợ lý Đất đai")
    assert first["slug"] == "tro-ly-dat-dai" and second["slug"] == "tro-ly-dat-dai-2"
    assert first["department"] == world.department.pk  # the builder's own department by default
    assert first["permissions"] == {"read_config": True, "edit": True, "manage": True}
    assert first["published_version"] is None and first["conversation_starters"] == []
    event = _last_event("assistant.create")
    assert event.after["slug"] == "tro-ly-dat-dai-2" and event.actor_id == world.user("builder").pk
    assert Assistant.objects.get(pk=second["id"]).versions.get().state == VersionState.DRAFT
    taken = builder.post(A, {"name": "Khác", "slug": "tro-ly-dat-dai"}, format="json")
    assert taken.status_code == 409


def test_update_writes_the_diff_and_visibility_needs_the_owner(world: World) -> None:
    builder = api_client(world, "builder")
    assistant = _create(builder)
    url = f"{A}{assistant['id']}/"
    response = builder.patch(url, {"description": "Thủ tục hành chính", "avatar": "📜"}, format="json")
    assert response.status_code == 200
    event = _last_event("assistant.update")
    assert event.before == {"description": "", "avatar": ""}
    assert event.after == {"description": "Thủ tục hành chính", "avatar": "📜"}
    # An editor by share may rename it but not change who sees it.
    helper = make_member(world.other_department, Role.MEMBER)
    with transaction.atomic():
        from assistants.catalog.services import share_add

        share_add(
            actor=None, assistant=Assistant.objects.get(pk=assistant["id"]), role="editor", email=helper.email
        )
    client = APIClient()
    client.force_authenticate(helper)
    assert client.patch(url, {"name": "Tên mới"}, format="json").status_code == 200
    assert client.patch(url, {"visibility": "organization"}, format="json").status_code == 403
    assert client.delete(url).status_code == 403


def test_private_assistants_hide_from_members_but_not_their_creator(world: World) -> None:
    member = world.user("member")
    with transaction.atomic():
        from assistants.catalog.services import assistant_create

        mine = assistant_create(actor=member, department=world.department, name="Nháp", visibility="private")
    hidden = _create(api_client(world, "builder"), name="Riêng", visibility="private")
    member_client = api_client(world, "member")
    assert member_client.get(f"{A}{hidden['id']}/").status_code == 404
    assert member_client.get(f"{A}{mine.pk}/").status_code == 200
    ids = {row["id"] for row in member_client.get(A).json()["results"]}
    assert mine.pk in ids and hidden["id"] not in ids
    assert api_client(world, "auditor").get(f"{A}{hidden['id']}/").status_code == 200
    assert api_client(world, "outsider").get(f"{A}{hidden['id']}/").status_code == 404


def test_organization_visibility_and_shares_reach_other_departments(world: World) -> None:
    builder = api_client(world, "builder")
    shared = _create(builder, name="Chung", visibility="organization")
    private = _create(builder, name="Riêng tư", visibility="private")
    outsider = api_client(world, "outsider")
    assert outsider.get(f"{A}{shared['id']}/").status_code == 200
    assert outsider.get(f"{A}{private['id']}/").status_code == 404
    # Share with the outsider's department as viewer: visible, but not its configuration.
    response = builder.post(
        f"{A}{private['id']}/shares/", {"department": world.other_department.pk}, format="json"
    )
    assert response.status_code == 201 and response.json()["role"] == "viewer"
    assert _last_event("assistant.share_add").after == {
        "user": None,
        "department": world.other_department.pk,
        "role": "viewer",
        "created": True,
    }
    assert outsider.get(f"{A}{private['id']}/").status_code == 200
    assert outsider.get(f"{A}{private['id']}/draft/").status_code == 403
    assert outsider.patch(f"{A}{private['id']}/draft/", {"top_k": 3}, format="json").status_code == 403
    # An "editor" department share lets that department's builders edit, not its members.
    builder.post(
        f"{A}{private['id']}/shares/",
        {"department": world.other_department.pk, "role": "editor"},
        format="json",
    )
    assert outsider.patch(f"{A}{private['id']}/draft/", {"top_k": 3}, format="json").status_code == 403
    other_builder = APIClient()
    other_builder.force_authenticate(make_member(world.other_department, Role.BUILDER))
    assert other_builder.patch(f"{A}{private['id']}/draft/", {"top_k": 3}, format="json").status_code == 200
    # Removing the share hides it again.
    share_id = builder.get(f"{A}{private['id']}/shares/").json()["results"][0]["id"]
    assert builder.delete(f"{A}{private['id']}/shares/{share_id}/").status_code == 204
    assert _last_event("assistant.share_remove").before["role"] == "editor"
    assert outsider.get(f"{A}{private['id']}/").status_code == 404


def test_sharing_stays_inside_the_organization(world: World) -> None:
    builder = api_client(world, "builder")
    assistant = _create(builder)
    url = f"{A}{assistant['id']}/shares/"
    stranger_org = make_department(world.other_organization)
    stranger = make_member(stranger_org, Role.MEMBER)
    assert builder.post(url, {"email": stranger.email}, format="json").status_code == 400
    assert builder.post(url, {"department": stranger_org.pk}, format="json").status_code == 400
    both = {"email": world.user("outsider").email, "department": world.office.pk}
    assert builder.post(url, both, format="json").status_code == 400
    ok = builder.post(url, {"email": world.user("outsider").email.upper(), "role": "editor"}, format="json")
    assert ok.status_code == 201 and ok.json()["email"] == world.user("outsider").email


def test_duplicate_copies_the_draft_not_the_shares(world: World) -> None:
    builder = api_client(world, "builder")
    source = _create(builder, name="Gốc")
    builder.patch(
        f"{A}{source['id']}/draft/",
        {"instructions": "Luôn dẫn nguồn.", "conversation_starters": ["Thủ tục cấp phép?"], "top_k": 4},
        format="json",
    )
    builder.post(f"{A}{source['id']}/shares/", {"department": world.other_department.pk}, format="json")
    response = builder.post(f"{A}{source['id']}/duplicate/", {}, format="json")
    assert response.status_code == 201, response.content
    copy = response.json()
    assert copy["name"].startswith("Gốc (") and copy["slug"] != source["slug"]
    draft = builder.get(f"{A}{copy['id']}/draft/").json()
    assert draft["instructions"] == "Luôn dẫn nguồn." and draft["top_k"] == 4
    assert draft["conversation_starters"] == ["Thủ tục cấp phép?"]
    assert builder.get(f"{A}{copy['id']}/shares/").json()["count"] == 0
    event = _last_event("assistant.duplicate")
    assert event.after["source"] == source["id"] and event.after["config"]["top_k"] == 4


def test_export_then_import_relinks_only_usable_knowledge(world: World) -> None:
    builder = api_client(world, "builder")
    with transaction.atomic():
        ours = knowledge_base_create(actor=None, department=world.department, name="Của sở")
        theirs = knowledge_base_create(
            actor=None, department=world.other_department, name="Của sở khác", visibility="private"
        )
    source = _create(builder, name="Xuất")
    builder.patch(
        f"{A}{source['id']}/draft/",
        {"instructions": "Chỉ dựa vào tài liệu.", "knowledge_base_ids": [ours.pk], "knowledge_only": True},
        format="json",
    )
    exported = builder.get(f"{A}{source['id']}/export/").json()
    assert exported["format"] == "bureau.assistant/v1"
    assert exported["config"]["knowledge_bases"] == [{"id": ours.pk, "name": "Của sở"}]
    # Someone else's export names a knowledge base this builder may not use.
    exported["config"]["knowledge_bases"].append({"id": theirs.pk, "name": "Của sở khác"})
    response = builder.post(f"{A}import/", exported, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert len(body["warnings"]) == 1 and "Của sở khác" in body["warnings"][0]
    imported = body["assistant"]
    draft = builder.get(f"{A}{imported['id']}/draft/").json()
    assert [kb["id"] for kb in draft["knowledge_bases"]] == [ours.pk]
    assert draft["instructions"] == "Chỉ dựa vào tài liệu." and draft["knowledge_only"] is True
    event = _last_event("assistant.import")
    assert event.after["config"]["knowledge_bases"] == [ours.pk] and event.after["warnings"]
    wrong = builder.post(f"{A}import/", {**exported, "format": "other/v9"}, format="json")
    assert wrong.status_code == 400


def test_delete_cascades_but_not_under_legal_hold(world: World) -> None:
    builder = api_client(world, "builder")
    assistant = _create(builder)
    instance = Assistant.objects.get(pk=assistant["id"])
    with transaction.atomic():
        version = version_publish(actor=None, assistant=instance)
    Conversation.objects.create(assistant=instance, version=version, user=world.user("member"))
    Assistant.objects.filter(pk=instance.pk).update(legal_hold=True)
    assert builder.delete(f"{A}{assistant['id']}/").status_code == 409
    Assistant.objects.filter(pk=instance.pk).update(legal_hold=False)
    assert builder.delete(f"{A}{assistant['id']}/").status_code == 204
    assert not Assistant.objects.filter(pk=instance.pk).exists()
    assert not Conversation.objects.filter(assistant_id=instance.pk).exists()
    assert _last_event("assistant.delete").before["conversations"] == 1


def test_selectors_for_chat(world: World) -> None:
    builder = api_client(world, "builder")
    draft_only = _create(builder, name="Chưa phát hành")
    live = _create(builder, name="Đang chạy")
    with transaction.atomic():
        version_publish(actor=None, assistant=Assistant.objects.get(pk=live["id"]))
    member = world.user("member")
    assert [a.pk for a in selectors.assistant_list_usable_by(actor=member)] == [live["id"]]
    assert selectors.assistant_get_by_slug_for(actor=member, slug=live["slug"]).pk == live["id"]
    assert selectors.assistant_get_by_slug_for(actor=member, slug=draft_only["slug"]).pk == draft_only["id"]
    with pytest.raises(NotFound):
        selectors.assistant_get_by_slug_for(actor=world.user("outsider"), slug=live["slug"])
    # An API key acts in its department: a "read" key uses, a "write" key builds.
    with transaction.atomic():
        reader = ApiKeyActor(
            api_key_create(actor=None, department=world.department, name="r", scopes=["read"]).api_key
        )
        writer = ApiKeyActor(
            api_key_create(actor=None, department=world.department, name="w", scopes=["write"]).api_key
        )
    assert [a.pk for a in selectors.assistant_list_usable_by(actor=reader)] == [live["id"]]
    assert (
        selectors.assistant_rights(actor=reader, assistant=Assistant.objects.get(pk=live["id"])).edit is False
    )
    assert selectors.assistant_get_for(actor=writer, assistant_id=live["id"], write=True).pk == live["id"]
