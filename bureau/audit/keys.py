"""The audit log's keys: each event and each checkpoint is signed with an HMAC-SHA256 key that is
not in the database (settings.BUREAU_AUDIT_KEYS, by id; the current one signs). Settings import
this module, so it imports nothing of Django's models."""

from __future__ import annotations

import hashlib
import hmac
import re

from django.core.exceptions import ImproperlyConfigured

# The key id of the events hashed with plain SHA-256 before the chain had keys (migration 0006).
LEGACY_KEY_ID = "sha256-legacy"
KEY_ID_PATTERN = re.compile(r"[A-Za-z0-9_.-]{1,32}")
MIN_KEY_LENGTH = 32


class UnknownAuditKey(LookupError):
    """A key id that no configured key has: an old key dropped while events still use it."""


def parse_audit_keys(*, keys: str, key: str) -> tuple[dict[str, str], str] | None:
    """BUREAU_AUDIT_KEYS ("id:key" pairs, comma-separated, the current one first) or
    BUREAU_AUDIT_KEY (one key, id "1"): the keys by id and the current id; None when neither is set."""
    if keys.strip() and key:
        raise ImproperlyConfigured("Set BUREAU_AUDIT_KEYS or BUREAU_AUDIT_KEY, not both")
    if key:
        keys = f"1:{key}"
    parsed: dict[str, str] = {}
    for pair in (item.strip() for item in keys.split(",")):
        if not pair:
            continue
        key_id, separator, secret = pair.partition(":")
        if not separator:
            raise ImproperlyConfigured("BUREAU_AUDIT_KEYS must be id:key pairs separated by commas")
        if not KEY_ID_PATTERN.fullmatch(key_id):
            raise ImproperlyConfigured(
                f"Audit key id {key_id!r}: 1 to 32 letters, digits, dots, dashes or underscores"
            )
        if key_id == LEGACY_KEY_ID:
            raise ImproperlyConfigured(f"Audit key id {key_id!r} is reserved for events hashed before keys")
        if key_id in parsed:
            raise ImproperlyConfigured(f"Audit key id {key_id!r} is listed twice")
        if len(secret) < MIN_KEY_LENGTH:
            raise ImproperlyConfigured(
                f"Audit key {key_id!r} must be at least {MIN_KEY_LENGTH} characters long"
            )
        parsed[key_id] = secret
    if not parsed:
        return None
    return parsed, next(iter(parsed))


def current_key_id() -> str:
    from django.conf import settings

    return str(settings.BUREAU_AUDIT_KEY_ID)


def sign(*, key_id: str, purpose: str, payload: bytes) -> str:
    """HMAC-SHA256 of `payload` under the key `key_id`, separated by `purpose` ("event",
    "checkpoint"), so that no signature of one kind passes for the other."""
    from django.conf import settings

    try:
        secret = settings.BUREAU_AUDIT_KEYS[key_id]
    except KeyError:
        raise UnknownAuditKey(key_id) from None
    purpose_key = hmac.new(secret.encode(), f"bureau-audit-{purpose}".encode(), hashlib.sha256).digest()
    return hmac.new(purpose_key, payload, hashlib.sha256).hexdigest()
