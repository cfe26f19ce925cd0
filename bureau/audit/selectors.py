from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from bureau.audit.models import AuditEvent
from bureau.exceptions import NotFound, PermissionDenied
from bureau.tenancy.access import access_of
from bureau.tenancy.models import Role
from bureau.tenancy.selectors import department_get_for


def audit_event_list_visible_to(
    *,
    actor: Any,
    department_id: int | None = None,
    actor_id: int | None = None,
    action: str | None = None,
    target_type: str | None = None,
    target_id: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> QuerySet[AuditEvent]:
    """Org admins and auditors read their whole organization's log; department admins read their own
    department's; nobody else reads any. Filtering on a department one cannot see is a 404."""
    access = access_of(actor)
    whole_orgs = access.org_admin_of | access.auditor_of
    admin_departments = [d for d, role in access.department_roles.items() if role == Role.DEPT_ADMIN]
    if department_id is not None:
        department = department_get_for(actor=actor, department_id=department_id)
        if not access.can_read_audit(department.pk, department.organization_id):
            raise PermissionDenied(_("You may not read this department's audit log."))
    elif not whole_orgs and not admin_departments:
        raise PermissionDenied(_("Only auditors and admins can read the audit log."))
    events = AuditEvent.objects.filter(
        Q(organization_id__in=whole_orgs) | Q(department_id__in=admin_departments)
    )
    if department_id is not None:
        events = events.filter(department_id=department_id)
    if actor_id is not None:
        events = events.filter(actor_id=actor_id)
    if action:
        # "membership" matches every membership.* action; "membership.create" only itself.
        events = events.filter(Q(action=action) | Q(action__startswith=f"{action}."))
    if target_type:
        events = events.filter(target_type=target_type)
    if target_id:
        events = events.filter(target_id=target_id)
    if since is not None:
        events = events.filter(created_at__gte=since)
    if until is not None:
        events = events.filter(created_at__lt=until)
    return events.order_by("-id")


def audit_event_get_for(*, actor: Any, event_id: int) -> AuditEvent:
    access = access_of(actor)
    event = AuditEvent.objects.filter(pk=event_id).first()
    if event is None:
        raise NotFound(_("Audit event not found."))
    if event.department_id is not None and access.can_read_audit(event.department_id, event.organization_id):
        return event
    if event.department_id is None and access.reads_whole_organization(event.organization_id):
        return event
    # Members of the event's department know the department exists, so they are told "forbidden";
    # everyone else learns nothing.
    if event.department_id is not None and access.can_see_department(
        event.department_id, event.organization_id
    ):
        raise PermissionDenied(_("Only auditors and admins can read the audit log."))
    raise NotFound(_("Audit event not found."))
