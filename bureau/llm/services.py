"""Writes for model providers: create, update, delete, test the connection, and the default provider
made from the OPENAI_BASE_URL / OPENAI_API_KEY settings. Each write records its audit event in its
own transaction; the API key is encrypted at rest and never written to the audit log."""

from __future__ import annotations

import logging
from typing import Any, TypedDict
from urllib.parse import urlsplit

import openai
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.utils.translation import gettext as _

from bureau.audit.services import audit_record, diff
from bureau.exceptions import Conflict, ValidationFailed
from bureau.llm.models import ModelProvider
from bureau.security.crypto import SecretUnreadable, decrypt_secret, encrypt_secret
from bureau.security.url_guard import endpoint_refusal
from bureau.tenancy.models import Organization

logger = logging.getLogger(__name__)

# The classifications of knowledge (knowledge.models.Classification; bureau may not import it).
CLASSIFICATIONS = ("public", "internal", "confidential", "secret")
DEFAULT_PROVIDER_NAME = "Mặc định"
# A connection test answers the admin who clicked the button: it must not hang for a minute.
TEST_TIMEOUT_SECONDS = 10.0
# Placeholder for endpoints that need no key (Ollama, LM Studio, a local vLLM): the client insists
# on one, and such servers ignore it.
NO_KEY = "not-needed"
EDITABLE_FIELDS = (
    "name",
    "base_url",
    "chat_models",
    "embedding_models",
    "default_chat_model",
    "on_premises",
    "allowed_classifications",
    "is_default",
)


class ConnectionTest(TypedDict):
    ok: bool
    models: list[str]
    error: str


def _state(provider: ModelProvider) -> dict[str, Any]:
    """What the audit log records: every setting except the key, of which only its presence."""
    return {
        "name": provider.name,
        "base_url": provider.base_url,
        "chat_models": provider.chat_models,
        "embedding_models": provider.embedding_models,
        "default_chat_model": provider.default_chat_model,
        "on_premises": provider.on_premises,
        "allowed_classifications": provider.allowed_classifications,
        "is_default": provider.is_default,
        "has_api_key": bool(provider.api_key_encrypted),
    }


def _clean_base_url(value: str) -> str:
    value = value.strip()
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationFailed(details={"base_url": [_("The base URL must start with http:// or https://.")]})
    if parts.username or parts.password:
        # A key in the URL would be shown to every reader of the provider and land in the audit log.
        raise ValidationFailed(details={"base_url": [_("Put the API key in its own field, not in the URL.")]})
    refused = endpoint_refusal(value)
    if refused is not None:
        raise ValidationFailed(details={"base_url": [refused_address_message(refused)]})
    return value.rstrip("/")


def refused_address_message(address: str) -> str:
    return _("%(address)s is a link-local or cloud metadata address: a model provider may not use it.") % {
        "address": address
    }


def _clean_models(field_name: str, value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(m, str) for m in value):
        raise ValidationFailed(details={field_name: [_("Give a list of model names.")]})
    return list(dict.fromkeys(m.strip() for m in value if m.strip()))


def _clean_classifications(value: Any) -> list[str]:
    if not isinstance(value, list) or any(c not in CLASSIFICATIONS for c in value):
        raise ValidationFailed(
            details={
                "allowed_classifications": [
                    _("Choose classifications among: %s.") % ", ".join(CLASSIFICATIONS)
                ]
            }
        )
    return [c for c in CLASSIFICATIONS if c in value]  # in order of sensitivity, once each


def _apply(provider: ModelProvider, changes: dict[str, Any]) -> None:
    for field_name in EDITABLE_FIELDS:
        if field_name not in changes:
            continue
        value = changes[field_name]
        if field_name == "name":
            value = str(value).strip()
            if not value:
                raise ValidationFailed(details={"name": [_("The name cannot be empty.")]})
        elif field_name == "base_url":
            value = _clean_base_url(str(value))
        elif field_name in ("chat_models", "embedding_models"):
            value = _clean_models(field_name, value)
        elif field_name == "allowed_classifications":
            value = _clean_classifications(value)
        elif field_name == "default_chat_model":
            value = str(value).strip()
        setattr(provider, field_name, value)
    if "api_key" in changes:
        provider.api_key_encrypted = encrypt_secret(changes["api_key"] or "")
    if provider.default_chat_model and provider.default_chat_model not in provider.chat_models:
        # Naming a default model offers it: the admin need not type it twice.
        provider.chat_models = [*provider.chat_models, provider.default_chat_model]


