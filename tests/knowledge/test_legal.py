"""Tests for knowledge.search.legal_refs (pure Python; run with -p no:django)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from knowledge.ingestion.doc_metadata import (
    DOC_TYPES,
    DocumentMetadata,
    doc_type_from_number,
    extract_document_metadata,
)
from knowledge.search.legal_refs import (
    canonical_doc_number,
    doc_number_variants,
    extract_legal_refs,
    refs_for_heading_path,
    structural_refs,
)

DOCS = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "documents"


def _read(rel: str) -> str:
    path = DOCS / rel
    if not path.is_file():
        pytest.skip(f"shared document {rel} not available")
    return path.read_text(encoding="utf-8")


# ---------------------------------------------------------------------------------------------- refs


def test_refs_of_a_sentence() -> None:
    refs = extract_legal_refs("theo quy định tại khoản 2 Điều 8 Nghị định số 30/2020/NĐ-CP")
    assert refs == ["30/2020/NĐ-CP", "30/2020/ND-CP", "dieu:8", "dieu:8:khoan:2"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("30/2020/NĐ-CP", ["30/2020/NĐ-CP", "30/2020/ND-CP"]),
        ("30/2020/ND-CP", ["30/2020/ND-CP"]),
        ("30/2020/nd-cp", ["30/2020/ND-CP"]),
        ("Bộ luật 45/2019/QH14", ["45/2019/QH14"]),
        ("9/2020/TT-BLĐTBXH", ["09/2020/TT-BLĐTBXH", "09/2020/TT-BLDTBXH"]),
        ("Quyết định 932/QĐ-TTg", ["932/QĐ-TTG", "932/QD-TTG"]),
        ("12/QĐ-UBND", ["12/QĐ-UBND", "12/QD-UBND"]),
        ("công văn 1234/UBND-VP", ["1234/UBND-VP"]),
        ("Luật số 21-LCT/HĐNN8", ["21-LCT/HĐNN8", "21-LCT/HDNN8"]),
        ("Án lệ số 26/2018/AL", ["26/2018/AL"]),
    ],
)
def test_document_numbers(text: str, expected: list[str]) -> None:
    assert extract_legal_refs(text) == expected


@pytest.mark.parametrize("text", ["50.000 đồng/người", "24/7", "ngày 5/3/2020", "1/2 số người", "km/h"])
def test_no_false_document_numbers(text: str) -> None:
    assert extract_legal_refs(text) == []


def test_query_without_diacritics_matches_chunk_refs() -> None:
    chunk = set(extract_legal_refs("Nghị định số 30/2020/NĐ-CP"))
    assert set(extract_legal_refs("30/2020/ND-CP")) <= chunk
    assert set(extract_legal_refs("nghi dinh 30/2020/nd-cp")) <= chunk


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Điều 8", ["dieu:8"]),
        ("Điều 8 nói gì", ["dieu:8"]),
        ("dieu 8", ["dieu:8"]),
        ("khoản 2 Điều 8", ["dieu:8", "dieu:8:khoan:2"]),
        ("khoan 2 dieu 8", ["dieu:8", "dieu:8:khoan:2"]),
        ("Dieu 8 khoan 2", ["dieu:8", "dieu:8:khoan:2"]),
        ("Điều 8 khoản 2", ["dieu:8", "dieu:8:khoan:2"]),
        ("điểm a khoản 2 Điều 8", ["dieu:8", "dieu:8:khoan:2", "dieu:8:khoan:2:diem:a"]),
        ("Điều 8 khoản 2 điểm a", ["dieu:8", "dieu:8:khoan:2", "dieu:8:khoan:2:diem:a"]),
        ("ĐIỀU 08", ["dieu:8"]),
        ("khoản 1, 2 và 3 Điều 2", ["dieu:2", "dieu:2:khoan:1", "dieu:2:khoan:2", "dieu:2:khoan:3"]),
        ("khoản 1, khoản 2 và khoản 3 Điều 2", ["dieu:2", "dieu:2:khoan:1", "dieu:2:khoan:2",
                                                "dieu:2:khoan:3"]),
        ("điểm a, b khoản 2 Điều 8",
         ["dieu:8", "dieu:8:khoan:2", "dieu:8:khoan:2:diem:a", "dieu:8:khoan:2:diem:b"]),
        ("Điều 47, Điều 61 và Điều 83", ["dieu:47", "dieu:61", "dieu:83"]),
        ("khoản 7 Điều 113, Điều 116", ["dieu:113", "dieu:113:khoan:7", "dieu:116"]),
        ("khoản 4 Điều 46; khoản 4 Điều 47", ["dieu:46", "dieu:46:khoan:4", "dieu:47", "dieu:47:khoan:4"]),
        ("Điều 10a", ["dieu:10a"]),
        ("khoản 2 Điều này", []),
        ("điều kiện lao động", []),
        ("những điều 3 bên thỏa thuận", ["dieu:3"]),  # accepted noise: "điều <số>" reads as an article
    ],
)  # fmt: skip
def test_structural_refs(text: str, expected: list[str]) -> None:
    assert structural_refs(text) == expected


def test_point_d_stroke_has_folded_variant() -> None:
    refs = extract_legal_refs("điểm đ khoản 1 Điều 5")
    assert "dieu:5:khoan:1:diem:đ" in refs
    assert "dieu:5:khoan:1:diem:d" in refs


def test_refs_in_real_text() -> None:
    text = _read("labor_decrees/nghi_dinh_145_2020_nd_cp.txt")[:4000]
    refs = extract_legal_refs(text)
    assert "145/2020/NĐ-CP" in refs and "145/2020/ND-CP" in refs
    # the source has the typo "khoán 2 Điều 210"
    expected = [
        "dieu:12:khoan:3",
        "dieu:35:khoan:1:diem:d",
        "dieu:36:khoan:2:diem:d",
        "dieu:116",
        "dieu:210:khoan:2",
    ]
    for token in expected:
        assert token in refs, token


def test_refs_for_heading_path() -> None:
    assert refs_for_heading_path(["Chương II", "Điều 8. Thẩm quyền", "Khoản 2"]) == [
        "dieu:8",
        "dieu:8:khoan:2",
    ]
    assert refs_for_heading_path(["### Điều 1. Phạm vi điều chỉnh"]) == ["dieu:1"]
    assert refs_for_heading_path(["Dieu 8", "2.", "a)"]) == [
        "dieu:8",
        "dieu:8:khoan:2",
        "dieu:8:khoan:2:diem:a",
    ]
    assert refs_for_heading_path(["Điều 3", "Khoản 1", "Điểm đ"]) == [
        "dieu:3", "dieu:3:khoan:1", "dieu:3:khoan:1:diem:đ", "dieu:3:khoan:1:diem:d",
    ]  # fmt: skip
    assert refs_for_heading_path(["Chương I", "Mục 2", "Khoản 2"]) == []
    assert refs_for_heading_path([]) == []


def test_canonical_numbers_and_types() -> None:
    assert canonical_doc_number("Số: 9/2020/tt-blđtbxh") == "09/2020/TT-BLĐTBXH"
    assert canonical_doc_number("no number here") is None
    assert doc_number_variants("30/2020/NĐ-CP") == ["30/2020/NĐ-CP", "30/2020/ND-CP"]
    assert doc_number_variants("45/2019/QH14") == ["45/2019/QH14"]
    assert doc_number_variants("x") == []
    assert doc_type_from_number("30/2020/NĐ-CP") == "Nghị định"
    assert doc_type_from_number("30/2020/ND-CP") == "Nghị định"
    assert doc_type_from_number("09/2020/TT-BLĐTBXH") == "Thông tư"
    assert doc_type_from_number("932/QĐ-TTg") == "Quyết định"
    assert doc_type_from_number("12/QĐ-UBND") == "Quyết định"
    assert doc_type_from_number("1234/UBND-VP") == "Công văn"
    assert doc_type_from_number("01/2019/NQ-HĐTP") == "Nghị quyết"
    assert doc_type_from_number("26/2018/AL") == "Án lệ"
    assert doc_type_from_number("45/2019/QH14") is None  # Luật or Nghị quyết: not said
    assert all(t in DOC_TYPES for t in ("Nghị định", "Công văn", "Tờ trình", "Bản án", "Án lệ", "Hiến pháp"))


# ------------------------------------------------------------------------------------------ metadata


def test_metadata_nd135() -> None:
    md = extract_document_metadata(_read("labor_decrees/nghi_dinh_135_2020_nd_cp.txt")[:3000])
    assert md == DocumentMetadata(
        number="135/2020/NĐ-CP",
        doc_type="Nghị định",
        issuer="CHÍNH PHỦ",
        issuer_lines=("CHÍNH PHỦ",),
        issue_date=date(2020, 11, 18),
        place="Hà Nội",
        title="Quy định về tuổi nghỉ hưu",
    )


def test_metadata_nd145_with_bullets_and_one_line_header() -> None:
    md = extract_document_metadata(_read("labor_decrees/nghi_dinh_145_2020_nd_cp.txt")[:3000])
    assert md.number == "145/2020/NĐ-CP"
    assert md.doc_type == "Nghị định"
    assert md.issuer == "CHÍNH PHỦ"
    assert md.issue_date == date(2020, 12, 14)
    assert md.place == "Hà Nội"
    assert md.title == (
        "Quy định chi tiết và hướng dẫn thi hành một số điều của "
        "Bộ luật Lao động về điều kiện lao động và quan hệ lao động"
    )


def test_metadata_tt09_issuer_on_two_lines() -> None:
    md = extract_document_metadata(_read("labor_decrees/thong_tu_09_2020_tt_bldtbxh.txt")[:3000])
    assert md.number == "09/2020/TT-BLĐTBXH"
    assert md.doc_type == "Thông tư"
    assert md.issuer == "BỘ LAO ĐỘNG - THƯƠNG BINH VÀ XÃ HỘI"
    assert md.issuer_lines == ("BỘ LAO ĐỘNG - THƯƠNG BINH", "VÀ XÃ HỘI")
    assert md.issue_date == date(2020, 11, 12)
    assert md.place == "Hà Nội"
    assert md.title == (
        "Quy định chi tiết và hướng dẫn thi hành một số điều của Bộ luật Lao động về lao động chưa thành niên"
    )


def test_metadata_tt10_en_dashes() -> None:
    md = extract_document_metadata(_read("labor_decrees/thong_tu_10_2020_tt_bldtbxh.txt")[:3000])
    assert md.number == "10/2020/TT-BLĐTBXH"
    assert md.doc_type == "Thông tư"
    assert md.issuer == "BỘ LAO ĐỘNG - THƯƠNG BINH VÀ XÃ HỘI"
    assert md.issue_date == date(2020, 11, 12)
    assert md.place == "Hà Nội"
    assert md.title is not None
    assert md.title.startswith("Quy định chi tiết và hướng dẫn thi hành một số điều của Bộ luật Lao động")
    assert md.title.endswith("có ảnh hưởng xấu tới chức năng sinh sản, nuôi con")


def test_metadata_blh45_without_header_is_all_none() -> None:
    # this .txt starts directly at "Chương I": nothing to read, nothing guessed
    md = extract_document_metadata(_read("labor_decrees/45_2019_QH14.txt")[:3000])
    assert md == DocumentMetadata()


def test_metadata_nd30_markdown_head_only_and_with_tail() -> None:
    text = _read("nd30_2020/30_2020_ND_CP.md")
    head_only = extract_document_metadata(text[:3000])
    assert head_only.doc_type == "Nghị định"
    assert head_only.title == "Về công tác văn thư"
    assert head_only.number is None  # the header table sits at the end of this conversion
    assert head_only.issue_date is None
    assert head_only.issuer == "CHÍNH PHỦ"  # from "Chính phủ ban hành Nghị định về công tác văn thư."

    md = extract_document_metadata(text[:3000], text[-3000:])
    assert md.number == "30/2020/NĐ-CP"
    assert md.doc_type == "Nghị định"
    assert md.issuer == "CHÍNH PHỦ"
    assert md.issue_date == date(2020, 3, 5)
    assert md.place == "Hà Nội"
    assert md.title == "Về công tác văn thư"


def test_metadata_appendix_guesses_nothing() -> None:
    md = extract_document_metadata(_read("nd30_2020/Phuluc1.md")[:3000])
    assert md.number is None
    assert md.issuer is None
    assert md.issue_date is None  # "ngày 05 tháng 3 năm 2020 của Chính phủ" is the parent's date in prose


def test_metadata_laws() -> None:
    md = extract_document_metadata(_read("laws_txt/Luat-68-2020-QH14-cu-tru-435315.txt")[:3000])
    assert (md.number, md.doc_type, md.issuer, md.issue_date, md.place, md.title) == (
        "68/2020/QH14", "Luật", "QUỐC HỘI", date(2020, 11, 13), "Hà Nội", "CƯ TRÚ",
    )  # fmt: skip
    md = extract_document_metadata(_read("laws_txt/Bo-Luat-lao-dong-2019-333670.txt")[:3000])
    assert (md.number, md.doc_type, md.issuer, md.issue_date, md.title) == (
        "45/2019/QH14", "Bộ luật", "QUỐC HỘI", date(2019, 11, 20), "LAO ĐỘNG",
    )  # fmt: skip
    md = extract_document_metadata(_read("laws_txt/Hien-phap-2013_from-raw-corpus.txt")[:3000])
    assert (md.number, md.doc_type, md.issuer, md.issue_date, md.title) == (
        None, "Hiến pháp", "QUỐC HỘI", date(2013, 11, 28), "NƯỚC CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
    )  # fmt: skip
    md = extract_document_metadata(_read("laws_txt/Luat-Dien-Luc-2004-28-2004-QH11-18056.txt")[:3000])
    assert md.number == "28/2004/QH11"  # printed "QH 11"
    assert md.issue_date == date(2004, 12, 3)  # printed "ngày03"


def test_metadata_synthetic_cong_van_and_quyet_dinh() -> None:
    cong_van = """ỦY BAN NHÂN DÂN
