"""Parsing: format detection by content, every format, encodings, limits and hostile files."""

from __future__ import annotations

import shutil
import tracemalloc
import unicodedata
from pathlib import Path

import pytest

from knowledge.parsing import (
    SNIFF_BYTES,
    BlockKind,
    FileKind,
    ParsedDocument,
    ParseError,
    ParseLimits,
    detect_kind,
    detect_path,
    ocr_available,
    parse_document,
)
from knowledge.parsing import pdf as pdf_module
from knowledge.parsing import word as word_module
from tests.knowledge import fixtures_bad as bad

DOCS = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "documents"
needs_docs = pytest.mark.skipif(not DOCS.is_dir(), reason="shared/data/documents is not beside the repo")

OCR_REASON = "scanned pages need OCR, which is not installed"
DOC_REASON = "legacy .doc needs a converter (LibreOffice or antiword), which is not installed"
VI_LINES = [
    "Điều 8. Thể thức văn bản",
    "Nghị định này quy định về công tác văn thư.",
    "Người lao động được hưởng nguyên lương; đặc biệt ưu tiên.",
]


def sniff(path: Path) -> FileKind:
    with path.open("rb") as fh:
        return detect_kind(fh.read(SNIFF_BYTES), path.name)


def parse(path: Path, limits: ParseLimits | None = None) -> ParsedDocument:
    return parse_document(path, sniff(path), limits=limits or ParseLimits())


def texts(doc: ParsedDocument) -> list[str]:
    return [b.text for b in doc.blocks]


# Generated samples ---------------------------------------------------------------------------


def make_docx(tmp: Path, name: str = "sample.docx") -> Path:
    import docx

    document = docx.Document()
    document.add_heading("Quy chế làm việc", level=1)
    document.add_paragraph("Điều 1. Phạm vi điều chỉnh")
    document.add_paragraph("Quy chế này áp dụng cho toàn bộ cán bộ.")
    document.add_paragraph("Mục thứ nhất", style="List Bullet")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "Họ và tên"
    table.cell(0, 1).text = "Chức vụ"
    table.cell(1, 0).text = "Nguyễn Văn An"
    table.cell(1, 1).text = "Trưởng phòng"
    document.add_paragraph("Đoạn cuối sau bảng.")
    path = tmp / name
    document.save(str(path))
    return path


def make_xlsx(tmp: Path, name: str = "sample.xlsx") -> Path:
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Nhân sự"
    sheet.append(["Họ và tên", "Phòng ban", "Số năm công tác"])
    sheet.append(["Trần Thị Bình", "Văn thư", 12])
    sheet.append(["Lê Văn Cường", "Pháp chế", 3.0])
    second = workbook.create_sheet("Tổng hợp")
    second.append(["Chỉ tiêu", "Giá trị"])
    second.append(["Tổng số", 2])
    path = tmp / name
    workbook.save(str(path))
    return path


def make_pptx(tmp: Path, name: str = "sample.pptx") -> Path:
    import pptx
    from pptx.util import Inches

    presentation = pptx.Presentation()
    slide = presentation.slides.add_slide(presentation.slide_layouts[1])
    assert slide.shapes.title is not None
    slide.shapes.title.text = "Cải cách hành chính"
    body = slide.placeholders[1].text_frame
    body.text = "Mục tiêu năm 2025"
    sub = body.add_paragraph()
    sub.text = "Giảm thủ tục hành chính"
    sub.level = 1
    second = presentation.slides.add_slide(presentation.slide_layouts[5])
    assert second.shapes.title is not None
    second.shapes.title.text = "Kết quả"
    shape = second.shapes.add_table(2, 2, Inches(1), Inches(2), Inches(6), Inches(1))
    shape.table.cell(0, 0).text = "Đơn vị"
    shape.table.cell(0, 1).text = "Tỷ lệ"
    shape.table.cell(1, 0).text = "Bộ Nội vụ"
    shape.table.cell(1, 1).text = "95%"
    path = tmp / name
    presentation.save(str(path))
    return path


