"""The access rules written once (bureau/tenancy/conditions.py): the ORM form and the SQL form that
the chat turn's written-out statements use select the same rows, for every kind of actor."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection, transaction

from assistants.conversations.services import conversation_owner_condition
from assistants.models import Conversation
from bureau.tenancy.access import ApiKeyActor, access_of
from bureau.tenancy.conditions import Condition
from bureau.tenancy.models import Role
from bureau.tenancy.services import api_key_create
from knowledge.models import KnowledgeBase, KnowledgeBaseGrant
from knowledge.selectors import knowledge_base_readable_condition
from tests.assistants.chat_helpers import make_assistant
from tests.factories import ROLES, World, make_department, make_member

ACTORS = [
    *ROLES,
    "granted_member",
    "third_department",
    "other_organization",
    "key_read",
    "key_write",
    "nobody",
]


def _actor(world: World, name: str, extra: dict[str, Any]) -> Any:
    if name in world.users:
        return world.user(name)
    return extra[name]


@pytest.fixture
def extra(world: World) -> dict[str, Any]:
    granted_department = make_department(world.organization, "Sở Nội vụ được chia sẻ")
    third = make_department(world.organization, "Sở Tài chính")
    elsewhere = make_department(world.other_organization, "Sở ở tỉnh khác")
    with transaction.atomic():
        read = api_key_create(actor=None, department=world.department, name="r", scopes=["read"]).api_key
        write = api_key_create(
            actor=None, department=world.department, name="w", scopes=["read", "write"]
        ).api_key
    from django.contrib.auth.models import AnonymousUser

    return {
        "granted_department": granted_department,
        "elsewhere": elsewhere,
        "granted_member": make_member(granted_department, Role.MEMBER),
        "third_department": make_member(third, Role.MEMBER),
        "other_organization": make_member(elsewhere, Role.BUILDER),
        "key_read": ApiKeyActor(read),
        "key_write": ApiKeyActor(write),
        "nobody": AnonymousUser(),
    }


def _kb(department: Any, visibility: str, scope: str = "") -> KnowledgeBase:
    return KnowledgeBase.objects.create(
        organization_id=department.organization_id,
        department=department,
        name=f"{department.name} {visibility} {scope}",
        visibility=visibility,
        scope=scope,
    )


def _selected(table: str, condition: Condition) -> set[int]:
    where, params = condition.where("t")
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT t."id" FROM "{table}" t WHERE {where}', params)
        return {row[0] for row in cursor.fetchall()}


@pytest.mark.parametrize("name", ACTORS)
def test_the_knowledge_rule_selects_the_same_rows_in_the_orm_and_in_sql(
    world: World, extra: dict[str, Any], name: str
) -> None:
    made = []
    for department in (
        world.department,
        world.other_department,
        extra["granted_department"],
        extra["elsewhere"],
    ):
        for visibility in ("private", "department", "organization"):
            made.append(_kb(department, visibility))
    made.append(_kb(world.department, "department", scope="conversation:1"))
    for kb in made[:3]:  # world.department's three, granted in both permissions
        KnowledgeBaseGrant.objects.create(
            knowledge_base=kb, department=extra["granted_department"], permission="use"
        )
    KnowledgeBaseGrant.objects.create(knowledge_base=made[3], department=world.department, permission="edit")
    condition = knowledge_base_readable_condition(access_of(_actor(world, name, extra)))
    orm = set(KnowledgeBase.objects.filter(condition.q).values_list("pk", flat=True))
    assert orm == _selected(KnowledgeBase._meta.db_table, condition)
    by_name = {kb.pk: (kb.department_id, kb.visibility) for kb in made}
    # A few facts of the rule, so that two forms agreeing on nothing would not pass.
    if name == "nobody":
        assert orm == set()
    if name == "member":
        assert (world.department.pk, "private") not in {by_name[pk] for pk in orm}
        assert made[3].pk in orm  # granted to the member's department
    if name in ("builder", "key_write"):
        assert made[0].pk in orm  # its own department's private knowledge
    if name == "third_department":
        assert {by_name[pk][1] for pk in orm} == {"organization"}
    if name == "granted_member":
        assert {made[0].pk, made[1].pk, made[2].pk} <= orm
    assert made[-1].pk not in orm  # a conversation's attachments are no one's list


@pytest.mark.parametrize("name", ["member", "builder", "key_read", "key_write", "outsider", "nobody"])
def test_the_conversation_owner_rule_selects_the_same_rows_in_the_orm_and_in_sql(
    world: World, extra: dict[str, Any], name: str
) -> None:
    assistant = make_assistant(world.department)
    version = assistant.versions.get()
    for owner in (world.user("member"), world.user("builder"), world.user("outsider")):
        Conversation.objects.create(assistant=assistant, version=version, user=owner)
    for key in (extra["key_read"], extra["key_write"]):
        Conversation.objects.create(assistant=assistant, version=version, api_key=key.api_key)
        # A person's conversation started through a key is the person's, not the key's.
        Conversation.objects.create(
            assistant=assistant, version=version, api_key=key.api_key, user=world.user("member")
        )
    condition = conversation_owner_condition(_actor(world, name, extra))
    orm = set(Conversation.objects.filter(condition.q).values_list("pk", flat=True))
    assert orm == _selected(Conversation._meta.db_table, condition)
    expected = {"member": 3, "builder": 1, "outsider": 1, "key_read": 1, "key_write": 1, "nobody": 0}
    assert len(orm) == expected[name]
