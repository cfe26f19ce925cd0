"""Domain errors raised by services and selectors. One DRF exception handler (bureau/http/errors.py) turns
them, and Django's and DRF's own errors, into one JSON shape."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _


class BureauError(Exception):
    status_code = 400
    code = "error"
    default_message: Any = _("The request could not be completed.")

    def __init__(self, message: Any = None, *, details: dict[str, Any] | None = None) -> None:
        self.message = message if message is not None else self.default_message
        self.details = details or {}
        super().__init__(str(self.message))


class ValidationFailed(BureauError):
    status_code = 400
    code = "invalid"
    default_message = _("Some fields are not valid.")


class NotFound(BureauError):
    """Raised both when a row is missing and when the actor may not see it: outsiders learn nothing."""

    status_code = 404
    code = "not_found"
    default_message = _("Not found.")


class PermissionDenied(BureauError):
    """Raised only when the actor may see the thing but not do this to it."""

    status_code = 403
    code = "permission_denied"
    default_message = _("You do not have permission to do this.")


class Conflict(BureauError):
    status_code = 409
    code = "conflict"
    default_message = _("This conflicts with the current state.")


class ProviderRefused(BureauError):
    """The model provider's address may not be reached (link-local, cloud metadata): its base URL
    was saved before the check, or its name resolves there now (bureau.security.url_guard)."""

    status_code = 502
    code = "provider_refused"
    default_message = _("The language model provider's address is not allowed. Tell your administrator.")


class QuotaExceeded(BureauError):
    """A quota or rate limit is used up. `details` says which (`limit`), its value, what was used
    and when it resets (`resets_at`, ISO 8601); `retry_after` becomes the Retry-After header."""

    status_code = 429
    code = "quota_exceeded"
    default_message = _("A usage limit has been reached.")

    def __init__(
        self, message: Any = None, *, retry_after: int, details: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message, details=details)
        self.retry_after = retry_after
