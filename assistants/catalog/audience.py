"""Who will use an assistant, against who may open its knowledge: the warnings that draft, publish,
review and the configuration review show when an assistant's audience is wider than its knowledge's
readers. They warn and never refuse: at every turn an answer leaves out what its asker may not open
(assistants/chat/knowledge.py); these say beforehand, naming each knowledge base and the people
who will not get it, so that a builder is not surprised by answers that say "no matching passage".

The audience of an assistant (assistants/catalog/selectors.py): the builders of its department and its
creator; its department's members unless it is private; the whole organization when it is
organization-wide; the people and departments it is shared with. The readers of a knowledge base
(knowledge/selectors.py): the builders of its department; its members unless it is private; the
whole organization when it is organization-wide; the departments it is granted to. Org admins and
auditors read everything and are left out of both.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from assistants.models import Assistant, AssistantShare, AssistantVersion
from bureau.tenancy.models import User
from knowledge.models import KnowledgeBase, KnowledgeBaseGrant, Visibility
from knowledge.selectors import knowledge_base_list_visible_to


def audience_warnings(*, assistant: Assistant, version: AssistantVersion) -> list[str]:
    """One sentence per knowledge base of `version` and each part of `assistant`'s audience that
    may not open it."""
    bases = list(version.knowledge_bases.select_related("department").order_by("pk"))
    if not bases:
        return []
    granted: dict[int, dict[int, str]] = {}
    rows = KnowledgeBaseGrant.objects.filter(knowledge_base__in=bases).values_list(
        "knowledge_base_id", "department_id", "department__name"
    )
    for kb_id, department_id, department_name in rows:
        granted.setdefault(kb_id, {})[department_id] = department_name
    shares = list(assistant.shares.select_related("user", "department"))
    return [
        _("Knowledge base “%(name)s” will not be used in answers to %(audience)s: they may not open it.")
        % {"name": kb.name, "audience": audience}
        for kb in bases
        for audience in _left_out(assistant, kb, granted.get(kb.pk, {}), shares)
    ]


def _left_out(
    assistant: Assistant, kb: KnowledgeBase, granted: dict[int, str], shares: list[AssistantShare]
) -> list[str]:
    """The parts of the assistant's audience that may not open `kb` (granted: department id → name)."""
    if kb.visibility == Visibility.ORGANIZATION and kb.organization_id == assistant.organization_id:
        return []

    def members_read(department_id: int) -> bool:
        own = department_id == kb.department_id and kb.visibility != Visibility.PRIVATE
        return own or department_id in granted

    def builders_read(department_id: int) -> bool:
        return department_id == kb.department_id or department_id in granted

    department = assistant.department
    if assistant.visibility == Visibility.ORGANIZATION:
        # Everyone is in the audience: name who may open it instead of everyone who may not.
        readers = ", ".join([kb.department.name, *granted.values()])
        return [_("people of the organization outside %s") % readers]
    left_out: list[str] = []
    if not builders_read(department.pk):
        private = assistant.visibility == Visibility.PRIVATE
        left_out.append((_("builders of %s") if private else _("members of %s")) % department.name)
    elif assistant.visibility == Visibility.DEPARTMENT and not members_read(department.pk):
        left_out.append(_("members of %s who are not builders") % department.name)
    for share in shares:
        if share.department is not None and not members_read(share.department.pk):
            left_out.append(_("members of %s") % share.department.name)
        elif share.user is not None and not _user_reads(share.user, kb):
            left_out.append(share.user.email)
    return list(dict.fromkeys(left_out))


def _user_reads(user: User, kb: KnowledgeBase) -> bool:
    return knowledge_base_list_visible_to(actor=user).filter(pk=kb.pk).exists()
