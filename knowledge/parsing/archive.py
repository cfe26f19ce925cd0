"""ZIP (OOXML) safety checks, done before any XML library opens the archive."""

from __future__ import annotations

import zipfile
from pathlib import Path

from .base import FileKind, ParseError, ParseLimits, corrupt_error, zip_bomb_error

#: Members smaller than this are never judged by their compression ratio alone.
_RATIO_MIN_BYTES = 1024 * 1024
_STORED_OVERHEAD = 1024


def check_zip(path: Path, kind: FileKind, limits: ParseLimits) -> list[str]:
    """Validate the archive's central directory and return its member names.

    Rejects archives with too many members, a total declared uncompressed size above
    ``limits.max_uncompressed_bytes`` or a compression ratio above
    ``limits.max_compression_ratio``, and members whose declared size is smaller than their
    compressed bytes. Python's ``zipfile`` never returns more than the declared size, so checking
    the declared sizes bounds memory; the parse's deadline (isolated.py) bounds the rest.
    """
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise corrupt_error(kind, f"{type(exc).__name__}: {exc}") from exc
    if len(infos) > limits.max_zip_members:
        raise zip_bomb_error(f"{len(infos)} members > {limits.max_zip_members}")
    total = 0
    total_compressed = 0
    for info in infos:
        total += info.file_size
        total_compressed += info.compress_size
        if total > limits.max_uncompressed_bytes:
            raise zip_bomb_error(f"declared size {total} > {limits.max_uncompressed_bytes}")
        if info.compress_size > info.file_size + info.file_size // 100 + _STORED_OVERHEAD:
            # Deflate never grows data by more than a few bytes per block: a member whose compressed
            # bytes outnumber its declared size lies about the size, and inflating it only to stop
            # at the declared size would still cost the CPU time of the whole bomb.
            raise zip_bomb_error(f"member {info.filename!r} declares {info.file_size} bytes")
        if info.file_size >= _RATIO_MIN_BYTES:
            ratio = info.file_size / max(info.compress_size, 1)
            if ratio > limits.max_compression_ratio:
                raise zip_bomb_error(f"member {info.filename!r} ratio {ratio:.0f}")
    if total >= _RATIO_MIN_BYTES and total / max(total_compressed, 1) > limits.max_compression_ratio:
        raise zip_bomb_error(f"archive ratio {total / max(total_compressed, 1):.0f}")
    return [i.filename for i in infos]


def require_member(names: list[str], member: str, kind: FileKind) -> None:
    if member not in names:
        raise corrupt_error(kind, f"missing {member}")


def ooxml_kind_from_names(names: list[str]) -> FileKind | None:
    """Tell DOCX / XLSX / PPTX apart from the archive's member names."""
    tops = {n.split("/", 1)[0] for n in names if "/" in n}
    if "word/document.xml" in names or "word" in tops:
        return FileKind.DOCX
    if "xl/workbook.xml" in names or "xl" in tops:
        return FileKind.XLSX
    if "ppt/presentation.xml" in names or "ppt" in tops:
        return FileKind.PPTX
    return None


def unsupported_archive_error() -> ParseError:
    return ParseError(
        "unsupported_archive",
        "this ZIP archive is not a Word, Excel or PowerPoint file",
        "tệp ZIP này không phải tài liệu Word, Excel hay PowerPoint",
    )
