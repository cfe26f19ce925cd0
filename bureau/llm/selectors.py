"""Access-checked reads of model providers.

Who sees what: every member of an organization (any role, API keys included) may list and read its
providers, so that builders can pick a model for an assistant; what they read holds no secret (the
key is write-only). Only the organization's admins may change, delete or test a provider; others of
the organization get 403, and everyone outside it 404.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from bureau.exceptions import NotFound, PermissionDenied
from bureau.ids import as_id
from bureau.llm.models import ModelProvider
from bureau.tenancy.access import access_of
from bureau.tenancy.models import Organization


def model_provider_list_visible_to(
    *, actor: Any, organization_id: int | None = None
) -> QuerySet[ModelProvider]:
    providers = ModelProvider.objects.filter(organization_id__in=access_of(actor).organization_ids)
    if organization_id is not None:
        providers = providers.filter(organization_id=organization_id)
    return providers.order_by("organization_id", "name")


def model_provider_get_for(*, actor: Any, provider_id: int | str, write: bool = False) -> ModelProvider:
    """`write` covers changing, deleting and testing the connection (which uses the key)."""
    provider = model_provider_list_visible_to(actor=actor).filter(pk=as_id(provider_id)).first()
    if provider is None:
        raise NotFound(_("Model provider not found."))
    if write and not access_of(actor).is_org_admin(provider.organization_id):
        raise PermissionDenied(_("Only organization admins can manage model providers."))
    return provider


def organization_for_provider_write(*, actor: Any, organization_id: int | None) -> Organization:
    """The organization a new provider goes to: the one named, else the one the actor administers
    (the lowest id when they administer several)."""
    access = access_of(actor)
    if organization_id is None:
        if access.org_admin_of:
            return Organization.objects.get(pk=min(access.org_admin_of))
        if access.organization_ids:
            raise PermissionDenied(_("Only organization admins can manage model providers."))
        raise NotFound(_("Organization not found."))
    if organization_id not in access.organization_ids:
        raise NotFound(_("Organization not found."))
    if not access.is_org_admin(organization_id):
        raise PermissionDenied(_("Only organization admins can manage model providers."))
    return Organization.objects.get(pk=organization_id)
