"""Tests for knowledge.search.text_normalization (pure Python; run with -p no:django)."""

from __future__ import annotations

import re
import shutil
import subprocess
import unicodedata
from pathlib import Path

import pytest

from knowledge.search.text_normalization import (
    STOPWORDS,
    STOPWORDS_EXACT,
    bigrams,
    fix_tone_marks,
    fold,
    has_diacritics,
    index_text,
    index_text_folded,
    normalize,
    query_terms,
    syllables,
    tsquery_or,
    unify_chars,
)

DOCS = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "documents"


@pytest.mark.parametrize(
    ("new_style", "old_style"),
    [
        ("hoà", "hòa"),
        ("thuý", "thúy"),
        ("oà", "òa"),
        ("oá", "óa"),
        ("oẻ", "ỏe"),
        ("uỳ", "ùy"),
        ("khoẻ", "khỏe"),
        ("Uỷ ban", "Ủy ban"),
        ("thoả thuận", "thỏa thuận"),
        ("Thuỵ Điển", "Thụy Điển"),
        ("CỘNG HOÀ", "CỘNG HÒA"),
    ],
)
def test_both_tone_styles_normalize_alike(new_style: str, old_style: str) -> None:
    assert normalize(new_style) == normalize(old_style)
    assert normalize(new_style) == old_style.lower()


@pytest.mark.parametrize(
    "word",
    ["hoàng", "toán", "quý", "quỳ", "quả", "giá", "già", "gìn", "người", "ngoài", "khuỷu", "tuổi",
     "giường", "thuở", "được", "huýt", "khuya", "của", "mía", "café", "réunion"],
)  # fmt: skip
def test_canonical_or_foreign_words_are_untouched(word: str) -> None:
    assert normalize(word) == word


@pytest.mark.parametrize(
    ("sloppy", "good"), [("cuả", "của"), ("gía", "giá"), ("qúa", "quá"), ("hòang", "hoàng")]
)
def test_misplaced_tone_marks_are_repaired(sloppy: str, good: str) -> None:
    assert normalize(sloppy) == good


def test_fix_tone_marks_keeps_case() -> None:
    assert fix_tone_marks("Hoà bình, KHOẺ, Thuý") == "Hòa bình, KHỎE, Thúy"


def test_normalize_nfc_case_spaces_dashes_quotes() -> None:
    decomposed = unicodedata.normalize("NFD", "Nghị Định")
    assert normalize(decomposed) == "nghị định"
    assert normalize("  Lao động\u00a0–\tThương   binh\n") == "lao động - thương binh"
    assert normalize("“Văn bản” ‘đi’…") == "\"văn bản\" 'đi'..."
    assert normalize("Đ\u200bà") == "đà"
    assert normalize("ÐIỀU") == "điều"  # Icelandic eth used for Đ
    assert unify_chars("A – B") == "A - B"


def test_fold() -> None:
    assert fold("Nghị định") == "nghi dinh"
    assert fold("ĐƯỜNG Hoà Bình") == "duong hoa binh"
    assert fold("thuý") == fold("thúy") == "thuy"
    assert fold(unicodedata.normalize("NFD", "Tiếng Việt")) == "tieng viet"


def _vietnamese_letters() -> list[str]:
    marks = ["", "\u0300", "\u0301", "\u0303", "\u0309", "\u0323"]
    out = ["đ", "Đ"]
    for base in "aăâeêioôơuưyAĂÂEÊIOÔƠUƯY":
        for mark in marks:
            out.append(unicodedata.normalize("NFC", unicodedata.normalize("NFD", base) + mark))
    return out


def _unaccent_rules() -> dict[str, str] | None:
    pg_config = shutil.which("pg_config")
    if pg_config is None:
        return None
    try:
        share = subprocess.run(
            [pg_config, "--sharedir"], capture_output=True, text=True, check=True, timeout=10
        )
    except (OSError, subprocess.SubprocessError):
        return None
    rules_file = Path(share.stdout.strip()) / "tsearch_data" / "unaccent.rules"
    if not rules_file.is_file():
        return None
    rules: dict[str, str] = {}
    for line in rules_file.read_text(encoding="utf-8").splitlines():
        parts = line.split("\t")
        if parts and parts[0]:
            rules[parts[0]] = parts[1].strip('"') if len(parts) > 1 else ""
    return rules


def test_fold_matches_postgres_unaccent_on_vietnamese_letters() -> None:
    rules = _unaccent_rules()
    if rules is None:
        pytest.skip("PostgreSQL unaccent.rules not installed here")
    letters = _vietnamese_letters()
    assert len(letters) == 2 + 24 * 6
    for ch in letters:
        expected = "".join(rules.get(c, c) for c in ch).lower()
        assert fold(ch) == expected, ch
    # decomposed input: the rules drop combining marks one by one
    for ch in letters:
        nfd = unicodedata.normalize("NFD", ch)
        assert fold(nfd) == "".join(rules.get(c, c) for c in nfd).lower(), ch


def test_has_diacritics() -> None:
    assert has_diacritics("Nghị định")
    assert has_diacritics("dđ")
    assert has_diacritics(unicodedata.normalize("NFD", "á"))
    assert not has_diacritics("nghi dinh 30/2020/ND-CP")
    assert not has_diacritics("")


