"""Hostile and malformed files, built at test time (nothing large is committed): PDFs written by hand,
ZIP bombs deflated once and repeated, deep nesting, lying extensions and mad encodings."""

from __future__ import annotations

import io
import random
import struct
import zipfile
import zlib
from pathlib import Path

from tests.knowledge.fixtures_bad import DOCX_CONTENT_TYPES

# --- PDF ------------------------------------------------------------------------------------------


def pdf_bytes(objects: list[bytes], trailer_extra: bytes = b"") -> bytes:
    """A PDF of the given objects (numbered from 1; object 1 is the catalog), with a correct xref."""
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R %s >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        trailer_extra,
        xref,
    )
    return bytes(out)


def _text_page(parent: int, content: int) -> bytes:
    return b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 595 842] /Contents %d 0 R >>" % (parent, content)


_STREAM = b"BT /F1 12 Tf 72 720 Td (Dieu 1. Pham vi dieu chinh cua nghi dinh nay) Tj ET"
_CONTENT = b"<< /Length %d >>\nstream\n%s\nendstream" % (len(_STREAM), _STREAM)


def encrypted_pdf() -> bytes:
    """Standard security handler whose user password is not empty: nothing opens without it."""
    rng = random.Random(7)
    owner, user = (bytes(rng.randrange(256) for _ in range(32)).hex().encode() for _ in range(2))
    return pdf_bytes(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            _text_page(2, 4),
            _CONTENT,
            b"<< /Filter /Standard /V 1 /R 2 /O <%s> /U <%s> /P -44 >>" % (owner, user),
        ],
        trailer_extra=b"/Encrypt 5 0 R /ID [<%s><%s>]" % (b"0123456789abcdef" * 2, b"0123456789abcdef" * 2),
    )


def pdf_claiming_pages(count: int) -> bytes:
    """One real page in a page tree that claims ``count`` of them."""
    return pdf_bytes(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count %d >>" % count,
            _text_page(2, 4),
            _CONTENT,
        ]
    )


def pdf_with_pages(count: int) -> bytes:
    """``count`` real (tiny, identical) pages: small on disk, past any page limit."""
    kids = b" ".join(b"%d 0 R" % (4 + n) for n in range(count))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, count),
        _CONTENT,
    ]
    objects += [_text_page(2, 3) for _ in range(count)]
    return pdf_bytes(objects)


# --- ZIP (Word, Excel, PowerPoint) ------------------------------------------------------------------


def _local_header(name: bytes, method: int, crc: int, compressed: int, size: int, extra: bytes) -> bytes:
    return struct.pack(
        "<IHHHHHIIIHH", 0x04034B50, 45, 0, method, 0, 0x21, crc, compressed, size, len(name), len(extra)
    )


def _central_header(
    name: bytes, method: int, crc: int, compressed: int, size: int, extra: bytes, offset: int
) -> bytes:
    return struct.pack(
        "<IHHHHHHIIIHHHHHII",
        0x02014B50,
        45,
        45,
        0,
        method,
        0,
        0x21,
        crc,
        compressed,
        size,
        len(name),
        len(extra),
        0,
        0,
        0,
        0,
        offset,
    )


def deflate_bomb(
    member: str, expanded_gib: int, *, declare: int | None = None, others: dict[str, bytes] | None = None
) -> bytes:
    """A ZIP whose ``member`` inflates to ``expanded_gib`` GiB of zeros, beside ``others`` (the rest
    of a real document, stored), or a bare [Content_Types].xml.

    One MiB of zeros is deflated once (a full flush makes the piece stand alone) and repeated, so
    the file is quick to build and a few MB on disk. ``declare`` writes a smaller, lying size into
    the headers (the CRC is then wrong too: nothing may inflate the member to find out).
    """
    piece_size = 1 << 20
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    piece = compressor.compress(bytes(piece_size)) + compressor.flush(zlib.Z_FULL_FLUSH)
    tail = zlib.compressobj(9, zlib.DEFLATED, -15).flush(zlib.Z_FINISH)  # an empty final block
    pieces = expanded_gib * 1024
    crc = 0
    if declare is None:
        block = bytes(piece_size)
        for _ in range(pieces):
            crc = zlib.crc32(block, crc)
    size = pieces * piece_size if declare is None else declare
    compressed = len(piece) * pieces + len(tail)

    body, central = bytearray(), bytearray()
    for other_name, data in (others or {"[Content_Types].xml": DOCX_CONTENT_TYPES.encode()}).items():
        encoded, other_crc, at = other_name.encode(), zlib.crc32(data), len(body)
        body += _local_header(encoded, 0, other_crc, len(data), len(data), b"") + encoded + data
        central += _central_header(encoded, 0, other_crc, len(data), len(data), b"", at) + encoded
    name = member.encode()
    zip64 = struct.pack("<HHQQ", 1, 16, size, compressed)
    bomb_at = len(body)
    body += _local_header(name, 8, crc, 0xFFFFFFFF, 0xFFFFFFFF, zip64) + name + zip64
    for _ in range(pieces):
        body += piece
    body += tail
    central += _central_header(name, 8, crc, 0xFFFFFFFF, 0xFFFFFFFF, zip64, bomb_at) + name + zip64
    count = len(others or [0]) + 1
    directory_at = len(body)
    body += central
    body += struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, count, count, len(central), directory_at, 0)
    return bytes(body)


