from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from bureau import request_context


class RequestContextMiddleware:
    """Gives every request an id (echoed as X-Request-ID) and records where it came from."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        meta = request_context.meta_from_request(request)
        token = request_context.set_current(meta)
        try:
            response = self.get_response(request)
        finally:
            request_context.reset(token)
        response["X-Request-ID"] = meta.request_id
        return response
