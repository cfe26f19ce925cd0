"""The outbound URL guard: the only way Bureau reaches a URL that a builder or a model chose.

* Only http and https, only hosts on the tool's allow-list (exact, or ``*.example.org`` for its
  subdomains), never userinfo in the URL.
* The host is resolved here and refused when ANY of its addresses is private, loopback, link-local,
  multicast, reserved, unspecified, shared (CGNAT 100.64/10) or a cloud metadata address, including
  IPv4 addresses embedded in IPv6 (mapped, 6to4, Teredo, NAT64).
* DNS rebinding: the connection is pinned to the address that was checked. The HTTP client's
  network backend connects to that IP while the URL keeps the host name, so the Host header, TLS
  SNI and certificate verification all use the name. A second lookup by the client never happens.
* Redirects are followed by hand, each hop checked and pinned again; credentials are dropped when a
  hop leaves the origin. The whole exchange has one deadline, enforced by closing the socket, and the
  body is streamed and cut at ``max_bytes``.
* No proxy from the environment is used: a proxy would resolve the name itself.
"""

from __future__ import annotations

import contextlib
import ipaddress
import logging
import socket
import threading
import time
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import httpcore
import httpx
from django.conf import settings

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
# Headers that carry credentials: dropped when a redirect leaves the origin.
CREDENTIAL_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie"})

_CGNAT = ipaddress.ip_network("100.64.0.0/10")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_METADATA = frozenset(
    {
        ipaddress.ip_address("169.254.169.254"),  # AWS, GCP, Azure, OpenStack
        ipaddress.ip_address("169.254.170.2"),  # AWS ECS task metadata
        ipaddress.ip_address("100.100.100.200"),  # Alibaba Cloud
        ipaddress.ip_address("fd00:ec2::254"),  # AWS over IPv6
    }
)


# Names of cloud metadata services (GCP, AWS), refused whatever they resolve to where we look.
METADATA_HOSTS = frozenset(
    {"metadata.google.internal", "metadata.goog", "metadata", "instance-data", "instance-data.ec2.internal"}
)

_guarded = threading.local()


class _HideQueryInLogs(logging.Filter):
    """httpx logs every request's URL at INFO; an HTTP action's query may carry its API key."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(_guarded, "active", False) and isinstance(record.args, tuple):
            record.args = tuple(
                a.copy_with(query=b"redacted") if isinstance(a, httpx.URL) and a.query else a
                for a in record.args
            )
        return True


logging.getLogger("httpx").addFilter(_HideQueryInLogs())


class UrlRefused(Exception):
    """The URL may not be fetched. ``reason`` is fit to show to the builder and to the model."""

    def __init__(self, reason: str, *, code: str = "refused") -> None:
        self.reason = reason
        self.code = code
        super().__init__(reason)


class UrlFetchFailed(Exception):
    """The URL was allowed but the exchange failed (connection, protocol, too many redirects)."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


class UrlTimeout(UrlFetchFailed):
    """The exchange did not finish before its deadline."""


@dataclass(frozen=True, slots=True)
class CheckedTarget:
    url: httpx.URL
    host: str  # ASCII (IDNA) form, lower case, no brackets
    port: int
    addresses: tuple[str, ...]  # every resolved address, all checked

    @property
    def pinned_ip(self) -> str:
        return self.addresses[0]


@dataclass(frozen=True, slots=True)
class SafeResponse:
    status: int
    headers: dict[str, str]
    body_text: str
    truncated: bool
    url: str = ""  # the URL of the final hop


