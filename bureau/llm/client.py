"""Which endpoint and model a chat talks to, and the `openai` clients that reach it.

`chat_target_for` resolves, in order:

1. the provider named by `provider_id`, when it belongs to the organization;
2. else the organization's default provider;
3. else, when the organization has no provider at all and OPENAI_BASE_URL is set, the provider made
   from the settings (stored once, named "Mặc định", see `ensure_default_provider`);
4. else None: no provider, and the chat answers in extractive mode.

A provider whose base URL is (or now resolves to) a link-local or cloud metadata address raises
ProviderRefused (bureau/security/url_guard.py, `endpoint_refusal`).

The model is `model_name`, else the provider's default chat model, else the first it offers; a
provider that offers none and was named none gives None as well (nothing could be asked).

The clients never retry (`max_retries=0`): the chat runtime decides about retries. Async clients
are cached per provider version and event loop, so that streaming chats reuse connection pools; an
edit of the provider (a new `updated_at`) makes a new client.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import threading
import weakref
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import openai
from django.conf import settings

from bureau.exceptions import ProviderRefused
from bureau.llm.models import ModelProvider
from bureau.llm.services import NO_KEY, ensure_default_provider
from bureau.security.crypto import decrypt_secret
from bureau.security.url_guard import endpoint_refusal

# (provider id, updated_at) — or (base URL, None) for a target that has no stored provider.
ClientKey = tuple[int | str, datetime | None]


@dataclass(frozen=True)
class ChatTarget:
    provider: ModelProvider | None
    model: str
    base_url: str
    # Decrypted only when a client is made; kept out of repr so it cannot reach a log line.
    api_key_encrypted: str = field(default="", repr=False)

    @property
    def cache_key(self) -> ClientKey:
        if self.provider is not None and self.provider.pk is not None:
            return (self.provider.pk, self.provider.updated_at)
        return (self.base_url, None)

    def async_client(self) -> openai.AsyncOpenAI:
        return async_client(self)

    def sync_client(self) -> openai.OpenAI:
        return sync_client(self)


def _target(provider: ModelProvider, model_name: str) -> ChatTarget | None:
    model = model_name or provider.default_chat_model or next(iter(provider.chat_models or []), "")
    if not model:
        return None
    # At each turn, the name resolved again: it may point at a metadata address since it was saved.
    if endpoint_refusal(provider.base_url) is not None:
        raise ProviderRefused()
    return ChatTarget(
        provider=provider,
        model=model,
        base_url=provider.base_url,
        api_key_encrypted=provider.api_key_encrypted,
    )


def chat_target_for(
    *,
    organization_id: int,
    provider_id: int | None,
    model_name: str,
    named: ModelProvider | None = None,
) -> ChatTarget | None:
    """See the module docstring. Synchronous (it may read and write the database): call it from an
    async view through `sync_to_async`. `named`: the provider `provider_id` names, when the caller
    has it already (read in the same request), to save reading it again."""
    if named is not None and named.pk == provider_id and named.organization_id == organization_id:
        return _target(named, model_name)
    providers = ModelProvider.objects.filter(organization_id=organization_id)
    if provider_id is not None:
        named = providers.filter(pk=provider_id).first()
        if named is not None:
            return _target(named, model_name)
    default = providers.filter(is_default=True).first()
    if default is not None:
        return _target(default, model_name)
    made = ensure_default_provider(organization_id)
    return _target(made, model_name) if made is not None else None


def _timeout() -> float:
    return float(settings.LLM_TIMEOUT_SECONDS)


def _api_key(target: ChatTarget) -> str:
    return decrypt_secret(target.api_key_encrypted) or NO_KEY


_lock = threading.Lock()
# An AsyncOpenAI client's connections belong to the event loop that opened them, so the cache is
# per loop; a loop that ends takes its clients with it.
_async_clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[ClientKey, openai.AsyncOpenAI]] = (
    weakref.WeakKeyDictionary()
)
_sync_clients: dict[ClientKey, openai.OpenAI] = {}
# Old versions of a provider's client are dropped when the cache grows past this.
_MAX_CLIENTS = 64


def async_client(target: ChatTarget) -> openai.AsyncOpenAI:
    """Call inside the event loop that will use the client."""
    try:
        loop: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
    except RuntimeError:
        loop = None
    if loop is None:  # no loop yet: a client that is not shared
        return _make_async(target)
    with _lock:
        if loop not in _async_clients:
            _close_clients_of_closed_loops()
        clients = _async_clients.setdefault(loop, {})
        client = clients.get(target.cache_key)
        if client is None:
            _evict(clients, target.cache_key)
            client = clients[target.cache_key] = _make_async(target, http_client=_aiohttp_client())
        return client


def sync_client(target: ChatTarget) -> openai.OpenAI:
    with _lock:
        client = _sync_clients.get(target.cache_key)
        if client is None:
            _evict(_sync_clients, target.cache_key)
            client = _sync_clients[target.cache_key] = openai.OpenAI(
                base_url=target.base_url, api_key=_api_key(target), timeout=_timeout(), max_retries=0
            )
        return client


def _make_async(target: ChatTarget, http_client: Any = None) -> openai.AsyncOpenAI:
    return openai.AsyncOpenAI(
        base_url=target.base_url,
        api_key=_api_key(target),
        timeout=_timeout(),
        max_retries=0,
        http_client=http_client,
    )


def _close_clients_of_closed_loops() -> None:
    """An aiohttp session holds its loop, so the cache would keep every ended loop (a test's, a
    management command's) and its sessions: they are closed and forgotten here, when a new loop
    asks for a client, and at exit."""
    for loop in [loop for loop in _async_clients if loop.is_closed()]:
        for client in _async_clients.pop(loop).values():
            _close_transport(client)


def _close_transport(client: openai.AsyncOpenAI) -> None:
    # Its loop is closed, so nothing can be awaited: the aiohttp connector's synchronous close
    # drops the sockets, and the session, seen closed, makes no complaint when collected.
    session = getattr(getattr(getattr(client, "_client", None), "_transport", None), "client", None)
    connector = getattr(session, "connector", None)
    close = getattr(connector, "_close", None)
    if close is not None:
        with contextlib.suppress(Exception):
            close()


@atexit.register
def _close_all_at_exit() -> None:
    for clients in list(_async_clients.values()):
        for client in clients.values():
            _close_transport(client)


def _aiohttp_client() -> Any:
    """The client's aiohttp transport (the `openai[aiohttp]` extra), for the clients that live as
    long as their event loop: its HTTP parser is compiled, where the default transport parses each
    streamed token's chunk in Python, which was a quarter of the platform's CPU per token. None
    (the default transport) where aiohttp is missing or LLM_HTTP_TRANSPORT says "httpx"."""
    if settings.LLM_HTTP_TRANSPORT != "aiohttp":
        return None
    try:
        return openai.DefaultAioHttpClient(timeout=_timeout())
    except RuntimeError:  # the extra is not installed
        return None


def _evict(
    clients: dict[ClientKey, openai.AsyncOpenAI] | dict[ClientKey, openai.OpenAI], key: ClientKey
) -> None:
    """Forget older versions of the same provider (their key or URL changed) and, past the limit,
    the oldest entries. Evicted clients are not closed: a request may still be streaming on one;
    their pools close when they are collected."""
    for stale in [k for k in clients if k[0] == key[0] and k != key]:
        del clients[stale]
    while len(clients) >= _MAX_CLIENTS:
        del clients[next(iter(clients))]


def clear_client_cache() -> None:
    """For tests and after rotating the encryption key."""
    with _lock:
        _async_clients.clear()
        _sync_clients.clear()
