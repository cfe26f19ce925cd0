"""What no endpoint accepts, checked before anything parses or stores it:

* JSON nested deeper than MAX_JSON_DEPTH. Python's parser recurses: 100,000 brackets end in a
  RecursionError (a 500) in DRF, the chat views, `/v1` and django-allauth's API alike. The depth is
  counted by a scan that skips strings, before any parser runs.
* The NUL character in text. PostgreSQL refuses it in text and in jsonb: stored, it is a 500. It is
  refused with a 400 naming the field, in a JSON or form body and in the query string.

bureau.http.middleware.RequestInputMiddleware applies both to every request; uploads (multipart) are
not read there but by DRF's parser, bureau.http.drf.MultiPartParser, which checks their fields."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

from django.http import HttpRequest, QueryDict
from django.utils.translation import gettext as _

from bureau.exceptions import ValidationFailed

MAX_JSON_DEPTH = 64

# A JSON string, escapes included, or one bracket. Possessive quantifiers: a string left open
# cannot make the scan backtrack.
_TOKENS = re.compile(r'"[^"\\]*+(?:\\.[^"\\]*+)*+"|[\[\]{}]', re.DOTALL)
_OPENING = frozenset("[{")
_CLOSING = frozenset("]}")
# How a NUL looks in JSON (its only escape: \u is lower case and 0000 has no case) and in a URL.
_JSON_NUL = "\\u0000"
_URL_NUL = "%00"


class InputRefused(ValidationFailed):
    """A body nested too deeply, or a field holding NUL. `field` names the latter (dotted path)."""

    def __init__(self, message: Any, *, field: str | None = None) -> None:
        details = {field: [_("Null characters are not allowed.")]} if field is not None else {}
        super().__init__(message, details=details)
        self.field = field


def json_too_deep(text: str, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether a JSON text nests arrays and objects deeper than `limit`. Brackets inside strings do
    not count. The text need not be valid JSON: whatever parses it later will say so."""
    if text.count("[") + text.count("{") <= limit:
        return False  # cannot be deeper than its number of brackets: the usual case, in C
    depth = 0
    for match in _TOKENS.finditer(text):
        lexeme = match.group()
        if lexeme in _OPENING:
            depth += 1
            if depth > limit:
                return True
        elif lexeme in _CLOSING:
            depth -= 1
    return False


def nul_field(value: Any, path: str = "") -> str | None:
    """The dotted path of the first string (key or value) that holds NUL in parsed JSON, or None.
    A top-level string is `non_field_errors`, as DRF names errors of no field."""
    if isinstance(value, str):
        return (path or "non_field_errors") if "\x00" in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            where = f"{path}.{key}" if path else str(key)
            if "\x00" in str(key):
                return where.replace("\x00", _JSON_NUL)
            found = nul_field(item, where)
            if found is not None:
                return found
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found = nul_field(item, f"{path}.{index}" if path else str(index))
            if found is not None:
                return found
    return None


def nul_in_fields(fields: Iterable[tuple[str, Any]]) -> str | None:
    """The first form or query field whose name or value (a string) holds NUL, or None."""
    for name, value in fields:
        if "\x00" in name:
            return name.replace("\x00", _JSON_NUL)
        if isinstance(value, str) and "\x00" in value:
            return name
    return None


def _form_fields(query: QueryDict) -> Iterable[tuple[str, str]]:
    return ((name, value) for name, values in query.lists() for value in values)


def _refuse_nul(field: str) -> InputRefused:
    return InputRefused(_("Some fields are not valid."), field=field)


def check_query_string(request: HttpRequest) -> None:
    raw = request.META.get("QUERY_STRING", "")
    if _URL_NUL in raw or "\x00" in raw:  # cheap before parsing: nearly every request passes
        field = nul_in_fields(_form_fields(request.GET))
        if field is not None:
            raise _refuse_nul(field)


def check_body(request: HttpRequest) -> None:
    """A body other than an upload: its nesting, and NUL in its JSON or form fields. Whatever its
    declared type: django-allauth's API parses any body as JSON, and clients of `/v1` send JSON
    typed as a form (curl's -d)."""
    content_type = request.META.get("CONTENT_TYPE", "")
    if content_type.startswith("multipart/"):
        return  # an upload, streamed to files: its fields are checked by DRF's parser
    body = request.body
    if not body:
        return
    text = _decoded(body, request.encoding)
    if json_too_deep(text):
        raise InputRefused(
            _("The JSON body is nested too deeply (more than %(limit)s levels).") % {"limit": MAX_JSON_DEPTH}
        )
    if _JSON_NUL in text:
        try:
            field = nul_field(json.loads(text))
        except ValueError:
            field = None  # not JSON: the view says so
        if field is not None:
            raise _refuse_nul(field)
    if content_type.startswith("application/x-www-form-urlencoded") and (_URL_NUL in text or "\x00" in text):
        field = nul_in_fields(_form_fields(QueryDict(body, encoding=request.encoding)))
        if field is not None:
            raise _refuse_nul(field)


def _decoded(body: bytes, encoding: str | None) -> str:
    """As the parsers will read it: DRF decodes with the declared charset (a UTF-16 body is not
    ASCII-compatible: its brackets and escapes are only seen once decoded)."""
    try:
        return body.decode(encoding or "utf-8", errors="replace")
    except LookupError:  # an unknown charset: the parsers refuse the body
        return body.decode("utf-8", errors="replace")


def body_json(request: HttpRequest) -> Any:
    """The body parsed as JSON, decoded as the middleware read it (not as `json.loads` would guess
    from the bytes: a UTF-16 body would escape its checks). ValueError when it is not JSON."""
    try:
        text = request.body.decode(request.encoding or "utf-8")
    except LookupError:
        raise ValueError(f"unknown charset {request.encoding!r}") from None
    return json.loads(text or "{}")


def check_form(data: QueryDict) -> None:
    """The fields of a parsed multipart body."""
    field = nul_in_fields(_form_fields(data))
    if field is not None:
        raise _refuse_nul(field)