TỈNH QUẢNG NAM
-------
Số: 1234/UBND-VP
V/v triển khai Nghị định
số 30/2020/NĐ-CP
CỘNG HOÀ XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập – Tự do – Hạnh phúc
Quảng Nam, ngày 5/3/2021
Kính gửi: Các sở, ban, ngành.
"""
    md = extract_document_metadata(cong_van)
    assert md.number == "1234/UBND-VP"
    assert md.doc_type == "Công văn"
    assert md.issuer == "ỦY BAN NHÂN DÂN TỈNH QUẢNG NAM"
    assert md.issue_date == date(2021, 3, 5)
    assert md.place == "Quảng Nam"
    assert md.title == "V/v triển khai Nghị định số 30/2020/NĐ-CP"

    quyet_dinh = """THỦ TƯỚNG CHÍNH PHỦ
Số: 932/QĐ-TTg
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
Hà Nội, ngày 07 tháng 5 năm 2025
QUYẾT ĐỊNH
Phê duyệt Đề án ABC
THỦ TƯỚNG CHÍNH PHỦ
Căn cứ Luật Tổ chức Chính phủ;
QUYẾT ĐỊNH:
Điều 1. Phê duyệt.
"""
    md = extract_document_metadata(quyet_dinh)
    assert md.number == "932/QĐ-TTg"
    assert md.doc_type == "Quyết định"
    assert md.issuer == "THỦ TƯỚNG CHÍNH PHỦ"
    assert md.issue_date == date(2025, 5, 7)
    assert md.title == "Phê duyệt Đề án ABC"


def test_metadata_type_from_symbol_and_invalid_date() -> None:
    md = extract_document_metadata("SỞ NỘI VỤ\nSố: 15/BC-SNV\nHà Nội, ngày 31 tháng 2 năm 2024\n")
    assert md.doc_type == "Báo cáo"
    assert md.issuer == "SỞ NỘI VỤ"
    assert md.issue_date is None  # 31/2 does not exist


def test_metadata_empty() -> None:
    md = extract_document_metadata("")
    assert md == DocumentMetadata()
    assert md.as_dict()["issue_date"] is None
    full = extract_document_metadata(
        "CHÍNH PHỦ\nSố: 01/2020/NĐ-CP\nHà Nội, ngày 1 tháng 1 năm 2020\nNGHỊ ĐỊNH\nVề X\n"
    )
    assert full.as_dict() == {
        "number": "01/2020/NĐ-CP",
        "doc_type": "Nghị định",
        "issuer": "CHÍNH PHỦ",
        "issuer_lines": ["CHÍNH PHỦ"],
        "issue_date": "2020-01-01",
        "place": "Hà Nội",
        "title": "Về X",
    }
