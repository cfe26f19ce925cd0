"""Vietnamese text normalisation for keyword search (pure Python, no Django).

Two PostgreSQL full-text vectors are meant to be built from the output of this module:

* the *exact* vector, from :func:`index_text` — diacritics kept, one tone-mark convention;
* the *folded* vector, from :func:`index_text_folded` — diacritics removed (``đ`` → ``d``).

A query is turned into lexemes with :func:`query_terms` and into a safe OR expression with
:func:`tsquery_or`. A query typed without any diacritic (:func:`has_diacritics` is false) should be
searched in the folded vector only; a query with diacritics can use the exact vector (and, with a
lower weight, the folded one).

Lexemes produced here only contain word characters (letters, digits, and ``_`` joining the two
syllables of a bigram such as ``văn_bản``). PostgreSQL's default text-search parser splits words at
``_`` (``to_tsvector('simple', 'văn_bản')`` gives ``'văn':1 'bản':2``, ``to_tsquery`` turns the same
string into the phrase ``'văn' <-> 'bản'``), and how it splits non-ASCII letters depends on the
database's ``lc_ctype``. The robust way to store and query these lexemes is therefore to bypass the
parser: ``CAST(index_text AS tsvector)`` (or ``array_to_tsvector(string_to_array(index_text, ' '))``)
for the vector and ``CAST(tsquery_or(...) AS tsquery)`` for the query. Running both sides through
``to_tsvector('simple', ...)`` / ``to_tsquery('simple', ...)`` also works (bigrams then match as
adjacent-syllable phrases), but never mix the two ways.

Tone marks: Vietnamese text is written with two conventions for where the tone mark goes in open
syllables with the glides ``oa``, ``oe``, ``uy`` — "hòa/hoà", "khỏe/khoẻ", "thúy/thuý", "ủy/uỷ".
:func:`normalize` maps every spelling to ONE canonical form: the traditional placement
(``hòa``, ``khỏe``, ``thúy``, ``ủy``), which is what the official documents in our corpus use
(Nghị định 30/2020/NĐ-CP writes "thỏa thuận", "Ủy ban", "hòa"). Syllables whose mark is misplaced
in other ways ("cuả", "gía", "qúa") are repaired by the same rule.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from itertools import pairwise

__all__ = [
    "STOPWORDS",
    "STOPWORDS_EXACT",
    "bigrams",
    "fix_tone_marks",
    "fold",
    "has_diacritics",
    "index_text",
    "index_text_folded",
    "normalize",
    "query_terms",
    "strip_diacritics",
    "syllables",
    "tsquery_or",
    "unify_chars",
]

# --------------------------------------------------------------------------------------------------
# Character tables
# --------------------------------------------------------------------------------------------------

_TONE_MARKS = "\u0300\u0301\u0303\u0309\u0323"  # huyền, sắc, ngã, hỏi, nặng
_BASE_VOWELS = "aăâeêioôơuưy"
_MODIFIED_VOWELS = frozenset("ăâêôơư")


def _with_tone(base: str, mark: str) -> str:
    return unicodedata.normalize("NFC", unicodedata.normalize("NFD", base) + mark)


_TONED_VOWELS = "".join(_with_tone(v, m) for v in _BASE_VOWELS for m in _TONE_MARKS)
_ALL_VOWELS = _BASE_VOWELS + _TONED_VOWELS

_TRANSLATE: dict[int, str | None] = {}
for _ch in "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d":
    _TRANSLATE[ord(_ch)] = "-"
for _ch in "\u201c\u201d\u201e\u201f\u00ab\u00bb\u2033\uff02":
    _TRANSLATE[ord(_ch)] = '"'
for _ch in "\u2018\u2019\u201a\u201b\u2039\u203a\u2032\uff07\u0060\u00b4":
    _TRANSLATE[ord(_ch)] = "'"
for _ch in "\u200b\u200c\u200d\u2060\ufeff\u00ad":
    _TRANSLATE[ord(_ch)] = None
for _ch in "\u00a0\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000":
    _TRANSLATE[ord(_ch)] = " "
_TRANSLATE[ord("\u2026")] = "..."
# Icelandic eth is a frequent stand-in for the Vietnamese letter Đ/đ in badly encoded text.
_TRANSLATE[ord("\u00d0")] = "Đ"
_TRANSLATE[ord("\u00f0")] = "đ"

# Letters that do not decompose under NFD but that PostgreSQL's unaccent.rules maps anyway
# (applied after lower-casing).
_FOLD_EXTRA = str.maketrans(
    {"đ": "d", "ø": "o", "ł": "l", "ħ": "h", "ı": "i", "ŧ": "t", "ß": "ss", "æ": "ae", "œ": "oe", "þ": "th"}
)
_TRANSLATE_RE = re.compile("[" + "".join(chr(c) for c in _TRANSLATE) + "]")
_COMBINING_RE = re.compile("[\u0300-\u036f]+")
_DIACRITIC_RE = re.compile("[\u0300-\u036fđĐðÐ]")

# A word in which a toned vowel touches another vowel: its tone mark may need to move.
_TONE_CANDIDATE_RE = re.compile(
    f"\\b[^\\W\\d_]*?(?:[{_TONED_VOWELS}][{_ALL_VOWELS}]|[{_ALL_VOWELS}][{_TONED_VOWELS}])[^\\W\\d_]*",
    re.IGNORECASE,
)
_TONE_CANDIDATE_LOWER_RE = re.compile(_TONE_CANDIDATE_RE.pattern)
# Vietnamese syllable: onset, 1-3 vowels, coda (on the toneless, lower-case form).
_SYLLABLE_RE = re.compile(
    f"(ngh|ng|gh|gi|kh|nh|ph|th|tr|ch|qu|[bcdđghklmnpqrstvx])?([{_BASE_VOWELS}]{{1,3}})(ch|ng|nh|[cmnpt])?"
)

# Words are runs of letters/digits (no underscore); see _words_and_bigrams for bigrams.
_WORD_RE = re.compile(r"[^\W_]+")
_BIGRAM_RE = re.compile(r"([^\W_]+)(?:\s+|[^\w\s]|_)(?=([^\W_]+))")
_LEADING_ZERO_RE = re.compile(r"(?<![^\W_])0+(?=[0-9])(?=[0-9]*(?![^\W_]))")
_NON_WORD_RE = re.compile(r"\W+")

_MAX_TOKEN_LEN = 64
_FOLD_EXTRA_RE = re.compile("[øłħıŧßæœþ]")

# --------------------------------------------------------------------------------------------------
# Tone-mark placement
# --------------------------------------------------------------------------------------------------

_TONE_CACHE: dict[str, str] = {}
_TONE_CACHE_MAX = 200_000


def _canonical_syllable(word: str) -> str:
    """Move the tone mark of a lower-case syllable to its traditional place; unchanged if unsure."""
    decomposed = unicodedata.normalize("NFD", word)
    marks = [c for c in decomposed if c in _TONE_MARKS]
    if len(marks) != 1:
        return word
    base = unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in _TONE_MARKS))
    m = _SYLLABLE_RE.fullmatch(base)
    if m is None:
        return word
    nucleus = m.group(2)
    start = m.start(2)
    if len(nucleus) == 1:
        pos = 0
    elif "ươ" in nucleus:
        pos = nucleus.index("ươ") + 1
    elif any(c in _MODIFIED_VOWELS for c in nucleus):
        pos = max(i for i, c in enumerate(nucleus) if c in _MODIFIED_VOWELS)
    elif m.group(3):  # closed syllable: mark on the last vowel ("hoàng", "toán", "huýt")
        pos = len(nucleus) - 1
    elif len(nucleus) == 3:  # "ngoài", "khuỷu", "ngoẹo"
        pos = 1
    else:  # open syllable, two vowels: first one ("hòa", "thúy", "của", "mía")
        pos = 0
    i = start + pos
    return base[:i] + _with_tone(base[i], marks[0]) + base[i + 1 :]


def _canonical_word(word: str) -> str:
    cached = _TONE_CACHE.get(word)
    if cached is not None:
        return cached
    lower = word.lower()
    canon = _canonical_syllable(lower)
    if canon == lower:
        result = word
    elif len(lower) == len(word) == len(canon):
        result = "".join(c.upper() if o.isupper() else c for c, o in zip(canon, word, strict=True))
    else:
        result = word
    if len(_TONE_CACHE) >= _TONE_CACHE_MAX:
        _TONE_CACHE.clear()
    _TONE_CACHE[word] = result
    return result


def fix_tone_marks(text: str) -> str:
    """Put every tone mark at its canonical (traditional) place, keeping case and everything else.

    "Hoà bình, khoẻ, THUÝ" → "Hòa bình, khỏe, THÚY". Input should be NFC (``normalize`` does that).
    """
    return _TONE_CANDIDATE_RE.sub(lambda m: _canonical_word(m.group(0)), text)


# --------------------------------------------------------------------------------------------------
# Normalisation and folding
# --------------------------------------------------------------------------------------------------


def _basic(text: str) -> str:
    """NFC, dash/quote/space variants unified, lower-case (no tone-mark work, no whitespace work)."""
    return unify_chars(text).lower()


def unify_chars(text: str) -> str:
    """NFC plus dash/quote/space variants unified and invisible characters dropped; case kept."""
    s = text if unicodedata.is_normalized("NFC", text) else unicodedata.normalize("NFC", text)
    return s.translate(_TRANSLATE) if _TRANSLATE_RE.search(s) else s


def normalize(text: str) -> str:
    """NFC, dash/quote/space variants unified, lower-case, canonical tone marks, whitespace collapsed.

    ``Đ/đ`` stays a letter of its own; ``normalize("Hoà  Bình")`` == ``normalize("hòa bình")``.
    """
    s = _TONE_CANDIDATE_LOWER_RE.sub(lambda m: _canonical_word(m.group(0)), _basic(text))
    return " ".join(s.split())


def fold(text: str) -> str:
    """:func:`normalize`, then all diacritics removed and ``đ`` → ``d`` ("Nghị định" → "nghi dinh").

    On Vietnamese letters this is ``lower(unaccent(x))`` of PostgreSQL's stock unaccent.rules.
    (Tone-mark placement does not matter once marks are removed, so it is skipped here.)
    """
    s = _COMBINING_RE.sub("", unicodedata.normalize("NFD", _basic(text))).replace("đ", "d")
    if _FOLD_EXTRA_RE.search(s):
        s = s.translate(_FOLD_EXTRA)
    return " ".join(unicodedata.normalize("NFC", s).split())


def strip_diacritics(text: str) -> str:
    """The text as typed without Vietnamese input: every diacritic removed, ``đ`` → ``d``, ``Đ`` →
    ``D``; case, spacing and punctuation kept ("Điều 16 Nghị định" → "Dieu 16 Nghi dinh")."""
    s = _COMBINING_RE.sub("", unicodedata.normalize("NFD", text))
    return unicodedata.normalize("NFC", s.replace("đ", "d").replace("Đ", "D"))


def has_diacritics(text: str) -> bool:
    """True if the text has any Vietnamese diacritic (tone mark, ă/â/ê/ô/ơ/ư, or đ)."""
    return _DIACRITIC_RE.search(unicodedata.normalize("NFD", text)) is not None


# --------------------------------------------------------------------------------------------------
# Tokens
# --------------------------------------------------------------------------------------------------


def syllables(text: str) -> list[str]:
    """Normalized word tokens (split on anything that is not a letter or digit).

    Pure digit tokens lose leading zeros ("05" → "5"), so "ngày 05" and "ngày 5" match.
    Tokens longer than 64 characters (hashes, base64 junk) are dropped.
    """
    return _words_and_bigrams(normalize(text))[0]


def bigrams(tokens: Sequence[str]) -> list[str]:
    """Adjacent-pair bigrams joined with ``_``: ["văn", "bản", "đi"] → ["văn_bản", "bản_đi"]."""
    return [f"{a}_{b}" for a, b in pairwise(tokens)]


def _words_and_bigrams(normalized: str) -> tuple[list[str], list[str]]:
    """Words of an already normalized string, and its bigrams.

    Two words make a bigram when only whitespace or a single punctuation character without spaces
    separates them ("văn bản", "nđ-cp", "30/2020"), not across ", " or " - ".
    """
    s = _LEADING_ZERO_RE.sub("", normalized)
    words: list[str] = _WORD_RE.findall(s)
    pairs: list[tuple[str, str]] = _BIGRAM_RE.findall(s)
    if words and max(map(len, words)) > _MAX_TOKEN_LEN:
        words = [w for w in words if len(w) <= _MAX_TOKEN_LEN]
        pairs = [(a, b) for a, b in pairs if len(a) <= _MAX_TOKEN_LEN and len(b) <= _MAX_TOKEN_LEN]
    return words, [f"{a}_{b}" for a, b in pairs]


def index_text(text: str) -> str:
    """Lexemes for the exact (diacritics-kept) vector: syllables, then bigrams, space separated.

    Bigrams do not cross spaced punctuation ("lao động, tiền lương" has no "động_tiền") but do
    join the parts of "nđ-cp" or "30/2020".
    """
    words, pairs = _words_and_bigrams(normalize(text))
    return " ".join(words + pairs)


def index_text_folded(text: str) -> str:
    """Same as :func:`index_text` on the folded text ("Nghị định 30" → "nghi dinh 30 nghi_dinh dinh_30")."""
    words, pairs = _words_and_bigrams(fold(text))
    return " ".join(words + pairs)


# --------------------------------------------------------------------------------------------------
# Stopwords and queries
# --------------------------------------------------------------------------------------------------

_STOPWORDS_RAW = """
và của là các những được cho với thì mà này đó trong có không một để khi đã sẽ đang cũng như nhưng
hoặc hay nếu vì do bởi tại từ đến về theo trên dưới ra vào lên xuống còn rất nhiều ít mọi mỗi từng
cả tất đều chỉ vẫn lại nữa thêm đây kia ấy nào gì ai đâu sao bao nhiêu thế vậy rồi chưa đi bị phải
nên cần bằng qua sau trước giữa cùng nhau ở ạ ơi nhé à ư chứ đấy kể cái chiếc sự hơn nhất vừa mới
luôn hãy xin tuy dù mặc song nhằm đối tới đó nọ hết gồm ngay thật quá lúc nói hỏi
"""

#: Stopwords in normalized form (diacritics kept).
STOPWORDS_EXACT: frozenset[str] = frozenset(normalize(w) for w in _STOPWORDS_RAW.split())
#: Stopwords, normalized and folded forms together (use for either kind of query).
STOPWORDS: frozenset[str] = STOPWORDS_EXACT | frozenset(fold(w) for w in STOPWORDS_EXACT)


def query_terms(query: str, folded: bool = False) -> list[str]:
    """Search lexemes of a query: syllables minus stopwords, then bigrams, deduplicated in order.

    Bigrams are kept unless both syllables are stopwords ("cho_phép", "bản_đi" stay, "của_các" goes).
    If every syllable is a stopword they are all kept, so a non-empty query never yields nothing.
    With ``folded=True`` the terms are those of :func:`index_text_folded`, otherwise of
    :func:`index_text`.
    """
    words, pairs = _words_and_bigrams(fold(query) if folded else normalize(query))
    if not words:
        return []
    stop = STOPWORDS if folded else STOPWORDS_EXACT
    kept = [w for w in words if w not in stop] or words
    kept_pairs = [p for p in pairs if not all(part in stop for part in p.split("_", 1))]
    out: list[str] = []
    seen: set[str] = set()
    for term in [*kept, *kept_pairs]:
        if term not in seen:
            seen.add(term)
            out.append(term)
    return out


def tsquery_or(terms: Iterable[str], max_terms: int = 64) -> str | None:
    """A safe PostgreSQL tsquery OR expression ("'văn_bản' | 'hòa'"), or None if nothing is left.

    Every term is lower-cased/NFC'd and split on anything that is not a word character, so only
    ``[\\w]`` (letters, digits, ``_``) ever reaches the quotes: user input cannot inject operators,
    quotes or backslashes. At most ``max_terms`` distinct operands are kept. The string is valid
    both as a tsquery literal (``CAST(x AS tsquery)``) and as ``to_tsquery('simple', x)`` input.
    """
    operands: list[str] = []
    seen: set[str] = set()
    for term in terms:
        cleaned = unicodedata.normalize("NFC", term).translate(_TRANSLATE).lower()
        for piece in _NON_WORD_RE.split(cleaned):
            piece = re.sub(r"_+", "_", piece).strip("_")
            if not piece or len(piece) > 2 * _MAX_TOKEN_LEN or piece in seen:
                continue
            seen.add(piece)
            operands.append(f"'{piece}'")
            if len(operands) >= max_terms:
                return " | ".join(operands)
    return " | ".join(operands) if operands else None
