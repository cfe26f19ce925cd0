from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.conf import settings
from django.contrib.auth import middleware as auth_middleware
from django.http import HttpRequest, JsonResponse
from django.http.response import HttpResponseBase
from django.middleware import clickjacking, common, locale, security

from bureau import request_context


class RequestContextMiddleware:
    """Gives every request an id (echoed as X-Request-ID) and records where it came from. Sync and
    async, so that async views (the streaming chat) run without a thread hop."""

    sync_capable = True
    async_capable = True

    def __init__(self, get_response: Callable[[HttpRequest], Any]) -> None:
        self.get_response = get_response
        self.is_async = iscoroutinefunction(get_response)
        if self.is_async:
            markcoroutinefunction(self)

    def __call__(self, request: HttpRequest) -> Any:
        if self.is_async:
            return self._acall(request)
        meta = request_context.meta_from_request(request)
        token = request_context.set_current(meta)
        try:
            response: HttpResponseBase = self.get_response(request)
        finally:
            request_context.reset(token)
        response["X-Request-ID"] = meta.request_id
        return response

    async def _acall(self, request: HttpRequest) -> HttpResponseBase:
        meta = request_context.meta_from_request(request)
        token = request_context.set_current(meta)
        try:
            get_response: Callable[[HttpRequest], Awaitable[HttpResponseBase]] = self.get_response
            response = await get_response(request)
        finally:
            request_context.reset(token)
        response["X-Request-ID"] = meta.request_id
        return response


class InlineHooksMixin:
    """For Django middleware whose hooks only read the request and set headers, never touching the
    database or the session: under ASGI they run in the event loop. Django's MiddlewareMixin runs
    each hook of a sync middleware through `sync_to_async` (one thread, shared by all requests):
    two hops per middleware and request, before a streaming answer's first byte is sent, each
    waiting for a turn of the loop, which 100 concurrent streams keep busy. Under WSGI (and the
    test client) nothing changes."""

    get_response: Any  # set by MiddlewareMixin: async in the mode this method serves

    async def __acall__(self, request: HttpRequest) -> HttpResponseBase:
        response = None
        process_request = getattr(self, "process_request", None)
        if process_request is not None:
            response = process_request(request)
        response = response or await self.get_response(request)
        process_response = getattr(self, "process_response", None)
        if process_response is not None:
            response = process_response(request, response)
        return response


class SecurityMiddleware(InlineHooksMixin, security.SecurityMiddleware):
    pass


class LocaleMiddleware(InlineHooksMixin, locale.LocaleMiddleware):
    """Activates the request's language in the request's context (the view and its database
    threads see it, as with the thread hop, which copied it back)."""


class CommonMiddleware(InlineHooksMixin, common.CommonMiddleware):
    pass


class AuthenticationMiddleware(InlineHooksMixin, auth_middleware.AuthenticationMiddleware):
    """Only sets the lazy `request.user` and `request.auser`; reading the user is the view's
    business (the chat's views await `request.auser()`)."""


class XFrameOptionsMiddleware(InlineHooksMixin, clickjacking.XFrameOptionsMiddleware):
    pass


class SecurityHeadersMiddleware:
    """The browser-side hardening headers on every response (the web app, the API, static files
    and the streamed chats): Content-Security-Policy, Permissions-Policy, X-Frame-Options,
    X-Content-Type-Options, Referrer-Policy and Cross-Origin-Opener-Policy. A header the view set
    itself is kept: a page with other needs states its own policy. Sync and async, like the above,
    so that the streaming chats keep running without a thread hop."""

    sync_capable = True
    async_capable = True

    def __init__(self, get_response: Callable[[HttpRequest], Any]) -> None:
        self.get_response = get_response
        self.is_async = iscoroutinefunction(get_response)
        if self.is_async:
            markcoroutinefunction(self)
        self.headers = security_headers()

    def __call__(self, request: HttpRequest) -> Any:
        if self.is_async:
            return self._acall(request)
        response: HttpResponseBase = self.get_response(request)
        return self._apply(response)

    async def _acall(self, request: HttpRequest) -> HttpResponseBase:
        get_response: Callable[[HttpRequest], Awaitable[HttpResponseBase]] = self.get_response
        return self._apply(await get_response(request))

    def _apply(self, response: HttpResponseBase) -> HttpResponseBase:
        for name, value in self.headers:
            if name not in response:
                response[name] = value
        return response


def content_security_policy(directives: dict[str, list[str]]) -> str:
    return "; ".join(f"{name} {' '.join(sources)}".strip() for name, sources in directives.items())


def security_headers() -> list[tuple[str, str]]:
    csp_header = (
        "Content-Security-Policy-Report-Only"
        if settings.CONTENT_SECURITY_POLICY_REPORT_ONLY
        else "Content-Security-Policy"
    )
    headers = [
        (csp_header, content_security_policy(settings.CONTENT_SECURITY_POLICY)),
        ("Permissions-Policy", settings.PERMISSIONS_POLICY),
        ("X-Frame-Options", settings.X_FRAME_OPTIONS),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", settings.SECURE_REFERRER_POLICY),
        ("Cross-Origin-Opener-Policy", settings.SECURE_CROSS_ORIGIN_OPENER_POLICY),
    ]
    return [(name, value) for name, value in headers if value]


class DatabaseUnavailableMiddleware:
    """A lost database connection, outside the DRF views (whose exception handler does the same):
    the async chat and OpenAI-compatible views, the web app's page. The client gets the one JSON
    error shape with status 503 and Retry-After, not a 500 page; the next request reconnects."""

    sync_capable = True
    async_capable = True

    def __init__(self, get_response: Callable[[HttpRequest], Any]) -> None:
        self.get_response = get_response
        if iscoroutinefunction(get_response):
            markcoroutinefunction(self)

    def __call__(self, request: HttpRequest) -> Any:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> JsonResponse | None:
        from bureau.api import DATABASE_ERRORS, RETRY_AFTER_SECONDS, database_unavailable

        if not isinstance(exception, DATABASE_ERRORS):
            return None
        status, body = database_unavailable(exception)
        response = JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
