"""Chunking: Vietnamese legal structure, sections for small-to-big, overlap, token budget."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import pytest

from knowledge.ingestion.chunking import ChunkDraft, chunk_document, count_tokens, section_text
from knowledge.parsing import (
    SNIFF_BYTES,
    Block,
    BlockKind,
    FileKind,
    ParsedDocument,
    detect_kind,
    parse_document,
)

DOCS = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "documents"
needs_docs = pytest.mark.skipif(not DOCS.is_dir(), reason="shared/data/documents is not beside the repo")


def load(path: Path) -> ParsedDocument:
    with path.open("rb") as fh:
        kind = detect_kind(fh.read(SNIFF_BYTES), path.name)
    return parse_document(path, kind)


def doc_from_lines(lines: list[str], kind: FileKind = FileKind.TEXT) -> ParsedDocument:
    return ParsedDocument(kind=kind, blocks=[Block(line) for line in lines], page_count=1)


def find(chunks: list[ChunkDraft], label: str) -> ChunkDraft:
    return next(c for c in chunks if label in c.short_path)


LEGAL = [
    "CHÍNH PHỦ",
    "NGHỊ ĐỊNH",
    "Căn cứ Luật Tổ chức Chính phủ;",
    "Chương I",
    "QUY ĐỊNH CHUNG",
    "Điều 1. Phạm vi điều chỉnh",
    "Nghị định này quy định về công tác văn thư.",
    "Điều 2. Giải thích từ ngữ",
    "Trong Nghị định này, các từ ngữ dưới đây được hiểu như sau:",
    "1. Văn bản là thông tin thành văn được truyền đạt bằng ngôn ngữ.",
    "2. Văn bản điện tử là văn bản dưới dạng thông điệp dữ liệu gồm:",
    "a) Văn bản được tạo lập bằng phương tiện điện tử;",
    "b) Văn bản được số hóa từ văn bản giấy;",
    "đ) Văn bản khác theo quy định.",
    "Chương II",
    "SOẠN THẢO VĂN BẢN",
    "Mục 1",
    "THỂ THỨC",
    "Điều 3. Thể thức văn bản",
    "Thể thức văn bản gồm các thành phần chính.",
    "Điều 4. (Được bãi bỏ)",
    "Điều 5. Hiệu lực thi hành",
    "Nghị định này có hiệu lực từ ngày ký.",
]


def test_legal_structure_paths_and_section_keys() -> None:
    chunks = chunk_document(doc_from_lines(LEGAL), chunk_tokens=400, overlap_tokens=0)
    by_section = {c.section_key: c for c in chunks}
    assert list(by_section) == [
        "preamble",
        "chuong-i/dieu-1",
        "chuong-i/dieu-2",
        "chuong-ii/muc-1/dieu-3",
        "chuong-ii/muc-1/dieu-4",
        "chuong-ii/muc-1/dieu-5",
    ]
    first = by_section["chuong-i/dieu-1"]
    assert first.heading_path == ["Chương I. QUY ĐỊNH CHUNG", "Điều 1. Phạm vi điều chỉnh"]
    assert first.heading_display == "Chương I › Điều 1"
    assert first.text == "Nghị định này quy định về công tác văn thư."  # no heading prefixed
    assert first.embedding_text == "Chương I. QUY ĐỊNH CHUNG › Điều 1. Phạm vi điều chỉnh\n" + first.text
    assert by_section["chuong-ii/muc-1/dieu-3"].short_path == ["Chương II", "Mục 1", "Điều 3"]
    assert by_section["chuong-ii/muc-1/dieu-3"].heading_path[1] == "Mục 1. THỂ THỨC"
    # An Điều with only a title still yields a chunk.
    assert by_section["chuong-ii/muc-1/dieu-4"].text == "Điều 4. (Được bãi bỏ)"
    assert by_section["preamble"].heading_path == []
    assert [c.ordinal for c in chunks] == list(range(len(chunks)))


def test_khoan_and_diem_in_paths_when_split() -> None:
    chunks = chunk_document(doc_from_lines(LEGAL), chunk_tokens=20, overlap_tokens=0)
    dieu2 = [c for c in chunks if c.section_key == "chuong-i/dieu-2"]
    assert len(dieu2) > 2
    displays = [c.heading_display for c in dieu2]
    assert "Chương I › Điều 2 › Khoản 1" in displays
    assert any(d.startswith("Chương I › Điều 2 › Khoản 2") for d in displays)
    diem = find(chunks, "Điểm đ")
    assert diem.short_path == ["Chương I", "Điều 2", "Khoản 2", "Điểm đ"]
    assert diem.text.endswith("đ) Văn bản khác theo quy định.")


def test_headings_without_diacritics_or_in_capitals() -> None:
    lines = [
        "CHUONG II",
        "SOAN THAO VAN BAN",
        "Dieu 8. The thuc van ban",
        "1. Noi dung thu nhat.",
        "ĐIỀU 9. KỸ THUẬT TRÌNH BÀY",
        "Nội dung điều chín.",
        "PHẦN THỨ HAI",
        "Chương III",
        "Điều 10. Khác",
        "Nội dung.",
        "Điều 11 Hiệu lực",
        "Có hiệu lực.",
    ]
    chunks = chunk_document(doc_from_lines(lines))
    assert [c.heading_display for c in chunks] == [
        "Chương II › Điều 8 › Khoản 1",
        "Chương II › Điều 9",
        "Phần thứ hai › Chương III › Điều 10",
        "Phần thứ hai › Chương III › Điều 11",
    ]
    assert chunks[0].heading_path == ["Chương II. SOAN THAO VAN BAN", "Điều 8. The thuc van ban", "Khoản 1"]


def test_sentences_that_mention_an_article_are_not_headings() -> None:
    lines = [
        "Điều 1. Phạm vi",
        "Nghị định này quy định chi tiết",
        "Điều 169 của Bộ luật Lao động về tuổi nghỉ hưu.",
        "Điều 2. Đối tượng",
        "Người lao động.",
    ]
    chunks = chunk_document(doc_from_lines(lines))
    assert [c.section_key for c in chunks] == ["dieu-1", "dieu-2"]
    assert "Điều 169 của Bộ luật" in chunks[0].text


def test_budget_overlap_and_word_boundaries() -> None:
    sentence = "Cơ quan tổ chức phải lập hồ sơ về công việc được giao và nộp lưu hồ sơ đúng hạn."
    long_para = " ".join([sentence] * 60)
    no_punct = " ".join(["từ"] * 900)
    lines = ["Điều 1. Dài", long_para, no_punct, "Điều 2. Ngắn", "Một câu."]
    doc = doc_from_lines(lines)
    chunks = chunk_document(doc, chunk_tokens=120, overlap_tokens=30)
    source_words = set(" ".join(lines).split())
    dieu1 = [c for c in chunks if c.section_key == "dieu-1"]
    assert len(dieu1) > 10
    for c in chunks:
        assert c.token_count == count_tokens(c.text) <= 120
        assert set(c.text.split()) <= source_words  # never cut inside a word
    assert dieu1[0].overlap_chars == 0
    for prev, cur in itertools.pairwise(dieu1):
        assert cur.overlap_chars > 0
        overlap = cur.text[: cur.overlap_chars].rstrip("\n")
        assert prev.text.endswith(overlap)
    # Overlap never crosses into another section.
    dieu2 = [c for c in chunks if c.section_key == "dieu-2"]
    assert dieu2[0].overlap_chars == 0 and dieu2[0].text == "Một câu."
    # The whole section can be rebuilt (small-to-big).
    rebuilt = section_text(chunks, "dieu-1")
    assert rebuilt.split() == f"{long_para}\n{no_punct}".split()
    assert all(c.section_chars == len(long_para) + 1 + len(no_punct) for c in dieu1)


def test_generic_headings_for_non_legal_documents() -> None:
    blocks = [
        Block("Hướng dẫn sử dụng", BlockKind.HEADING, 1),
        Block("Giới thiệu chung."),
        Block("Cài đặt", BlockKind.HEADING, 2),
        Block("Chạy lệnh cài đặt."),
        Block("Cấu hình", BlockKind.HEADING, 2),
        Block("Sửa tệp cấu hình."),
    ]
    chunks = chunk_document(ParsedDocument(FileKind.MARKDOWN, blocks, 1))
    assert [(c.heading_path, c.text) for c in chunks] == [
        (["Hướng dẫn sử dụng"], "Giới thiệu chung."),
        (["Hướng dẫn sử dụng", "Cài đặt"], "Chạy lệnh cài đặt."),
        (["Hướng dẫn sử dụng", "Cấu hình"], "Sửa tệp cấu hình."),
    ]
    assert chunks[1].section_key == "huong-dan-su-dung/cai-dat"


def test_invalid_parameters() -> None:
    doc = doc_from_lines(["a"])
    with pytest.raises(ValueError):
        chunk_document(doc, chunk_tokens=10)
    with pytest.raises(ValueError):
        chunk_document(doc, chunk_tokens=100, overlap_tokens=80)


# Real documents ------------------------------------------------------------------------------


@needs_docs
@pytest.mark.parametrize("name", ["30_2020_ND_CP.docx", "30_2020_ND_CP.md"])
def test_nd30_dieu8_in_heading_path(name: str) -> None:
    chunks = chunk_document(load(DOCS / "nd30_2020" / name))
    c = find(chunks, "Điều 8")
    assert "Điều 8. Thể thức văn bản" in c.heading_path
    assert c.short_path == ["Chương II", "Mục 1", "Điều 8"]
    assert c.heading_path[0] == "Chương II. SOẠN THẢO, KÝ BAN HÀNH VĂN BẢN HÀNH CHÍNH"
    assert c.section_key == "chuong-ii/muc-1/dieu-8"
    assert all(cc.token_count <= 400 for cc in chunks)


@needs_docs
def test_nd30_same_articles_in_docx_and_markdown() -> None:
    def articles(name: str) -> set[str]:
        chunks = chunk_document(load(DOCS / "nd30_2020" / name))
        return {c.section_key for c in chunks if "dieu-" in c.section_key}

    docx_keys, md_keys = articles("30_2020_ND_CP.docx"), articles("30_2020_ND_CP.md")
    assert docx_keys == md_keys and len(docx_keys) == 38


@needs_docs
def test_nd30_docx_pages_on_chunks() -> None:
    chunks = chunk_document(load(DOCS / "nd30_2020" / "30_2020_ND_CP.docx"))
    assert chunks[0].page_start == 1
    last = chunks[-1]
    assert last.page_start is not None and last.page_end is not None and last.page_end >= 15
    starts = [c.page_start for c in chunks if c.page_start is not None]
    assert starts == sorted(starts)


@needs_docs
@pytest.mark.parametrize(
    ("relative", "articles"),
    [
        ("laws_txt/Bo-luat-dan-su-2015-296215.txt", 689),
        ("laws_txt/Bo-Luat-lao-dong-2019-333670.txt", 220),
        ("labor_decrees/45_2019_QH14.txt", 220),
    ],
)
def test_whole_codes_find_every_article(relative: str, articles: int) -> None:
    chunks = chunk_document(load(DOCS / relative))
    found = {label for c in chunks for label in c.short_path if label.startswith("Điều ")}
    assert len(found) == articles
    assert len({c.section_key for c in chunks}) >= articles
    assert all(c.token_count <= 400 for c in chunks)


@needs_docs
def test_labor_code_khoan_path() -> None:
    chunks = chunk_document(
        load(DOCS / "laws_txt" / "Bo-Luat-lao-dong-2019-333670.txt"), chunk_tokens=120, overlap_tokens=20
    )
    c = next(c for c in chunks if c.short_path[-2:] == ["Điều 3", "Khoản 2"])
    assert c.short_path[:1] == ["Chương I"]
    assert c.text[c.overlap_chars :].startswith("2. Người sử dụng lao động")
    assert any(c.short_path[-1:] == ["Khoản 9"] for c in chunks)


@needs_docs
def test_pdf_chunks_carry_page_ranges() -> None:
    doc = load(DOCS / "legal_samples" / "an_le_so_552022AL.pdf")
    chunks = chunk_document(doc)
    assert chunks[0].page_start == 1
    assert max(c.page_end or 0 for c in chunks) == doc.page_count == 9
    for c in chunks:
        assert c.page_start is not None and c.page_end is not None
        assert 1 <= c.page_start <= c.page_end <= 9
    assert any(c.page_end != c.page_start for c in chunks)


@needs_docs
def test_legacy_doc_and_text_agree_on_structure() -> None:
    import shutil

    if not any(shutil.which(b) for b in ("antiword", "catdoc", "libreoffice", "soffice")):
        pytest.skip("no .doc converter installed")
    from_doc = chunk_document(load(DOCS / "labor_decrees" / "45_2019_QH14_333670.doc"))
    c = find(from_doc, "Điều 8")
    assert c.heading_path[-1].startswith("Điều 8. Các hành vi bị nghiêm cấm")
    assert re.match(r"^Chương I\b", c.heading_path[0])
