"""The one error shape: DRF's exception handler, Django's 400/404/500 handlers, and the error shape
of the OpenAI-compatible API, which the middleware answers with too."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

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

if TYPE_CHECKING:  # DRF imports this module while loading its views: no runtime import back
    pass


def error_response(status: int, code: str, message: str, details: Any = None) -> Response:
    """The one error shape: {"error": {"code", "message", "details"}, "request_id"}."""
    body = {
        "error": {"code": code, "message": message, "details": details or {}},
        "request_id": request_context.current().request_id,
    }
    return Response(body, status=status)


DATABASE_ERRORS = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 5


def database_unavailable(exc: BaseException) -> tuple[int, dict[str, Any]]:
    """The database went away (restarted, connection killed, failed over): the status and body to
    answer with. The broken connection is dropped, so that this thread's next request reconnects
    instead of failing on the dead one."""
    log.warning("database unavailable: %s: %s", type(exc).__name__, exc)
    for connection in connections.all(initialized_only=True):
        try:
            connection.close_if_unusable_or_obsolete()
        except DatabaseError:
            connection.connection = None  # past saving: forget it, the next use reconnects
    body = {
        "error": {
            "code": "database_unavailable",
            "message": str(_("The database is unavailable. Try again in a moment.")),
            "details": {},
        },
        "request_id": request_context.current().request_id,
    }
    return 503, body


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DATABASE_ERRORS):
        status, body = database_unavailable(exc)
        return Response(body, status=status, headers={"Retry-After": str(RETRY_AFTER_SECONDS)})
    if isinstance(exc, BureauError):
        response = error_response(exc.status_code, exc.code, str(exc.message), exc.details)
        if isinstance(exc, QuotaExceeded):
            response["Retry-After"] = str(exc.retry_after)
        return response
    if isinstance(exc, Http404):
        return error_response(404, "not_found", _("Not found."))
    if isinstance(exc, DjangoPermissionDenied):
        return error_response(403, "permission_denied", _("You do not have permission to do this."))
    if isinstance(exc, DjangoValidationError):
        details: Any = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        return error_response(400, "invalid", _("Some fields are not valid."), details)
    if isinstance(exc, drf_exceptions.ValidationError):
        details = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        return error_response(400, "invalid", _("Some fields are not valid."), details)
    if isinstance(exc, drf_exceptions.APIException):
        response = error_response(exc.status_code, _code_of(exc), str(exc.detail))
        wait = getattr(exc, "wait", None)
        if isinstance(exc, drf_exceptions.Throttled) and wait is not None:
            response["Retry-After"] = str(int(wait))
        if isinstance(exc, drf_exceptions.NotAuthenticated | drf_exceptions.AuthenticationFailed):
            view = context.get("view")
            request = context.get("request")
            if view is not None and request is not None:
                header = view.get_authenticate_header(request)
                if header:
                    response["WWW-Authenticate"] = header
        return response
    return None


def _code_of(exc: drf_exceptions.APIException) -> str:
    codes = exc.get_codes()
    return codes if isinstance(codes, str) else exc.default_code


def openai_error(
    status: int,
    message: str,
    kind: str = "invalid_request_error",
    code: str | None = None,
    param: str | None = None,
) -> JsonResponse:
    """The error shape of the OpenAI-compatible API (`/v1/`), which OpenAI's clients read."""
    return JsonResponse(
        {"error": {"message": message, "type": kind, "param": param, "code": code}},
        status=status,
        json_dumps_params={"ensure_ascii": False},
    )


def api_error(status: int, code: str, message: str, details: Any = None) -> JsonResponse:
    body = {
        "error": {"code": code, "message": message, "details": details or {}},
        "request_id": request_context.current().request_id,
    }
    return JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})


def _openai_path(request: HttpRequest) -> bool:
    return request.path.startswith("/v1/")


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """handler400: a request Django refuses before any view (a malformed multipart body, too many
    fields) gets the error shape on the API, the HTML page elsewhere."""
    if _openai_path(request):
        return openai_error(400, str(_("The request could not be read.")))
    if request.path.startswith("/api/"):
        return api_error(400, "bad_request", _("The request could not be read."))
    return defaults.bad_request(request, exception)


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """handler404: an API client gets the error shape for a URL no route matches (a malformed id),
    not the HTML page; under /v1/, OpenAI's answer to a path it does not serve (`/v1/responses`,
    `/v1/embeddings`), which its clients raise as NotFoundError."""
    if _openai_path(request):
        return openai_error(404, f"Invalid URL ({request.method} {request.path})")
    if request.path.startswith("/api/"):
        return api_error(404, "not_found", _("Not found."))
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: the error shape for the API, the HTML page elsewhere."""
    if _openai_path(request):
        return openai_error(500, str(_("Server error.")), kind="server_error")
    if request.path.startswith("/api/"):
        return api_error(500, "server_error", _("Server error."))
    return defaults.server_error(request)
