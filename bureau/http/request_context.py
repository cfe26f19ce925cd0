"""Who is asking, from where: set once per request by the middleware, read by the audit service, so
that services record IP, user agent and request id without taking the request as an argument."""

from __future__ import annotations

import ipaddress
import re
import uuid
from contextvars import ContextVar
from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest


@dataclass(frozen=True)
class RequestMeta:
    request_id: str = ""
    ip: str | None = None
    user_agent: str = ""


_EMPTY = RequestMeta()  # frozen, so one shared default is safe
_current: ContextVar[RequestMeta] = ContextVar("bureau_request_meta", default=_EMPTY)
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{8,128}$")


def current() -> RequestMeta:
    return _current.get()


def set_current(meta: RequestMeta) -> object:
    return _current.set(meta)


def reset(token: object) -> None:
    _current.reset(token)  # type: ignore[arg-type]


def client_ip(request: HttpRequest) -> str | None:
    """The client's address. X-Forwarded-For is believed only when the direct peer is a trusted
    proxy, and then read from the right, skipping trusted hops: the left part is client-supplied."""
    remote = request.META.get("REMOTE_ADDR") or None
    trusted = settings.TRUSTED_PROXIES
    if not remote or not trusted or not _in(remote, trusted):
        return remote
    forwarded = [
        part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()
    ]
    for hop in reversed(forwarded):
        if not _valid_ip(hop):
            break
        if not _in(hop, trusted):
            return hop
    return remote


def _valid_ip(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def _in(address: str, networks: list[ipaddress.IPv4Network | ipaddress.IPv6Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def meta_from_request(request: HttpRequest) -> RequestMeta:
    incoming = request.META.get("HTTP_X_REQUEST_ID", "")
    request_id = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex
    return RequestMeta(
        request_id=request_id,
        ip=client_ip(request),
        # Stored with every audit event: PostgreSQL refuses NUL in text (request_input.py).
        user_agent=request.META.get("HTTP_USER_AGENT", "").replace("\x00", "")[:512],
    )