HTML = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>T</title>
<style>.x{color:red}</style><script>var secret = "không được lấy";</script></head>
<body><nav><a href="/">Trang chủ</a> | <a href="/x">Menu điều hướng</a></nav>
<h1>Thông báo</h1><p>Cơ quan <b>thông báo</b> lịch làm việc.</p>
<h2>Chi tiết</h2><ul><li>Thứ hai: họp giao ban</li><li>Thứ sáu: tổng kết</li></ul>
<table><tr><th>Ngày</th><th>Nội dung</th></tr><tr><td>Thứ hai</td><td>Họp</td></tr></table>
<div>Văn bản trong div<br>dòng thứ hai</div></body></html>"""


# Detection -----------------------------------------------------------------------------------


def test_detect_ooxml_by_members_not_by_name(tmp_path: Path) -> None:
    docx_path = make_docx(tmp_path)
    disguised = tmp_path / "report.pdf"
    shutil.copy(docx_path, disguised)
    assert sniff(disguised) is FileKind.DOCX
    assert detect_path(disguised) is FileKind.DOCX
    assert sniff(make_xlsx(tmp_path, "book.docx")) is FileKind.XLSX
    assert sniff(make_pptx(tmp_path, "deck.txt")) is FileKind.PPTX
    assert parse_document(disguised, FileKind.DOCX).kind is FileKind.DOCX


def test_detect_text_kinds_and_magic() -> None:
    assert detect_kind(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "x.docx") is FileKind.PDF
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100 + "WordDocument".encode("utf-16-le")
    assert detect_kind(ole, "a.txt") is FileKind.DOC
    assert detect_kind(b"<!DOCTYPE html><html><body>x</body></html>", "page.txt") is FileKind.HTML
    assert detect_kind("Họ tên;Tuổi\nAn;3\n".encode(), "data.csv") is FileKind.CSV
    assert detect_kind("# Tiêu đề\n".encode(), "note.md") is FileKind.MARKDOWN
    assert detect_kind("Văn bản".encode("utf-16"), "x.txt") is FileKind.TEXT
    assert detect_kind(bad.to_cp1258("Điều 1. Phạm vi"), "x.txt") is FileKind.TEXT
    assert detect_kind(b"plain", "noext") is FileKind.TEXT


def test_detect_rejects_unknown_binary_and_empty() -> None:
    with pytest.raises(ParseError) as err:
        detect_kind(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(32)), "photo.pdf")
    assert err.value.code == "unknown_format"
    assert "unsupported file format" in err.value.reason and "định dạng" in err.value.reason_vi
    with pytest.raises(ParseError, match="the file is empty"):
        detect_kind(b"", "empty.docx")
    with pytest.raises(ParseError) as legacy:
        detect_kind(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + "Workbook".encode("utf-16-le"), "old.xls")
    assert legacy.value.code == "legacy_excel"


# Real documents ------------------------------------------------------------------------------


@needs_docs
def test_nd30_docx_body_order_headings_and_pages() -> None:
    doc = parse(DOCS / "nd30_2020" / "30_2020_ND_CP.docx")
    lines = texts(doc)
    assert "Điều 8. Thể thức văn bản" in lines
    assert lines.index("Điều 1. Phạm vi điều chỉnh") < lines.index("Điều 8. Thể thức văn bản")
    assert doc.blocks[0].kind is BlockKind.ROW and "30/2020/NĐ-CP" in doc.blocks[0].text
    assert any(b.kind is BlockKind.HEADING and b.text == "Về công tác văn thư" for b in doc.blocks)
    assert not doc.pages_estimated and 15 <= doc.page_count <= 30
    pages = [b.page for b in doc.blocks]
    assert pages == sorted(p for p in pages if p is not None) and pages[0] == 1
    assert all(unicodedata.is_normalized("NFC", t) for t in lines)


@needs_docs
def test_text_pdf_has_real_page_numbers() -> None:
    doc = parse(DOCS / "legal_samples" / "an_le_so_432021AL.pdf")
    assert doc.kind is FileKind.PDF and doc.page_count == 6
    assert {b.page for b in doc.blocks} == {1, 2, 3, 4, 5, 6}
    first = next(b for b in doc.blocks if "NỘI DUNG VỤ ÁN" in b.text)
    assert first.page == 2
    assert doc.blocks[0].page == 1 and doc.blocks[0].text.startswith("ÁN LỆ SỐ 43/2021/AL")
    # Wrapped lines are joined back into paragraphs.
    assert any("bên thế chấp nhận chuyển nhượng" in t for t in texts(doc))


@needs_docs
def test_scanned_pdf_without_ocr_fails_with_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pdf_module, "ocr_available", lambda: False)
    with pytest.raises(ParseError) as err:
        parse(DOCS / "legal_samples" / "QD_932_2025_QD-TTg_scanned.pdf")
    assert str(err.value) == OCR_REASON and err.value.reason == OCR_REASON
    assert err.value.code == "ocr_unavailable" and "OCR" in err.value.reason_vi


@pytest.mark.slow  # OCR
@needs_docs
@pytest.mark.skipif(not ocr_available(), reason="tesseract with Vietnamese data is not installed")
def test_scanned_pdf_is_ocred() -> None:
    doc = parse(DOCS / "legal_samples" / "QD_932_2025_QD-TTg_scanned.pdf")
    assert doc.ocr_pages == [1, 2, 3] and doc.page_count == 3
    text = doc.text
    assert "Điều 1" in text and "cải cách hành chính" in text
    assert {b.page for b in doc.blocks} == {1, 2, 3}


@needs_docs
def test_scanned_pdf_when_tesseract_absent() -> None:
    if shutil.which("tesseract") is not None:
        pytest.skip("tesseract is installed; covered by test_scanned_pdf_is_ocred")
    with pytest.raises(ParseError, match=OCR_REASON):
        parse(DOCS / "legal_samples" / "QD_932_2025_QD-TTg_scanned.pdf")


def _has_doc_converter() -> bool:
    return any(shutil.which(b) for b in ("antiword", "catdoc", "libreoffice", "soffice"))


@needs_docs
@pytest.mark.parametrize("relative", ["nd30_2020/Phuluc2.doc", "labor_decrees/45_2019_QH14_333670.doc"])
def test_legacy_doc(relative: str) -> None:
    path = DOCS / relative
    assert sniff(path) is FileKind.DOC
    if not _has_doc_converter():
        with pytest.raises(ParseError, match=DOC_REASON):
            parse(path)
        return
    doc = parse(path)
    assert doc.kind is FileKind.DOC
    text = doc.text
    assert ("VIẾT HOA" in text) if "Phuluc2" in relative else ("Điều 8." in text)


def test_legacy_doc_without_converter(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: None)
    path = bad.write(tmp_path, "old.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600))
    with pytest.raises(ParseError) as err:
        word_module.parse_doc(path, ParseLimits())
    assert str(err.value) == DOC_REASON and err.value.code == "converter_unavailable"


@needs_docs
def test_markdown_and_text_from_shared_data() -> None:
    md = parse(DOCS / "nd30_2020" / "30_2020_ND_CP.md")
    assert md.kind is FileKind.MARKDOWN
    heading = next(b for b in md.blocks if b.text == "Điều 8. Thể thức văn bản")
    assert heading.kind is BlockKind.HEADING and heading.level == 3
    txt = parse(DOCS / "labor_decrees" / "nghi_dinh_135_2020_nd_cp.txt")
    assert txt.kind is FileKind.TEXT and "Điều 1. Phạm vi điều chỉnh" in texts(txt)


# Generated formats ---------------------------------------------------------------------------


def test_docx_tables_lists_and_headings(tmp_path: Path) -> None:
    doc = parse(make_docx(tmp_path))
    kinds = [(b.kind, b.text) for b in doc.blocks]
    assert kinds[0] == (BlockKind.HEADING, "Quy chế làm việc") and doc.blocks[0].level == 1
    assert (BlockKind.LIST_ITEM, "Mục thứ nhất") in kinds
    assert (BlockKind.ROW, "Họ và tên: Nguyễn Văn An; Chức vụ: Trưởng phòng") in kinds
    assert kinds[-1] == (BlockKind.PARAGRAPH, "Đoạn cuối sau bảng.")


def test_xlsx_sheets_rows_with_vietnamese_headers(tmp_path: Path) -> None:
    doc = parse(make_xlsx(tmp_path))
    assert doc.kind is FileKind.XLSX and doc.page_count == 2
    lines = texts(doc)
    assert "Họ và tên: Trần Thị Bình; Phòng ban: Văn thư; Số năm công tác: 12" in lines
    assert "Họ và tên: Lê Văn Cường; Phòng ban: Pháp chế; Số năm công tác: 3" in lines
    total = next(b for b in doc.blocks if b.text == "Chỉ tiêu: Tổng số; Giá trị: 2")
    assert total.page == 2
    assert doc.blocks[0].kind is BlockKind.HEADING and doc.blocks[0].text == "Nhân sự"


@pytest.mark.parametrize("encoding", ["utf-8-sig", "cp1258", "utf-16"])
def test_csv_sniffs_delimiter_and_encoding(tmp_path: Path, encoding: str) -> None:
    content = "Họ và tên;Đơn vị;Ghi chú\nNguyễn Thị Hằng;Phòng Tổ chức;Đã nghỉ hưu\nĐỗ Văn Ánh;Văn phòng;\n"
    data = bad.to_cp1258(content) if encoding == "cp1258" else content.encode(encoding)
    doc = parse(bad.write(tmp_path, "ds.csv", data))
    assert texts(doc) == [
        "Họ và tên: Nguyễn Thị Hằng; Đơn vị: Phòng Tổ chức; Ghi chú: Đã nghỉ hưu",
        "Họ và tên: Đỗ Văn Ánh; Đơn vị: Văn phòng",
    ]


def test_pptx_slides_are_pages(tmp_path: Path) -> None:
    doc = parse(make_pptx(tmp_path))
    assert doc.kind is FileKind.PPTX and doc.page_count == 2
    assert (doc.blocks[0].kind, doc.blocks[0].text, doc.blocks[0].page) == (
        BlockKind.HEADING,
        "Cải cách hành chính",
        1,
    )
    sub = next(b for b in doc.blocks if b.text == "Giảm thủ tục hành chính")
    assert sub.kind is BlockKind.LIST_ITEM and sub.page == 1
    row = next(b for b in doc.blocks if b.kind is BlockKind.ROW and "Bộ Nội vụ" in b.text)
    assert row.text == "Đơn vị: Bộ Nội vụ; Tỷ lệ: 95%" and row.page == 2


def test_html_drops_script_style_nav(tmp_path: Path) -> None:
    doc = parse(bad.write(tmp_path, "page.htm", HTML.encode()))
    lines = texts(doc)
    assert not any("secret" in t or "không được lấy" in t or "Menu điều hướng" in t for t in lines)
    headings = [(b.text, b.level) for b in doc.blocks if b.kind is BlockKind.HEADING]
    assert headings == [("Thông báo", 1), ("Chi tiết", 2)]
    assert "Cơ quan thông báo lịch làm việc." in lines
    assert "Thứ hai: họp giao ban" in lines
    assert "Ngày: Thứ hai; Nội dung: Họp" in lines
    assert "dòng thứ hai" in lines


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "cp1258", "nfd"])
def test_plain_text_any_encoding_is_nfc(tmp_path: Path, encoding: str) -> None:
    content = "\n".join(VI_LINES)
    if encoding == "cp1258":
        data = bad.to_cp1258(content)
    elif encoding == "nfd":
        data = unicodedata.normalize("NFD", content).encode()
    else:
        data = content.encode(encoding)
    doc = parse(bad.write(tmp_path, "vb.txt", data))
    assert texts(doc) == VI_LINES


def test_text_form_feed_pages(tmp_path: Path) -> None:
    doc = parse(bad.write(tmp_path, "p.txt", "Trang một\n\fTrang hai\n\fTrang ba".encode()))
    assert [(b.text, b.page) for b in doc.blocks] == [("Trang một", 1), ("Trang hai", 2), ("Trang ba", 3)]
    assert doc.page_count == 3 and not doc.pages_estimated


# Malformed, empty and hostile files -------------------------------------------------------------

EXTENSIONS = ["pdf", "docx", "doc", "xlsx", "pptx", "csv", "html", "md", "txt"]


@pytest.mark.parametrize("ext", EXTENSIONS)
def test_empty_files_fail(tmp_path: Path, ext: str) -> None:
    path = bad.empty_file(tmp_path, f"empty.{ext}")
    with pytest.raises(ParseError, match="the file is empty"):
        sniff(path)
    kind = {"md": FileKind.MARKDOWN, "txt": FileKind.TEXT}.get(ext) or FileKind(ext)
    with pytest.raises(ParseError, match="the file is empty"):
        parse_document(path, kind)


@pytest.mark.parametrize("ext", ["txt", "md", "csv", "html"])
def test_whitespace_only_text_fails(tmp_path: Path, ext: str) -> None:
    path = bad.write(tmp_path, f"blank.{ext}", b"\xef\xbb\xbf  \r\n\t\n")
    with pytest.raises(ParseError) as err:
        parse(path)
    assert err.value.code in {"empty", "no_text"}


def _sample(kind: str, tmp: Path) -> Path:
    makers = {"docx": make_docx, "xlsx": make_xlsx, "pptx": make_pptx}
    if kind in makers:
        return makers[kind](tmp, f"good.{kind}")
    if kind == "pdf":
        import pypdfium2 as pdfium

        pdf = pdfium.PdfDocument.new()
        pdf.new_page(595, 842)
        path = tmp / "good.pdf"
        pdf.save(str(path))
        pdf.close()
        return path
    raise AssertionError(kind)


@pytest.mark.parametrize("kind", ["pdf", "docx", "xlsx", "pptx"])
@pytest.mark.parametrize("keep", [0.05, 0.5, 0.9])
def test_truncated_files_fail(tmp_path: Path, kind: str, keep: float) -> None:
    source = _sample(kind, tmp_path)
    path = bad.truncated_copy(source, tmp_path, f"cut.{kind}", keep)
    with pytest.raises(ParseError) as err:
        parse_document(path, FileKind(kind))
    assert err.value.reason and err.value.reason_vi and "Traceback" not in str(err.value)


@needs_docs
def test_truncated_real_files_fail(tmp_path: Path) -> None:
    for relative, kind in [
        ("legal_samples/an_le_so_432021AL.pdf", FileKind.PDF),
        ("nd30_2020/30_2020_ND_CP.docx", FileKind.DOCX),
        ("nd30_2020/Phuluc1.doc", FileKind.DOC),
    ]:
        path = bad.truncated_copy(DOCS / relative, tmp_path, "cut." + relative.rsplit(".", 1)[1], 0.3)
        with pytest.raises(ParseError) as err:
            parse_document(path, kind)
        assert err.value.code == "corrupt", relative


@pytest.mark.parametrize(
    ("kind", "member"),
    [
        (FileKind.DOCX, "word/document.xml"),
        (FileKind.XLSX, "xl/workbook.xml"),
        (FileKind.PPTX, "ppt/presentation.xml"),
    ],
)
def test_ooxml_with_broken_xml_fails(tmp_path: Path, kind: FileKind, member: str) -> None:
    path = bad.ooxml_with_bad_xml(tmp_path, f"broken.{kind.value}", member)
    assert sniff(path) is kind
    with pytest.raises(ParseError) as err:
        parse_document(path, kind)
    assert err.value.code == "corrupt"


def test_garbage_pdf_and_unknown_binary_fail(tmp_path: Path) -> None:
    with pytest.raises(ParseError) as err:
        parse_document(bad.write(tmp_path, "x.pdf", b"%PDF-1.7\nthis is not a pdf\n%%EOF"), FileKind.PDF)
    assert err.value.code == "corrupt"
    with pytest.raises(ParseError) as unknown:
        sniff(bad.garbage(tmp_path, "x.docx"))
    assert unknown.value.code == "unknown_format"


@pytest.mark.parametrize(
    ("kind", "member"), [(FileKind.DOCX, "word/document.xml"), (FileKind.XLSX, "xl/workbook.xml")]
)
def test_zip_bomb_rejected_without_inflating(tmp_path: Path, kind: FileKind, member: str) -> None:
    path = bad.zip_bomb(tmp_path, f"bomb.{kind.value}", member, size_mib=600)
    assert path.stat().st_size < 20 * 1024 * 1024
    assert sniff(path) is kind
    tracemalloc.start()
    try:
        with pytest.raises(ParseError, match=r"archive expands too much \(possible ZIP bomb\)"):
            parse_document(path, kind)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 32 * 1024 * 1024


def test_zip_ratio_and_member_limits(tmp_path: Path) -> None:
    dense = bad.zip_bomb(tmp_path, "dense.docx", "word/document.xml", size_mib=8)
    with pytest.raises(ParseError) as err:
        parse_document(dense, FileKind.DOCX)  # 8 MiB of zeros: far above a 200x ratio
    assert err.value.code == "zip_bomb"
    many = bad.many_members_zip(tmp_path, "many.docx", "word/document.xml", 50)
    with pytest.raises(ParseError, match="possible ZIP bomb"):
        parse_document(many, FileKind.DOCX, limits=ParseLimits(max_zip_members=20))


@needs_docs
def test_page_and_text_limits() -> None:
    pdf = DOCS / "legal_samples" / "an_le_so_432021AL.pdf"
    with pytest.raises(ParseError) as pages:
        parse(pdf, ParseLimits(max_pages=3))
    assert pages.value.code == "too_many_pages"
    with pytest.raises(ParseError) as chars:
        parse(DOCS / "nd30_2020" / "30_2020_ND_CP.docx", ParseLimits(max_text_chars=5000))
    assert chars.value.code == "too_much_text"


def test_unexpected_errors_are_wrapped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import knowledge.parsing as parsing

    def boom(path: Path, limits: ParseLimits) -> ParsedDocument:
        raise RuntimeError("internal failure")

    monkeypatch.setitem(parsing._PARSERS, FileKind.TEXT, boom)
    with pytest.raises(ParseError) as err:
        parse_document(bad.write(tmp_path, "a.txt", b"hello"), FileKind.TEXT)
    assert err.value.code == "corrupt" and "internal failure" in err.value.detail


@needs_docs
def test_ocr_page_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pdf_module, "ocr_available", lambda: True)
    with pytest.raises(ParseError) as err:
        parse(DOCS / "legal_samples" / "QD_932_2025_QD-TTg_scanned.pdf", ParseLimits(max_ocr_pages=2))
    assert err.value.code == "too_many_scanned_pages"
