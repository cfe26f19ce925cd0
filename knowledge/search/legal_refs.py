"""Legal references and official-document metadata for Vietnamese texts (pure Python, no Django).

* :func:`extract_legal_refs` — document numbers ("30/2020/NĐ-CP", plus the folded "30/2020/ND-CP")
  and structural references ("khoản 2 Điều 8" → "dieu:8", "dieu:8:khoan:2") found in a text, for
  chunks (what a chunk cites) and for queries (what to boost). Works with or without diacritics.
* :func:`refs_for_heading_path` — the structural tokens of a chunk that *is* an article/clause.
(The metadata of official documents — number, type, issuer, date — is in knowledge.ingestion.doc_metadata.)
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from knowledge.search.text_normalization import fold, normalize, unify_chars

__all__ = [
    "canonical_doc_number",
    "doc_number_variants",
    "extract_legal_refs",
    "refs_for_heading_path",
    "structural_refs",
]

# --------------------------------------------------------------------------------------------------
# Document numbers ("số, ký hiệu")
# --------------------------------------------------------------------------------------------------

# number / [year /] symbol, e.g. 30/2020/NĐ-CP, 932/QĐ-TTg, 1234/UBND-VP, 45/2019/QH14, 26/2018/AL
_DOCNUM_RE = re.compile(
    r"(?<![\w/.-])(\d{1,5})(?:/((?:19|20)\d{2}))?/([^\W\d_][^\W_]*(?:-[^\W_]+)*)(?![\w/-])"
)
# older style: 21-LCT/HĐNN8, 18-L/CTN
_OLD_DOCNUM_RE = re.compile(r"(?<![\w/.-])(\d{1,5})-([^\W\d_]+)/([^\W_]+(?:-[^\W_]+)*)(?![\w/-])")


def _fold_upper(s: str) -> str:
    return fold(s).upper()


def _canon_parts(number: str, year: str | None, symbol: str) -> str:
    num = f"{int(number):02d}"  # Nghị định 30/2020 (Phụ lục I): numbers below 10 carry a leading 0
    sym = symbol.upper()
    return f"{num}/{year}/{sym}" if year else f"{num}/{sym}"


def _accept_symbol(year: str | None, symbol: str) -> bool:
    # "đồng/người" is prose; a real symbol has a year, a hyphen, or capitals in the source text.
    return len(symbol) >= 2 and (year is not None or "-" in symbol or any(c.isupper() for c in symbol))


def canonical_doc_number(text: str) -> str | None:
    """Canonical form of one document number: NFC, upper-case, 'Đ' kept, number padded to 2 digits.

    "số 9/2020/tt-blđtbxh" → "09/2020/TT-BLĐTBXH"; "932/QĐ-TTg" → "932/QĐ-TTG"; None if none found.
    """
    s = unify_chars(text)
    m = _DOCNUM_RE.search(s)
    if m and _accept_symbol(m.group(2), m.group(3)):
        return _canon_parts(m.group(1), m.group(2), m.group(3))
    m = _OLD_DOCNUM_RE.search(s)
    if m:
        return f"{int(m.group(1)):02d}-{m.group(2).upper()}/{m.group(3).upper()}"
    return None


def doc_number_variants(number: str) -> list[str]:
    """[canonical, folded] forms of a document number ("30/2020/NĐ-CP", "30/2020/ND-CP")."""
    canon = canonical_doc_number(number)
    if canon is None:
        return []
    folded = _fold_upper(canon)
    return [canon] if folded == canon else [canon, folded]


def _doc_numbers(text: str) -> list[str]:
    s = unify_chars(text)
    found: list[tuple[int, str]] = []
    for m in _DOCNUM_RE.finditer(s):
        if _accept_symbol(m.group(2), m.group(3)):
            found.append((m.start(), _canon_parts(m.group(1), m.group(2), m.group(3))))
    for m in _OLD_DOCNUM_RE.finditer(s):
        found.append((m.start(), f"{int(m.group(1)):02d}-{m.group(2).upper()}/{m.group(3).upper()}"))
    found.sort()
    out: list[str] = []
    for _, canon in found:
        out.append(canon)
        out.append(_fold_upper(canon))
    return out


# --------------------------------------------------------------------------------------------------
# Structural references: Điều / khoản / điểm
# --------------------------------------------------------------------------------------------------

_DIEU = frozenset({"điều", "dieu"})
_KHOAN = frozenset({"khoản", "khoan", "khoán"})
_DIEM = frozenset({"điểm", "diem"})
_LIST_SEPARATORS = frozenset({",", "và", "va", "hoặc", "hoac"})
_STRUCT_TOKEN_RE = re.compile(r"[^\W_]+|\S")
_ARTICLE_RE = re.compile(r"\d{1,4}[a-zđ]?")
_CLAUSE_RE = re.compile(r"\d{1,3}")
_POINT_RE = re.compile(r"[a-zđ]")


def _num(tok: str) -> str:
    digits = tok.rstrip("abcdefghijklmnopqrstuvwxyzđ")
    return str(int(digits)) + tok[len(digits) :] if digits else tok


def _read_list(
    toks: Sequence[str], i: int, item_re: re.Pattern[str], repeat_words: frozenset[str]
) -> tuple[list[str], int]:
    """Items like "1, 2 và 3" or "1 và khoản 2" starting at toks[i]; returns (items, next index)."""
    items: list[str] = []
    n = len(toks)
    if i >= n or not item_re.fullmatch(toks[i]):
        return items, i
    items.append(_num(toks[i]))
    i += 1
    while i < n and toks[i] in _LIST_SEPARATORS:
        j = i + 1
        if j < n and toks[j] in repeat_words:
            j += 1
        if j < n and item_re.fullmatch(toks[j]):
            items.append(_num(toks[j]))
            i = j + 1
        else:
            break
    return items, i


def _with_folded(tokens: Iterable[str]) -> list[str]:
    out: list[str] = []
    seen: set[str] = set()
    for t in tokens:
        for v in (t, fold(t)):
            if v not in seen:
                seen.add(v)
                out.append(v)
    return out


def structural_refs(text: str) -> list[str]:
    """Article/clause/point references in order, without their folded variants.

    "điểm a khoản 2 Điều 8" → ["dieu:8", "dieu:8:khoan:2", "dieu:8:khoan:2:diem:a"];
    "khoản 1, 2 và 3 Điều 2", "Điều 8 khoản 2", "dieu 8" and "Điều 47, Điều 61 và Điều 83" work too.
    "khoản 2 Điều này" (this article) is skipped: it cannot be resolved from the text alone.
    """
    toks = _STRUCT_TOKEN_RE.findall(normalize(text))
    out: list[str] = []
    n = len(toks)
    clauses: list[tuple[str, list[str]]] = []
    points: list[str] = []
    i = 0
    while i < n:
        t = toks[i]
        if t in _DIEM:
            pts, j = _read_list(toks, i + 1, _POINT_RE, _DIEM)
            if pts:
                points = pts
                i = j
                continue
        elif t in _KHOAN:
            cls, j = _read_list(toks, i + 1, _CLAUSE_RE, _KHOAN)
            if cls:
                clauses.extend((c, points if k == 0 else []) for k, c in enumerate(cls))
                points = []
                i = j
                continue
        elif t in _DIEU:
            arts, j = _read_list(toks, i + 1, _ARTICLE_RE, _DIEU)
            if arts:
                first = f"dieu:{arts[0]}"
                out.append(first)
                for c, pts in clauses:
                    out.append(f"{first}:khoan:{c}")
                    out.extend(f"{first}:khoan:{c}:diem:{p}" for p in pts)
                out.extend(f"dieu:{a}" for a in arts[1:])
                clauses, points = [], []
                i = j
                # reverse order: "Điều 8 khoản 2 điểm a" (unless that khoản belongs to a later Điều)
                if j < n and toks[j] in _KHOAN:
                    cls, k = _read_list(toks, j + 1, _CLAUSE_RE, _KHOAN)
                    if cls and not (k < n and toks[k] in _DIEU):
                        last = f"dieu:{arts[-1]}"
                        out.extend(f"{last}:khoan:{c}" for c in cls)
                        i = k
                        if k < n and toks[k] in _DIEM:
                            pts, m = _read_list(toks, k + 1, _POINT_RE, _DIEM)
                            if pts and not (m < n and toks[m] in _KHOAN | _DIEU):
                                out.extend(f"{last}:khoan:{cls[-1]}:diem:{p}" for p in pts)
                                i = m
                continue
        clauses, points = [], []
        i += 1
    return list(dict.fromkeys(out))


def extract_legal_refs(text: str) -> list[str]:
    """Document numbers (canonical and folded) then structural tokens (and their folded forms).

    "theo quy định tại khoản 2 Điều 8 Nghị định số 30/2020/NĐ-CP" →
    ["30/2020/NĐ-CP", "30/2020/ND-CP", "dieu:8", "dieu:8:khoan:2"]. Deduplicated, first-seen order.
    Points lettered "đ" give both "...:diem:đ" and "...:diem:d".
    """
    return list(dict.fromkeys([*_doc_numbers(text), *_with_folded(structural_refs(text))]))


_HEADING_ARTICLE_RE = re.compile(r"(?:điều|dieu)\s+(\d{1,4}[a-zđ]?)(?![^\W_])")
_HEADING_CLAUSE_RE = re.compile(r"(?:(?:khoản|khoan)\s+(\d{1,3})(?!\w)|(\d{1,3})\s*[.)](?!\d))")
_HEADING_POINT_RE = re.compile(r"(?:(?:điểm|diem)\s+([a-zđ])(?!\w)|([a-zđ])\))")
_HEADING_STRIP_RE = re.compile(r"^[\s#*>\-]+")


def refs_for_heading_path(path: Sequence[str]) -> list[str]:
    """Tokens of a chunk that is itself an article/clause/point, from its heading path.

    ["Chương II", "Điều 8. Thẩm quyền", "Khoản 2"] → ["dieu:8", "dieu:8:khoan:2"]. A clause is
    "Khoản 2" or "2." and a point "Điểm a" or "a)", each only under an article/clause.
    """
    out: list[str] = []
    article: str | None = None
    clause: str | None = None
    for raw in path:
        h = _HEADING_STRIP_RE.sub("", normalize(raw))
        m = _HEADING_ARTICLE_RE.match(h)
        if m:
            article, clause = _num(m.group(1)), None
            out.append(f"dieu:{article}")
            continue
        if article is None:
            continue
        m = _HEADING_CLAUSE_RE.match(h)
        if m:
            clause = _num(m.group(1) or m.group(2))
            out.append(f"dieu:{article}:khoan:{clause}")
            continue
        if clause is None:
            continue
        m = _HEADING_POINT_RE.match(h)
        if m:
            out.append(f"dieu:{article}:khoan:{clause}:diem:{m.group(1) or m.group(2)}")
    return _with_folded(out)
