"""A drafted DOCX laid out as PDF by LibreOffice, headless, the way the tests check the layout."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from django.utils.translation import gettext_noop

CONVERT_TIMEOUT_SECONDS = 60.0


class PdfConversionFailed(Exception):
    """`reason` is an English message marked for translation; it is stored as it is and translated
    when shown."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


NO_CONVERTER = gettext_noop(
    "The PDF cannot be made: LibreOffice is not installed on the server. The DOCX file can be downloaded."
)
TIMED_OUT = gettext_noop(
    "The PDF could not be made: LibreOffice took too long. The DOCX file can be downloaded."
)
FAILED = gettext_noop(
    "The PDF could not be made: LibreOffice could not convert the file. The DOCX file can be downloaded."
)


def docx_to_pdf(data: bytes, *, timeout: float = CONVERT_TIMEOUT_SECONDS) -> bytes:
    binary = shutil.which("soffice") or shutil.which("libreoffice")
    if binary is None:
        raise PdfConversionFailed(NO_CONVERTER)
    with tempfile.TemporaryDirectory(prefix="bureau-pdf-") as folder:
        source = Path(folder, "draft.docx")
        source.write_bytes(data)
        # A profile of its own: two conversions at once must not share LibreOffice's lock.
        profile = Path(folder, "profile").as_uri()
        command = [binary, f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf"]
        try:
            subprocess.run(
                [*command, "--outdir", folder, str(source)], capture_output=True, timeout=timeout, check=False
            )
        except subprocess.TimeoutExpired:
            raise PdfConversionFailed(TIMED_OUT) from None
        except OSError:
            raise PdfConversionFailed(FAILED) from None
        result = Path(folder, "draft.pdf")
        if not result.exists() or result.stat().st_size == 0:
            raise PdfConversionFailed(FAILED)
        return result.read_bytes()