def members_of(source: Path, *, without: str) -> dict[str, bytes]:
    with zipfile.ZipFile(source) as zf:
        return {name: zf.read(name) for name in zf.namelist() if name != without}


def many_members(member: str, count: int) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("[Content_Types].xml", DOCX_CONTENT_TYPES)
        zf.writestr(member, "<x/>")
        for n in range(count):
            zf.writestr(f"{member.split('/')[0]}/media/m{n}.bin", b"x")
    return out.getvalue()


def deeply_nested_docx(source: Path, depth: int) -> bytes:
    """A real DOCX whose body is wrapped in ``depth`` content controls."""
    out = io.BytesIO()
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "word/document.xml":
                text = data.decode()
                body_at = text.index(">", text.index("<w:body")) + 1
                end_at = text.index("</w:body>")
                text = (
                    text[:body_at]
                    + "<w:sdt><w:sdtContent>" * depth
                    + text[body_at:end_at]
                    + "</w:sdtContent></w:sdt>" * depth
                    + text[end_at:]
                )
                data = text.encode()
            zout.writestr(info, data)
    return out.getvalue()


# --- text-like ------------------------------------------------------------------------------------


def deeply_nested_html(depth: int) -> bytes:
    return ("<html><body>" + "<div>" * depth + "Điều 1." + "</div>" * depth + "</body></html>").encode()


def random_bytes(seed: int, size: int = 8192) -> bytes:
    rng = random.Random(seed)
    return bytes(rng.randrange(256) for _ in range(size))


def csv_with_a_gigantic_field(chars: int = 2_000_000) -> bytes:
    return b"Ten,Noi dung\nA," + b"x" * chars + b"\n"


def utf32_without_bom(text: str) -> bytes:
    """Vietnamese in big-endian UTF-32 with no byte-order mark: three NULs in every four bytes."""
    return text.encode("utf-32-be")


def executable_named_pdf() -> bytes:
    return b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + random_bytes(3, 4096)


def truncated(data: bytes, keep: float = 0.5) -> bytes:
    return data[: max(1, int(len(data) * keep))]


def repeated_pages(source: Path, copies: int) -> bytes:
    """``source``'s first page ``copies`` times (the page's image is shared: the file stays small).
    With a scanned page, a PDF that keeps OCR busy far longer than any deadline."""
    import pypdfium2 as pdfium

    original = pdfium.PdfDocument(str(source))
    copy = pdfium.PdfDocument.new()
    try:
        copy.import_pages(original, [0] * copies)
        buffer = io.BytesIO()
        copy.save(buffer)
        return buffer.getvalue()
    finally:
        copy.close()
        original.close()


# "Billion laughs": nine levels of entities, each ten of the one below, 10⁹ "lol"s from 1 KB.
_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol0 "lol">'
    + "".join(f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10}">' for n in range(1, 10))
    + "]>"
)


def _replace_member(source: bytes, member: str, data: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(source)) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            zout.writestr(info, data if info.filename == member else zin.read(info.filename))
    return out.getvalue()


def _without_declaration(xml: str) -> str:
    return xml[xml.index("?>") + 2 :] if xml.startswith("<?xml") else xml


def entity_bomb_ooxml(source: bytes, member: str, anchor: str, replacement: str) -> bytes:
    """``source`` (a DOCX or XLSX) with the entity bomb declared in ``member`` and expanded where
    ``anchor`` was."""
    with zipfile.ZipFile(io.BytesIO(source)) as zf:
        xml = zf.read(member).decode()
    assert anchor in xml, anchor
    bomb = _LAUGHS + _without_declaration(xml).replace(anchor, replacement, 1)
    return _replace_member(source, member, bomb.encode())
