"""Helpers that build malformed, hostile or sample files in a temporary folder at test time.

Nothing binary is committed: every file is generated here.
"""

from __future__ import annotations

import unicodedata
import zipfile
from pathlib import Path

_TONES = {"\u0300", "\u0301", "\u0309", "\u0303", "\u0323"}

DOCX_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'
)


def to_cp1258(text: str) -> bytes:
    """Encode Vietnamese text the way Windows-1258 stores it: base letter, then tone mark."""
    out: list[str] = []
    for ch in unicodedata.normalize("NFC", text):
        decomposed = unicodedata.normalize("NFD", ch)
        tones = "".join(c for c in decomposed if c in _TONES)
        base = unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in _TONES))
        out.append(base + tones)
    return "".join(out).encode("cp1258")


def write(tmp: Path, name: str, data: bytes) -> Path:
    path = tmp / name
    path.write_bytes(data)
    return path


def empty_file(tmp: Path, name: str) -> Path:
    return write(tmp, name, b"")


def truncated_copy(source: Path, tmp: Path, name: str, keep: float = 0.3) -> Path:
    data = source.read_bytes()
    return write(tmp, name, data[: max(1, int(len(data) * keep))])


def truncated_bytes(data: bytes, tmp: Path, name: str, keep: float = 0.5) -> Path:
    return write(tmp, name, data[: max(1, int(len(data) * keep))])


def garbage(tmp: Path, name: str, size: int = 4096) -> Path:
    # Deterministic, non-textual bytes (control characters and high bytes).
    pattern = bytes((i * 37 + 11) % 256 for i in range(256))
    return write(tmp, name, (b"\x89\x00\x01\x02" + pattern * (size // 256 + 1))[:size])


def ooxml_with_bad_xml(tmp: Path, name: str, member: str) -> Path:
    """A ZIP with the right member names but broken XML inside."""
    path = tmp / name
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", DOCX_CONTENT_TYPES)
        zf.writestr(member, "<w:document><not-closed")
    return path


def zip_bomb(tmp: Path, name: str, member: str, size_mib: int = 600) -> Path:
    """An OOXML-looking ZIP with one member of ``size_mib`` MiB of zeros, written streaming."""
    path = tmp / name
    block = bytes(1 << 20)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        zf.writestr("[Content_Types].xml", DOCX_CONTENT_TYPES)
        with zf.open(member, "w", force_zip64=True) as fh:
            for _ in range(size_mib):
                fh.write(block)
    return path


def many_members_zip(tmp: Path, name: str, member: str, count: int) -> Path:
    path = tmp / name
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr(member, "<x/>")
        for i in range(count):
            zf.writestr(f"word/media/f{i}.bin", b"x")
    return path