def _save(provider: ModelProvider) -> None:
    if provider.is_default:
        # One default per organization: the new default takes the place of the old one (the
        # partial unique index would otherwise refuse the save).
        ModelProvider.objects.filter(organization_id=provider.organization_id, is_default=True).exclude(
            pk=provider.pk
        ).update(is_default=False)
    try:
        with transaction.atomic():
            provider.save()
    except IntegrityError:
        raise Conflict(
            _("A model provider with this name already exists."), details={"name": [provider.name]}
        ) from None


@transaction.atomic
def model_provider_create(
    *, actor: Any, organization: Organization, name: str, base_url: str, **fields: Any
) -> ModelProvider:
    """`is_default=None` (or absent) makes the provider the default when the organization has none."""
    # Serialize writers of one organization's providers, so "is there a default?" stays true.
    Organization.objects.select_for_update().filter(pk=organization.pk).first()
    provider = ModelProvider(organization=organization)
    if fields.get("is_default") is None:
        fields["is_default"] = not ModelProvider.objects.filter(
            organization=organization, is_default=True
        ).exists()
    _apply(provider, {"name": name, "base_url": base_url, **fields})
    _save(provider)
    audit_record(
        actor=actor,
        organization=organization,
        action="model_provider.create",
        target=provider,
        after=_state(provider),
    )
    return provider


@transaction.atomic
def model_provider_update(*, actor: Any, provider: ModelProvider, **changes: Any) -> ModelProvider:
    Organization.objects.select_for_update().filter(pk=provider.organization_id).first()
    provider = ModelProvider.objects.select_for_update().get(pk=provider.pk)
    before = _state(provider)
    if changes.get("is_default") is None:
        changes.pop("is_default", None)
    _apply(provider, changes)
    _save(provider)
    old, new = diff(before, _state(provider))
    if "api_key" in changes:
        # Never the key, nor anything derived from it: only that it changed.
        new["api_key"] = "changed"
    if new:
        audit_record(
            actor=actor,
            organization=provider.organization_id,
            action="model_provider.update",
            target=provider,
            before=old,
            after=new,
        )
    return provider


@transaction.atomic
def model_provider_delete(*, actor: Any, provider: ModelProvider) -> None:
    audit_record(
        actor=actor,
        organization=provider.organization_id,
        action="model_provider.delete",
        target=provider,
        before=_state(provider),
    )
    try:
        with transaction.atomic():
            provider.delete()
    except ProtectedError:
        raise Conflict(
            _("Assistants use this model provider: choose another provider for them first.")
        ) from None


def model_provider_test(*, actor: Any, provider: ModelProvider) -> ConnectionTest:
    """Ask the endpoint for its models (`GET /models`). A failure is a result, not an error: the
    admin reads why. The network call runs outside any transaction; only the audit event is written."""
    result = _list_models(provider)
    with transaction.atomic():
        audit_record(
            actor=actor,
            organization=provider.organization_id,
            action="model_provider.test",
            target=provider,
            after={"ok": result["ok"], "models": result["models"][:50], "error": result["error"]},
        )
    return result


def _list_models(provider: ModelProvider) -> ConnectionTest:
    refused = endpoint_refusal(provider.base_url)  # resolved now: the name may point elsewhere today
    if refused is not None:
        return ConnectionTest(ok=False, models=[], error=refused_address_message(refused))
    try:
        api_key = decrypt_secret(provider.api_key_encrypted)
    except SecretUnreadable:
        return ConnectionTest(
            ok=False, models=[], error=_("The stored API key cannot be decrypted: enter it again.")
        )
    client = openai.OpenAI(
        base_url=provider.base_url, api_key=api_key or NO_KEY, timeout=TEST_TIMEOUT_SECONDS, max_retries=0
    )
    try:
        models = sorted(model.id for model in client.models.list())
    except openai.APIError as error:
        reason = connection_error_reason(error, provider.base_url)
        if api_key:  # some servers echo the key they refused; the reason is shown and audited
            reason = reason.replace(api_key, "***")
        return ConnectionTest(ok=False, models=[], error=reason)
    except (ValueError, TypeError, AttributeError) as error:  # a body that is not a models list
        logger.info("provider %s answered an unusable models list: %s", provider.pk, error)
        return ConnectionTest(
            ok=False, models=[], error=_("The provider's answer is not an OpenAI-compatible models list.")
        )
    finally:
        client.close()
    return ConnectionTest(ok=True, models=models, error="")


