from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.http import HttpRequest
from django.http.response import HttpResponseBase

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