def _loopback_allowed() -> bool:
    return bool(getattr(settings, "BUREAU_URL_GUARD_ALLOW_LOOPBACK_FOR_TESTS", False))


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one carries (mapped, Teredo, 6to4, NAT64), if any."""
    embedded = ip.ipv4_mapped or (ip.teredo[1] if ip.teredo else None) or ip.sixtofour
    if embedded is None and ip in _NAT64:
        embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return embedded


def address_refusal(ip: IPAddress) -> str | None:
    """Why this address may not be reached, or None when it is a public unicast address."""
    if ip in _METADATA:
        return f"{ip} là địa chỉ metadata của máy chủ đám mây"
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(ip)
        if embedded is not None:
            inner = address_refusal(embedded)
            return f"{ip} chứa địa chỉ IPv4 bị chặn ({inner})" if inner else None
    if ip.is_loopback:
        return None if _loopback_allowed() else f"{ip} là địa chỉ loopback"
    checks = (
        (ip.is_unspecified, "chưa xác định"),
        (ip.is_link_local, "link-local"),
        (ip.is_multicast, "multicast"),
        (isinstance(ip, ipaddress.IPv4Address) and ip in _CGNAT, "CGNAT (100.64.0.0/10)"),
        (ip.is_private, "nội bộ (private)"),
        (ip.is_reserved, "dành riêng (reserved)"),
        (not ip.is_global, "không công khai"),
    )
    for refused, label in checks:
        if refused:
            return f"{ip} là địa chỉ {label}"
    return None


def _normalize_host(host: str) -> str:
    host = host.strip().lower().rstrip(".")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    try:
        return host.encode("idna").decode("ascii") if not host.isascii() else host
    except UnicodeError:
        return host


def host_allowed(host: str, allowed_hosts: Iterable[str]) -> bool:
    host = _normalize_host(host)
    for entry in allowed_hosts:
        if entry.strip().startswith("*."):
            suffix = _normalize_host(entry.strip()[2:])
            if suffix and host.endswith("." + suffix):
                return True
        elif host == _normalize_host(entry):
            return True
    return False


def _getaddrinfo_within(host: str, port: int, timeout_s: float) -> list[str]:
    """Resolve in a daemon thread: getaddrinfo has no timeout of its own."""
    box: dict[str, Any] = {}

    def lookup() -> None:
        try:
            box["result"] = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError) as exc:
            box["error"] = exc

    thread = threading.Thread(target=lookup, name="url-guard-dns", daemon=True)
    thread.start()
    thread.join(max(timeout_s, 0.01))
    if thread.is_alive():
        raise UrlTimeout(f"hết thời gian phân giải tên miền {host}")
    if "error" in box:
        raise UrlRefused(f"không phân giải được tên miền {host}", code="dns")
    addresses: list[str] = []
    for _family, _type, _proto, _canon, sockaddr in box["result"]:
        address = str(sockaddr[0]).split("%", 1)[0]  # drop an IPv6 zone id
        if address not in addresses:
            addresses.append(address)
    return addresses


def resolve_checked(
    url: str | httpx.URL, *, allowed_hosts: Collection[str], timeout_s: float = 5.0
) -> CheckedTarget:
    """Check the URL against the policy and return it with its resolved, checked addresses."""
    try:
        parsed = url if isinstance(url, httpx.URL) else httpx.URL(url)
    except (httpx.InvalidURL, TypeError, ValueError):
        raise UrlRefused("URL không hợp lệ", code="invalid") from None
    if parsed.scheme not in ("http", "https"):
        raise UrlRefused(f"chỉ cho phép http và https, không cho phép '{parsed.scheme}'", code="scheme")
    if parsed.userinfo:
        raise UrlRefused("URL không được chứa tên đăng nhập hoặc mật khẩu", code="userinfo")
    host = _normalize_host(parsed.raw_host.decode("ascii", errors="replace"))
    if not host:
        raise UrlRefused("URL thiếu tên máy chủ", code="invalid")
    if not host_allowed(host, allowed_hosts):
        raise UrlRefused(f"máy chủ {host} không nằm trong danh sách được phép", code="host_not_allowed")
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    try:
        addresses = [str(ipaddress.ip_address(host))]
    except ValueError:
        addresses = _getaddrinfo_within(host, port, timeout_s)
    if not addresses:
        raise UrlRefused(f"tên miền {host} không có địa chỉ", code="dns")
    for address in addresses:
        try:
            refusal = address_refusal(ipaddress.ip_address(address))
        except ValueError:
            refusal = f"địa chỉ không hợp lệ {address!r}"
        if refusal:
            raise UrlRefused(f"{host}: {refusal}", code="address")
    return CheckedTarget(url=parsed, host=host, port=port, addresses=tuple(addresses))


def check_url(url: str, *, allowed_hosts: list[str]) -> None:
    resolve_checked(url, allowed_hosts=allowed_hosts)


def _link_local_or_metadata(ip: IPAddress) -> bool:
    if isinstance(ip, ipaddress.IPv6Address):
        ip = _embedded_ipv4(ip) or ip
    return ip in _METADATA or ip.is_link_local


def endpoint_refusal(url: str, *, timeout_s: float = 2.0) -> str | None:
    """For a model provider's base URL, which an organization's admin chooses: the host or address
    it may not reach, or None. Providers often run on premises, so private and loopback addresses
    are theirs to use. Link-local addresses (169.254.0.0/16, fe80::/10) and cloud metadata services
    never are: a provider's answers, and the connection test's error messages, would read the
    server's cloud credentials. A name is resolved and refused when any of its addresses is one of
    those; a name that does not resolve now is not refused (the connection will fail and say so).
    Unlike `resolve_checked`, the connection is not pinned: check again each time it is used."""
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError, ValueError):
        return None  # not a URL: the caller's own validation says so
    host = _normalize_host(parsed.raw_host.decode("ascii", errors="replace"))
    if host in METADATA_HOSTS:
        return host
    try:
        addresses = [ipaddress.ip_address(host)]
    except ValueError:
        port = parsed.port or (443 if parsed.scheme == "https" else 80)
        try:
            addresses = [ipaddress.ip_address(a) for a in _getaddrinfo_within(host, port, timeout_s)]
        except (UrlRefused, UrlTimeout, ValueError):
            return None
    return next((str(ip) for ip in addresses if _link_local_or_metadata(ip)), None)


class _PinnedBackend(httpcore.SyncBackend):
    """Connects only to the checked address of the one host it was made for; closes its sockets
    when the deadline passes, which interrupts a read that trickles in byte by byte."""

    def __init__(self, target: CheckedTarget) -> None:
        self._target = target
        self._streams: list[httpcore.NetworkStream] = []
        self._lock = threading.Lock()
        self.aborted = False

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        if _normalize_host(host) != self._target.host or port != self._target.port:
            raise httpcore.ConnectError(f"connection to {host}:{port} was not checked")
        stream = super().connect_tcp(self._target.pinned_ip, port, timeout, local_address, socket_options)
        with self._lock:
            if self.aborted:
                stream.close()
                raise httpcore.ConnectTimeout("deadline passed")
            self._streams.append(stream)
        return stream

    def abort(self) -> None:
        with self._lock:
            self.aborted = True
            streams, self._streams = self._streams, []
        for stream in streams:
            with contextlib.suppress(OSError):
                stream.close()


class _PinnedTransport(httpx.HTTPTransport):
    def __init__(self, backend: _PinnedBackend) -> None:
        super().__init__(trust_env=False, retries=0)
        # The pool httpx builds uses the default backend; the same pool with ours pins the address.
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(trust_env=False),
            max_connections=1,
            network_backend=backend,
        )


def _redirect_method(status: int, method: str) -> str:
    """As browsers do (RFC 9110 §15.4): 303 becomes GET, and so does a POST answered 301 or 302."""
    changes = (status == 303 and method != "HEAD") or (status in (301, 302) and method == "POST")
    return "GET" if changes else method


def _decode(body: bytes, content_type: str) -> str:
    charset = "utf-8"
    for part in content_type.split(";")[1:]:
        key, _, value = part.strip().partition("=")
        if key.lower() == "charset" and value:
            charset = value.strip("\"' ")
    try:
        return body.decode(charset, errors="replace")
    except LookupError:
        return body.decode("utf-8", errors="replace")


def safe_request(
    method: str,
    url: str,
    *,
    allowed_hosts: Collection[str],
    headers: Mapping[str, str] | None = None,
    params: Mapping[str, Any] | None = None,
    json: Any = None,
    timeout_s: float = 10.0,
    max_bytes: int = 200_000,
    max_redirects: int = 3,
    sensitive_headers: Collection[str] = (),
) -> SafeResponse:
    """One HTTP exchange under the guard. Raises UrlRefused, UrlTimeout or UrlFetchFailed.

    ``sensitive_headers`` (besides Authorization and Cookie) are dropped when a redirect leaves the
    origin of the first URL; ``params`` apply to the first hop only, as a browser would."""
    deadline = time.monotonic() + timeout_s
    method = method.upper()
    current = httpx.URL(url)
    hop_headers = dict(headers or {})
    hop_params: Mapping[str, Any] | None = params
    hop_json = json
    drop = {h.lower() for h in sensitive_headers} | CREDENTIAL_HEADERS
    origin: tuple[str, str, int] | None = None
    for _hop in range(max_redirects + 1):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise UrlTimeout("hết thời gian chờ")
        target = resolve_checked(current, allowed_hosts=allowed_hosts, timeout_s=remaining)
        hop_origin = (target.url.scheme, target.host, target.port)
        if origin is None:
            origin = hop_origin
        elif hop_origin != origin:
            hop_headers = {k: v for k, v in hop_headers.items() if k.lower() not in drop}
        response = _exchange(
            target, method, hop_headers, hop_params, hop_json, deadline=deadline, max_bytes=max_bytes
        )
        if isinstance(response, SafeResponse):
            return response
        status, location = response
        try:
            current = current.join(location)
        except (httpx.InvalidURL, ValueError):
            raise UrlRefused("địa chỉ chuyển hướng không hợp lệ", code="invalid") from None
        new_method = _redirect_method(status, method)
        if new_method != method:
            hop_json = None
        method = new_method
        hop_params = None
    raise UrlFetchFailed(f"quá {max_redirects} lần chuyển hướng")


def _exchange(
    target: CheckedTarget,
    method: str,
    headers: Mapping[str, str],
    params: Mapping[str, Any] | None,
    json: Any,
    *,
    deadline: float,
    max_bytes: int,
) -> SafeResponse | tuple[int, str]:
    """One hop: a SafeResponse, or (status, location) for a redirect to follow."""
    backend = _PinnedBackend(target)
    remaining = max(deadline - time.monotonic(), 0.01)
    watchdog = threading.Timer(remaining, backend.abort)
    watchdog.daemon = True
    watchdog.start()
    _guarded.active = True
    try:
        with (
            httpx.Client(transport=_PinnedTransport(backend), trust_env=False, timeout=remaining) as client,
            client.stream(method, target.url, headers=headers, params=params, json=json) as response,
        ):
            location = response.headers.get("location")
            if response.status_code in REDIRECT_STATUSES and location:
                return response.status_code, location
            chunks: list[bytes] = []
            size = 0
            truncated = False
            for chunk in response.iter_bytes():
                chunks.append(chunk)
                size += len(chunk)
                if size > max_bytes:
                    truncated = True
                    break
                if time.monotonic() > deadline:
                    raise UrlTimeout("hết thời gian chờ khi đọc phản hồi")
            body = b"".join(chunks)[:max_bytes]
            return SafeResponse(
                status=response.status_code,
                headers={k.lower(): v for k, v in response.headers.items()},
                body_text=_decode(body, response.headers.get("content-type", "")),
                truncated=truncated,
                url=str(response.url),
            )
    except httpx.TimeoutException:
        raise UrlTimeout("hết thời gian chờ") from None
    except httpx.HTTPError as exc:
        if backend.aborted:
            raise UrlTimeout("hết thời gian chờ") from None
        raise UrlFetchFailed(f"lỗi kết nối: {type(exc).__name__}") from None
    finally:
        _guarded.active = False
        watchdog.cancel()
