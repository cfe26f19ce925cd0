"""`Authorization: Bearer bk_<prefix>_<secret>`: a department's API key."""

from __future__ import annotations

import hmac
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from bureau.runtime import memo
from bureau.tenancy.access import ApiKeyActor
from bureau.tenancy.models import ApiKey
from bureau.tenancy.services import API_KEY_PREFIX, hash_api_key

# Recording every use would write on every request; once a minute is precise enough to audit.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def authenticate_api_key(raw_key: str) -> ApiKey:
    """The active key for a raw key string, or AuthenticationFailed with the reason."""
    parts = raw_key.split("_")
    if not raw_key.startswith(API_KEY_PREFIX) or len(parts) < 3:
        raise exceptions.AuthenticationFailed(_("Malformed API key."))
    key = memo.remember(
        ("api-key", parts[1]),
        lambda: ApiKey.objects.select_related("department__organization").filter(prefix=parts[1]).first(),
    )
    if key is None or not hmac.compare_digest(key.key_hash, hash_api_key(raw_key)):
        raise exceptions.AuthenticationFailed(_("Invalid API key."))
    if key.revoked_at is not None:
        raise exceptions.AuthenticationFailed(_("This API key has been revoked."))
    now = timezone.now()
    if key.expires_at is not None and key.expires_at <= now:
        raise exceptions.AuthenticationFailed(_("This API key has expired."))
    # What this process last wrote, since the key may be a memo's copy as old as the memo's entry.
    last_used = max(filter(None, (key.last_used_at, _last_used_written.get(key.pk))), default=None)
    if last_used is None or now - last_used > LAST_USED_RESOLUTION:
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
        _last_used_written[key.pk] = now
        last_used = now
    key.last_used_at = last_used
    return key


_last_used_written: dict[int, datetime] = {}


class ApiKeyAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        header = authentication.get_authorization_header(request).decode("latin-1")
        if not header:
            return None
        scheme, _sep, token = header.partition(" ")
        # The scheme is case-insensitive (RFC 7235 §2.1): `bearer` and `BEARER` are `Bearer`.
        if scheme.lower() != self.keyword.lower() or not token.strip().startswith(API_KEY_PREFIX):
            return None
        key = authenticate_api_key(token.strip())
        return ApiKeyActor(key), key

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="api"'
