"""Serving a stored file: an original a user uploaded, a document an assistant drafted. The bytes are
someone's content on our origin: shown as HTML, SVG or XML they would run their scripts with the
reader's session (stored XSS). So only types a browser displays without running anything from the
file are shown inline, and only when asked; anything else is a download, typed as plain bytes; no
response lets the browser guess another type (nosniff); and every one but an inline PDF is
sandboxed (no script, no same origin) should a browser render it anyway."""

from __future__ import annotations

import mimetypes
from typing import Any

from django.http import FileResponse

# Shown inline when asked: nothing in them runs with the page's rights.
INLINE_TYPES = frozenset(
    {"application/pdf", "image/png", "image/jpeg", "image/gif", "image/webp", "text/plain"}
)
# Downloaded with their own type: documents that only an application opens.
DOWNLOAD_TYPES = INLINE_TYPES | {
    "application/msword",
    "application/vnd.ms-excel",
    "application/vnd.ms-powerpoint",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "application/vnd.oasis.opendocument.text",
    "application/vnd.oasis.opendocument.spreadsheet",
    "application/zip",
    "text/csv",
}
SAFE_TYPE = "application/octet-stream"


def file_response(
    file: Any, *, filename: str, inline: bool = False, content_type: str | None = None
) -> FileResponse:
    """`file` open for reading; `inline`: shown in the browser if its type allows (a citation opens
    a PDF at its page), else downloaded. The type comes from `content_type` or the file's name,
    never from the bytes."""
    kind = (content_type or mimetypes.guess_type(filename)[0] or SAFE_TYPE).lower()
    shown = inline and kind in INLINE_TYPES
    response = FileResponse(
        file,
        filename=filename,
        as_attachment=not shown,
        content_type=kind if kind in DOWNLOAD_TYPES else SAFE_TYPE,
    )
    response["X-Content-Type-Options"] = "nosniff"
    if not (shown and kind == "application/pdf"):
        # Browsers' PDF viewers refuse to run sandboxed (Chrome shows "blocked"); they run no
        # script with the origin's rights, and the site's own policy still applies to them.
        response["Content-Security-Policy"] = "sandbox"
    return response
