from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from asgiref.sync import iscoroutinefunction, markcoroutinefunction, sync_to_async
from django.conf import settings
from django.contrib.auth import middleware as auth_middleware
from django.contrib.messages import middleware as messages_middleware
from django.contrib.sessions import middleware as sessions_middleware
from django.http import HttpRequest, JsonResponse
from django.http.response import HttpResponseBase
from django.middleware import clickjacking, common, csrf, locale, security

from bureau.http import request_context, request_input


class SyncAndAsyncMiddleware:
    """A middleware that runs in the caller's mode: in the event loop under ASGI (the streaming chats
    keep running without a thread hop), in the thread under WSGI and the test client."""

    sync_capable = True
    async_capable = True

    def __init__(self, get_response: Callable[[HttpRequest], Any]) -> None:
        self.get_response = get_response
        self.is_async = iscoroutinefunction(get_response)
        if self.is_async:
            markcoroutinefunction(self)

    def __call__(self, request: HttpRequest) -> Any:
        # In either mode: under ASGI, get_response returns the awaitable the caller awaits.
        return self.get_response(request)


class RequestContextMiddleware(SyncAndAsyncMiddleware):
    """Gives every request an id (echoed as X-Request-ID) and records where it came from. Sync and
    async, so that async views (the streaming chat) run without a thread hop."""

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


class RequestInputMiddleware(SyncAndAsyncMiddleware):
    """Refuses, before any view parses it, a body nested too deeply and NUL in a JSON or form body
    or the query string (bureau/http/request_input.py): a 400 in the API's error shape, in OpenAI's on
    `/v1/`. It reads the body (never an upload's) and parses nothing in the usual case; sync and
    async, so that the streaming chats run without a thread hop."""

    def __call__(self, request: HttpRequest) -> Any:
        if self.is_async:
            return self._acall(request)
        return self._refusal(request) or self.get_response(request)

    async def _acall(self, request: HttpRequest) -> HttpResponseBase:
        refusal = self._refusal(request)
        if refusal is not None:
            return refusal
        get_response: Callable[[HttpRequest], Awaitable[HttpResponseBase]] = self.get_response
        return await get_response(request)

    @staticmethod
    def _refusal(request: HttpRequest) -> JsonResponse | None:
        from bureau.http.errors import error_json, openai_error

        try:
            request_input.check_query_string(request)
            request_input.check_body(request)
        except request_input.InputRefused as refused:
            if request.path.startswith("/v1/"):
                message = str(refused.message)
                if refused.field is not None:
                    message = f"{refused.field}: {refused.details[refused.field][0]}"
                return openai_error(400, message, param=refused.field)
            return error_json(400, refused.code, refused.message, refused.details)
        return None


class InlineHooksMixin:
    """For Django middleware whose hooks only read the request and set headers, never touching the
    database or the session: under ASGI they run in the event loop. Django's MiddlewareMixin runs
    each hook of a sync middleware through `sync_to_async` (one thread, shared by all requests):
    two hops per middleware and request, before a streaming answer's first byte is sent, each
    waiting for a turn of the loop, which 100 concurrent streams keep busy. Under WSGI (and the
    test client) nothing changes."""

    get_response: Any  # set by MiddlewareMixin: async in the mode this method serves
    async_mode: bool

    def __init__(self, get_response: Any) -> None:
        super().__init__(get_response)  # type: ignore[call-arg]
        view_hook = getattr(self, "process_view", None)
        if self.async_mode and view_hook is not None:
            # Django adapts a sync `process_view` with sync_to_async (a thread hop per request);
            # an async one it awaits as it is.
            async def process_view(request: HttpRequest, view: Any, args: Any, kwargs: Any) -> Any:
                return view_hook(request, view, args, kwargs)

            self.__dict__["process_view"] = process_view  # on the instance: what Django reads

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


class CsrfViewMiddleware(InlineHooksMixin, csrf.CsrfViewMiddleware):
    """Its token lives in a cookie (CSRF_USE_SESSIONS is off): no hook reads the database."""


class SessionMiddleware(sessions_middleware.SessionMiddleware):
    """Makes the lazy session in the loop (it is read from the database only when used, which the
    views do in their own threads) and saves it, in Django's thread, only when it changed: an API
    call or a chat that did not sign anyone in or out costs no thread hop."""

    get_response: Any
    async_mode: bool

    async def __acall__(self, request: HttpRequest) -> HttpResponseBase:
        self.process_request(request)
        response = await self.get_response(request)
        session = getattr(request, "session", None)
        if session is not None and (session.modified or settings.SESSION_SAVE_EVERY_REQUEST):
            saved: HttpResponseBase = await sync_to_async(self.process_response)(request, response)
            return saved
        return self.process_response(request, response)


class MessageMiddleware(messages_middleware.MessageMiddleware):
    """Its storage is made in the loop; storing messages (which may load the session) only happens,
    in Django's thread, when a view used or added one."""

    get_response: Any
    async_mode: bool

    async def __acall__(self, request: HttpRequest) -> HttpResponseBase:
        self.process_request(request)
        response = await self.get_response(request)
        storage = getattr(request, "_messages", None)
        if storage is not None and (storage.used or storage.added_new):
            stored: HttpResponseBase = await sync_to_async(self.process_response)(request, response)
            return stored
        return self.process_response(request, response)


class SecurityHeadersMiddleware(SyncAndAsyncMiddleware):
    """The browser-side hardening headers on every response (the web app, the API, static files
    and the streamed chats): Content-Security-Policy, Permissions-Policy, X-Frame-Options,
    X-Content-Type-Options, Referrer-Policy and Cross-Origin-Opener-Policy. A header the view set
    itself is kept: a page with other needs states its own policy. Sync and async, like the above,
    so that the streaming chats keep running without a thread hop."""

    def __init__(self, get_response: Callable[[HttpRequest], Any]) -> None:
        super().__init__(get_response)
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


class DatabaseUnavailableMiddleware(SyncAndAsyncMiddleware):
    """A lost database connection, outside the DRF views (whose exception handler does the same):
    the async chat and OpenAI-compatible views, the web app's page. The client gets the one JSON
    error shape with status 503 and Retry-After, not a 500 page; the next request reconnects."""

    def process_exception(self, request: HttpRequest, exception: Exception) -> JsonResponse | None:
        from bureau.http.errors import DATABASE_ERRORS, response_for

        if not isinstance(exception, DATABASE_ERRORS):
            return None
        return response_for(exception)
