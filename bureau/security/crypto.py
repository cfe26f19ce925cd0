"""Secrets at rest (provider API keys, HTTP-action credentials): Fernet (AES-128-CBC + HMAC-SHA256)
with a key from BUREAU_ENCRYPTION_KEY, or derived from SECRET_KEY when that is unset. Several keys
may be given, comma-separated, newest first: all decrypt, the first encrypts (key rotation)."""

from __future__ import annotations

import base64
import functools
import hashlib

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


class SecretUnreadable(Exception):
    """A stored secret could not be decrypted: the encryption key changed or the value was altered."""


@functools.cache
def _fernet() -> MultiFernet:
    configured = [k.strip() for k in settings.BUREAU_ENCRYPTION_KEY.split(",") if k.strip()]
    if not configured:
        derived = hashlib.sha256(b"bureau-secrets:" + settings.SECRET_KEY.encode()).digest()
        configured = [base64.urlsafe_b64encode(derived).decode()]
    return MultiFernet([Fernet(key.encode()) for key in configured])


def encrypt_secret(plain: str) -> str:
    return _fernet().encrypt(plain.encode()).decode() if plain else ""


def decrypt_secret(token: str) -> str:
    if not token:
        return ""
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        raise SecretUnreadable("a stored secret cannot be decrypted with the configured key") from None
