"""The one error shape `{"error": {"code", "message", "details"}, "request_id"}` and the one mapping
from an exception to it (`answer_for`, `response_for`), which DRF's exception handler, Django's
400/404/500 handlers, the database-unavailable middleware and the async chat views all use; and the
OpenAI-shaped error of the OpenAI-compatible API (`/v1/`), which its clients read."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any, TypedDict, overload

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DatabaseError, InterfaceError, OperationalError, connections
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults
from rest_framework import exceptions as drf_exceptions
from rest_framework.response import Response

from bureau.exceptions import BureauError, QuotaExceeded
from bureau.http import request_context

log = logging.getLogger(__name__)

DATABASE_ERRORS = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 5


class ErrorDetail(TypedDict):
    code: str
    message: str
    details: Any


class ErrorBody(TypedDict):
    error: ErrorDetail
    request_id: str


def error_body(code: str, message: Any, details: Any = None) -> ErrorBody:
    """The one error shape; `message` may be a lazy translation."""
    return {
        "error": {"code": code, "message": str(message), "details": details or {}},
        "request_id": request_context.current().request_id,
    }


@dataclass(frozen=True)
class ErrorAnswer:
    status: int
    body: ErrorBody
    headers: dict[str, str] = field(default_factory=dict)

    def json_response(self) -> JsonResponse:
        response = JsonResponse(self.body, status=self.status, json_dumps_params={"ensure_ascii": False})
        for name, value in self.headers.items():
            response[name] = value
        return response


def error_json(status: int, code: str, message: Any, details: Any = None) -> JsonResponse:
    """The one error shape as a plain Django response, for views outside DRF."""
    return ErrorAnswer(status, error_body(code, message, details)).json_response()


def _forget_broken_connections(exc: BaseException) -> None:
    """The database went away (restarted, connection killed, failed over): the broken connection is
    dropped, so that this thread's next request reconnects instead of failing on the dead one."""
    log.warning("database unavailable: %s: %s", type(exc).__name__, exc)
    for connection in connections.all(initialized_only=True):
        try:
            connection.close_if_unusable_or_obsolete()
        except DatabaseError:
            connection.connection = None  # past saving: forget it, the next use reconnects


def answer_for(exc: BaseException) -> ErrorAnswer | None:
    """The status, body and headers to answer an exception with, or None for an unexpected one
    (a bug: Django's 500 path logs it)."""
    if isinstance(exc, DATABASE_ERRORS):
        _forget_broken_connections(exc)
        body = error_body("database_unavailable", _("The database is unavailable. Try again in a moment."))
        return ErrorAnswer(503, body, {"Retry-After": str(RETRY_AFTER_SECONDS)})
    if isinstance(exc, BureauError):
        headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, QuotaExceeded) else {}
        return ErrorAnswer(exc.status_code, error_body(exc.code, exc.message, exc.details), headers)
    if isinstance(exc, Http404):
        return ErrorAnswer(404, error_body("not_found", _("Not found.")))
    if isinstance(exc, DjangoPermissionDenied):
        return ErrorAnswer(403, error_body("permission_denied", _("You do not have permission to do this.")))
    if isinstance(exc, DjangoValidationError):
        details: Any = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        return ErrorAnswer(400, error_body("invalid", _("Some fields are not valid."), details))
    if isinstance(exc, drf_exceptions.ValidationError):
        details = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        return ErrorAnswer(400, error_body("invalid", _("Some fields are not valid."), details))
    if isinstance(exc, drf_exceptions.APIException):
        wait: float | None = getattr(exc, "wait", None) if isinstance(exc, drf_exceptions.Throttled) else None
        headers = {"Retry-After": str(int(wait))} if wait is not None else {}
        return ErrorAnswer(exc.status_code, error_body(_code_of(exc), exc.detail), headers)
    return None


@overload
def response_for(exc: BureauError | Http404 | DjangoPermissionDenied) -> JsonResponse: ...
@overload
def response_for(exc: BaseException) -> JsonResponse | None: ...
def response_for(exc: BaseException) -> JsonResponse | None:
    """As answer_for, as a plain Django response."""
    answer = answer_for(exc)
    return answer.json_response() if answer is not None else None


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's EXCEPTION_HANDLER: answer_for in a DRF Response (so that content negotiation and the
    browsable API still apply), with DRF's WWW-Authenticate header on a 401."""
    answer = answer_for(exc)
    if answer is None:
        return None
    response = Response(answer.body, status=answer.status, headers=answer.headers or None)
    if isinstance(exc, drf_exceptions.NotAuthenticated | drf_exceptions.AuthenticationFailed):
        view = context.get("view")
        request = context.get("request")
        if view is not None and request is not None:
            header = view.get_authenticate_header(request)
            if header:
                response["WWW-Authenticate"] = header
    return response


def _code_of(exc: drf_exceptions.APIException) -> str:
    codes = exc.get_codes()
    return codes if isinstance(codes, str) else exc.default_code


def openai_error_body(
    message: str,
    kind: str = "invalid_request_error",
    code: str | None = None,
    param: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """The error shape of the OpenAI-compatible API (`/v1/`), which OpenAI's clients read."""
    return {"error": {"message": message, "type": kind, "param": param, "code": code, **extra}}


def openai_error(
    status: int,
    message: str,
    kind: str = "invalid_request_error",
    code: str | None = None,
    param: str | None = None,
) -> JsonResponse:
    body = openai_error_body(message, kind, code, param)
    return JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})


def _openai_path(request: HttpRequest) -> bool:
    return request.path.startswith("/v1/")


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """handler400: a request Django refuses before any view (a malformed multipart body, too many
    fields) gets the error shape on the API, the HTML page elsewhere."""
    if _openai_path(request):
        return openai_error(400, str(_("The request could not be read.")))
    if request.path.startswith("/api/"):
        return error_json(400, "bad_request", _("The request could not be read."))
    return defaults.bad_request(request, exception)


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """handler404: an API client gets the error shape for a URL no route matches (a malformed id),
    not the HTML page; under /v1/, OpenAI's answer to a path it does not serve (`/v1/responses`,
    `/v1/embeddings`), which its clients raise as NotFoundError."""
    if _openai_path(request):
        return openai_error(404, f"Invalid URL ({request.method} {request.path})")
    if request.path.startswith("/api/"):
        return response_for(exception if isinstance(exception, Http404) else Http404())
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: the error shape for the API, the HTML page elsewhere."""
    if _openai_path(request):
        return openai_error(500, str(_("Server error.")), kind="server_error")
    if request.path.startswith("/api/"):
        return error_json(500, "server_error", _("Server error."))
    return defaults.server_error(request)