def connection_error_reason(error: openai.APIError, base_url: str) -> str:
    """A reason an admin can act on, in the user's language."""
    if isinstance(error, openai.APITimeoutError):
        return _("%(url)s did not answer within %(seconds)s seconds.") % {
            "url": base_url,
            "seconds": f"{TEST_TIMEOUT_SECONDS:g}",
        }
    if isinstance(error, openai.APIConnectionError):
        return _("Cannot reach %(url)s.") % {"url": base_url}
    if isinstance(error, openai.APIStatusError):
        status = error.status_code
        if status == 401:
            return _("The provider rejected the API key.")
        if status == 403:
            return _("The provider refused access with this API key (HTTP 403).")
        if status == 404:
            return _("%(url)s has no models list: check the base URL (it usually ends in /v1).") % {
                "url": base_url
            }
        return _("The provider answered HTTP %(status)s: %(detail)s") % {
            "status": status,
            "detail": _error_detail(error),
        }
    return _("The provider's answer is not an OpenAI-compatible models list.")


def _error_detail(error: openai.APIStatusError) -> str:
    body = error.body
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict) and isinstance(inner.get("message"), str):
            return str(inner["message"])[:300]
    return str(error.message or "")[:300]


def ensure_default_provider(organization: Organization | int) -> ModelProvider | None:
    """The provider made from the settings, stored once for an organization that has no provider at
    all, when OPENAI_BASE_URL is set. Returns the stored provider, or None when there is nothing to
    make (no setting, or the organization configured providers of its own)."""
    base_url = settings.OPENAI_BASE_URL
    organization_id = organization if isinstance(organization, int) else organization.pk
    if not base_url or ModelProvider.objects.filter(organization_id=organization_id).exists():
        return None
    models = [settings.OPENAI_CHAT_MODEL] if settings.OPENAI_CHAT_MODEL else _discover_chat_models(base_url)
    try:
        with transaction.atomic():
            if not Organization.objects.select_for_update().filter(pk=organization_id).exists():
                return None
            if ModelProvider.objects.filter(organization_id=organization_id).exists():
                return None  # another request made it meanwhile
            provider = ModelProvider(organization_id=organization_id, is_default=True)
            _apply(
                provider,
                {
                    "name": DEFAULT_PROVIDER_NAME,
                    "base_url": base_url,
                    "api_key": settings.OPENAI_API_KEY,
                    "chat_models": models,
                    "default_chat_model": models[0] if models else "",
                    "allowed_classifications": settings.OPENAI_ALLOWED_CLASSIFICATIONS,
                    "on_premises": settings.OPENAI_ON_PREMISES,
                },
            )
            provider.save()
            audit_record(
                actor=None,
                organization=organization_id,
                action="model_provider.create",
                target=provider,
                after=_state(provider),
            )
    except ValidationFailed as invalid:
        logger.warning("OPENAI_BASE_URL is refused (%s); no default model provider was made", invalid.details)
        return None
    return provider


def _discover_chat_models(base_url: str) -> list[str]:
    """The models the endpoint lists, embedding models left out: a vLLM or Ollama server usually
    serves the one chat model it was started with. Empty when the endpoint cannot tell."""
    client = openai.OpenAI(
        base_url=base_url,
        api_key=settings.OPENAI_API_KEY or NO_KEY,
        timeout=TEST_TIMEOUT_SECONDS,
        max_retries=0,
    )
    try:
        names = [model.id for model in client.models.list()]
    except (openai.APIError, ValueError, TypeError, AttributeError) as error:
        logger.warning("could not list the models of %s: %s", base_url, error)
        return []
    finally:
        client.close()
    return [name for name in names if "embed" not in name.lower()]