def test_syllables() -> None:
    assert syllables("Nghị định số 30/2020/NĐ-CP, ngày 05.") == [
        "nghị", "định", "số", "30", "2020", "nđ", "cp", "ngày", "5",
    ]  # fmt: skip
    assert syllables("tiền_lương") == ["tiền", "lương"]
    assert syllables("a" * 65 + " b") == ["b"]
    assert syllables("  ") == []


def test_bigrams() -> None:
    assert bigrams(["văn", "bản", "đi"]) == ["văn_bản", "bản_đi"]
    assert bigrams(["x"]) == []
    assert bigrams([]) == []


def test_index_text_has_syllables_then_bigrams() -> None:
    assert index_text("Văn bản đi") == "văn bản đi văn_bản bản_đi"
    lexemes = index_text("Lao động, tiền lương; 30/2020/NĐ-CP").split()
    assert "lao_động" in lexemes
    assert "tiền_lương" in lexemes
    assert "động_tiền" not in lexemes  # no bigram across ", "
    assert "nđ_cp" in lexemes
    assert all(re.fullmatch(r"\w+", x) for x in lexemes)


def test_index_text_folded() -> None:
    assert index_text_folded("Nghị định 30") == "nghi dinh 30 nghi_dinh dinh_30"
    assert index_text_folded("Hoà bình") == index_text_folded("hòa bình")


def test_undiacritized_query_matches_folded_index() -> None:
    index = set(index_text_folded("Nghị định 30 về công tác văn thư").split())
    terms = query_terms("nghi dinh 30", folded=True)
    assert terms
    assert set(terms) <= index
    assert "nghi_dinh" in terms
    assert not has_diacritics("nghi dinh 30")


def test_query_terms_exact_matches_exact_index_across_tone_styles() -> None:
    index = set(index_text("Thỏa thuận hòa giải tại cơ sở").split())
    assert set(query_terms("thoả thuận hoà giải")) <= index


def test_stopwords_removed_but_bigrams_kept() -> None:
    terms = query_terms("quy định của các cơ quan về văn bản đi")
    assert "của" not in terms and "các" not in terms and "về" not in terms
    assert "cơ_quan" in terms and "văn_bản" in terms
    assert "bản_đi" in terms  # one stopword: still a useful bigram
    assert "của_các" not in terms  # both stopwords
    folded = query_terms("quy dinh cua cac co quan", folded=True)
    assert "cua" not in folded and "cac" not in folded and "co_quan" in folded


def test_only_stopwords_query_keeps_its_words() -> None:
    assert query_terms("và của") == ["và", "của"]
    assert query_terms("") == []
    assert query_terms(" ?! ") == []


def test_stopword_sets() -> None:
    assert 90 <= len(STOPWORDS_EXACT) <= 200
    for w in ("và", "của", "là", "các", "những", "được", "cho", "với", "thì", "mà", "này", "đó", "trong",
              "có", "không"):  # fmt: skip
        assert w in STOPWORDS_EXACT
        assert fold(w) in STOPWORDS
    assert all(normalize(w) == w for w in STOPWORDS_EXACT)
    assert "điều" not in STOPWORDS and "luật" not in STOPWORDS


def test_tsquery_or_is_safe() -> None:
    assert tsquery_or(["văn_bản", "hòa"]) == "'văn_bản' | 'hòa'"
    out = tsquery_or(["a' | b & !c"])
    assert out == "'a' | 'b' | 'c'"
    nasty = tsquery_or(["x'); DROP TABLE t; --", "\\", "'", ":*", "<->", "_", "Ỳ"])
    assert nasty is not None
    for operand in nasty.split(" | "):
        assert re.fullmatch(r"'\w+'", operand), operand
        assert not operand.strip("'").startswith("_")
    assert tsquery_or([]) is None
    assert tsquery_or(["", "  ", "'&|!"]) is None
    assert tsquery_or(["a", "a", "A"]) == "'a'"
    assert tsquery_or([f"t{i}" for i in range(100)], max_terms=5) == "'t0' | 't1' | 't2' | 't3' | 't4'"


def test_tsquery_or_with_query_terms() -> None:
    out = tsquery_or(query_terms("Điều 8 nói gì?"))
    assert out == "'điều' | '8' | 'điều_8' | '8_nói'"


def test_index_text_on_one_megabyte() -> None:
    """A megabyte of a real decree goes through both index forms (its speed is measured by the
    ingestion benchmark, not asserted here: tests never assert wall-clock times)."""
    sample = DOCS / "labor_decrees" / "nghi_dinh_145_2020_nd_cp.txt"
    if sample.is_file():
        base = sample.read_text(encoding="utf-8")
    else:
        base = "Căn cứ Luật Tổ chức Chính phủ ngày 19 tháng 6 năm 2015; người lao động hoà giải, thuý. " * 50
    text = (base * (1_000_000 // len(base) + 1))[:1_000_000]
    out = index_text(text)
    folded = index_text_folded(text)
    assert " điều_8 " in out and " dieu_8 " in folded  # words and their bigrams, accents folded
    assert len(out.split()) > 100_000
