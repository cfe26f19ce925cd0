"""What a chunk stores for keyword search: two tsvectors (exact and diacritic-folded) built in
Python from knowledge.search.text_normalization, and its legal references.

The tsvectors are written as tsvector literals with positions (`'văn':1 'bản':2 'văn_bản':1`),
not through PostgreSQL's `to_tsvector`: its parser splits at `_` (our bigrams) and classifies
Vietnamese letters by the server's locale. Positions keep term frequencies for ranking.
"""

from __future__ import annotations

from collections.abc import Sequence

from knowledge.search import legal_refs as legal
from knowledge.search import text_normalization

MAX_POSITIONS = 255  # PostgreSQL keeps at most 256 positions per lexeme
MAX_POSITION = 16383  # and positions above this are clamped


def _quote(lexeme: str) -> str:
    return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"


def _literal(words: list[str], pairs: list[str]) -> str:
    positions: dict[str, list[int]] = {}
    for index, word in enumerate(words, start=1):
        found = positions.setdefault(word, [])
        if len(found) < MAX_POSITIONS:
            found.append(min(index, MAX_POSITION))
    for index, pair in enumerate(pairs, start=1):
        found = positions.setdefault(pair, [])
        if len(found) < MAX_POSITIONS:
            found.append(min(index, MAX_POSITION))
    return " ".join(f"{_quote(lexeme)}:{','.join(map(str, spots))}" for lexeme, spots in positions.items())


def tsvector_literal(text: str, *, folded: bool) -> str:
    """A tsvector literal of the text's syllables and bigrams, normalized (or folded)."""
    normalized = text_normalization.fold(text) if folded else text_normalization.normalize(text)
    words, pairs = text_normalization._words_and_bigrams(normalized)
    return _literal(words, pairs)


def chunk_legal_refs(heading_path: Sequence[str], document_number: str) -> list[str]:
    """What the chunk *is*: the articles of its heading path and its document's number (with the
    folded variant), so that "Điều 8 Nghị định 30/2020/NĐ-CP" matches that very article. The
    references a chunk merely mentions are left to the keyword index."""
    refs = legal.refs_for_heading_path(list(heading_path))
    if document_number:
        refs += legal.doc_number_variants(document_number)
    return list(dict.fromkeys(refs))


def query_legal_refs(query: str) -> list[str]:
    return legal.extract_legal_refs(query)
