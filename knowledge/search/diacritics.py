"""Diacritics put back into a query typed without them, from the knowledge base's own words.

Officials often type without a Vietnamese keyboard ("thoi han giai quyet ho so"). The keyword leg
copes (it searches the folded tsvector), but the embedding model does not: multilingual-e5 reads
unaccented Vietnamese as another language, and its leg then drowns the keyword leg in the fusion.
So before embedding, each folded syllable gets the accented form the knowledge base itself uses
most, in context: the exact-vector lexemes of the active chunks and their document frequencies
(``KeywordTermStat``, maintained with the chunks) give, per folded syllable, its accented forms
("ma" → "mà", "mã", "má", …) and, per adjacent pair, how many chunks hold it ("mã_số").

The choice is the most likely sequence (Viterbi) under a bigram model smoothed toward the
syllable's own frequencies: P(c | prev) = (pairs(prev, c) + K · P(c | folded)) / (pairs(prev, ·) + K).
K = 2 means a pair seen in two chunks weighs as much as all the syllable statistics: a pair the
knowledge base writes decides, an unseen one leaves the choice to the syllable's frequency.

The result says how far to trust it (``confidence``): the share of the query's words that the
knowledge base knows, times the mean probability of the choice made for each. Retrieval embeds
the restored text and weighs the vector leg by that confidence.
"""

from __future__ import annotations

import math
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.db import connection

from knowledge.models import KeywordBaseStat, KeywordTermStat
from knowledge.search import text_normalization

# Weight of the syllable frequencies against the pair counts (see the module docstring).
PAIR_PRIOR = 2.0
# Accented forms considered per folded syllable, the most frequent first: bounds the Viterbi work.
MAX_CANDIDATES = 6
# A query is taken for unaccented Vietnamese when at least this share of its words are syllables
# of the knowledge base (folded); below, it is left alone (English, codes, names).
MIN_KNOWN_SHARE = 0.5
CACHE_KNOWLEDGE_BASES = 32

_WORD_RE = re.compile(r"[^\W\d_]+")
_TERM = KeywordTermStat._meta.db_table


@dataclass(frozen=True, slots=True)
class Vocabulary:
    forms: dict[str, dict[str, int]]  # folded syllable → {written form: chunks holding it}
    pairs: dict[tuple[str, str], int]  # (written form, written form) → chunks holding the pair


@dataclass(frozen=True, slots=True)
class Restoration:
    text: str  # the query with its diacritics put back (unchanged when not restored)
    restored: bool
    confidence: float  # 1.0 for a query that needs nothing (it has diacritics, or is not Vietnamese)


Version = tuple[int, tuple[int, int]]  # a knowledge base, and its chunk count and total length
# Per knowledge base, and per set of knowledge bases searched together (merged once, not per query).
_cache: OrderedDict[tuple[Version, ...], Vocabulary] = OrderedDict()
_lock = threading.Lock()


def _load(knowledge_base_id: int) -> Vocabulary:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT lexeme, df_exact FROM {_TERM} WHERE knowledge_base_id = %s AND df_exact > 0",  # noqa: S608
            [knowledge_base_id],
        )
        rows = cursor.fetchall()
    forms: dict[str, dict[str, int]] = {}
    pairs: dict[tuple[str, str], int] = {}
    for lexeme, df in rows:
        if "_" in lexeme:
            first, _, second = lexeme.partition("_")
            if first.isalpha() and second.isalpha():
                pairs[first, second] = int(df)
        elif lexeme.isalpha():
            forms.setdefault(text_normalization.fold(lexeme), {})[lexeme] = int(df)
    return Vocabulary(forms, pairs)


def _versions(knowledge_base_ids: Sequence[int]) -> tuple[Version, ...]:
    """Each knowledge base with the version of its statistics (chunk count, total tokens): one
    statement for all of them, which tells whether what is cached is still theirs."""
    rows = KeywordBaseStat.objects.filter(knowledge_base_id__in=list(knowledge_base_ids)).values_list(
        "knowledge_base_id", "chunk_count", "total_tokens"
    )
    found = {pk: (chunks, tokens) for pk, chunks, tokens in rows}
    return tuple((pk, found.get(pk, (0, 0))) for pk in sorted(set(knowledge_base_ids)))


def _cached(key: tuple[Version, ...], load: Callable[[], Vocabulary]) -> Vocabulary:
    """The vocabulary of these knowledge bases at these versions, loaded once per process (a
    knowledge base alone, or several merged, each its own entry)."""
    with _lock:
        found = _cache.get(key)
        if found is not None:
            _cache.move_to_end(key)
            return found
    loaded = load()
    with _lock:
        _cache[key] = loaded
        while len(_cache) > CACHE_KNOWLEDGE_BASES:
            _cache.popitem(last=False)
    return loaded


def vocabulary(knowledge_base_id: int) -> Vocabulary:
    """The knowledge base's vocabulary, cached in the process until its chunks change."""
    return _vocabulary_at(_versions([knowledge_base_id]))


def _vocabulary_at(versions: tuple[Version, ...]) -> Vocabulary:
    if len(versions) == 1:
        return _cached(versions, lambda: _load(versions[0][0]))
    return _cached(versions, lambda: _merged([_vocabulary_at((version,)) for version in versions]))


def _merged(vocabularies: Sequence[Vocabulary]) -> Vocabulary:
    if len(vocabularies) == 1:
        return vocabularies[0]
    forms: dict[str, dict[str, int]] = {}
    pairs: dict[tuple[str, str], int] = {}
    for v in vocabularies:
        for folded, written in v.forms.items():
            into = forms.setdefault(folded, {})
            for form, df in written.items():
                into[form] = into.get(form, 0) + df
        for pair, df in v.pairs.items():
            pairs[pair] = pairs.get(pair, 0) + df
    return Vocabulary(forms, pairs)


def _candidates(vocab: Vocabulary, word: str) -> dict[str, float]:
    """P(written form | folded word), over the most frequent forms; {} for an unknown word."""
    written = vocab.forms.get(word)
    if not written:
        return {}
    top = sorted(written.items(), key=lambda item: (-item[1], item[0]))[:MAX_CANDIDATES]
    total = sum(df for _, df in top)
    return {form: df / total for form, df in top}


def _transition(vocab: Vocabulary, previous: str, options: dict[str, float]) -> dict[str, float]:
    counts = {form: vocab.pairs.get((previous, form), 0) for form in options}
    total = sum(counts.values()) + PAIR_PRIOR
    return {form: (counts[form] + PAIR_PRIOR * p) / total for form, p in options.items()}


def _viterbi(vocab: Vocabulary, run: list[dict[str, float]]) -> tuple[list[str], list[float]]:
    """The most likely written forms of a run of known words, and the probability of each choice
    given the one before it."""
    best: list[dict[str, tuple[float, str | None]]] = [{f: (math.log(p), None) for f, p in run[0].items()}]
    for options in run[1:]:
        step: dict[str, tuple[float, str | None]] = {}
        for previous, (score, _) in best[-1].items():
            for form, p in _transition(vocab, previous, options).items():
                candidate = score + math.log(p)
                if form not in step or candidate > step[form][0]:
                    step[form] = (candidate, previous)
        best.append(step)
    form = max(best[-1], key=lambda f: best[-1][f][0])
    chosen = [form]
    for step in reversed(best[1:]):
        back = step[chosen[-1]][1]
        assert back is not None
        chosen.append(back)
    chosen.reverse()
    probabilities = [run[0][chosen[0]]]
    for i in range(1, len(chosen)):
        probabilities.append(_transition(vocab, chosen[i - 1], run[i])[chosen[i]])
    return chosen, probabilities


def restore_with(vocab: Vocabulary, query: str) -> Restoration:
    """:func:`restore` with a vocabulary at hand (tests, several knowledge bases merged)."""
    if text_normalization.has_diacritics(query):
        return Restoration(query, False, 1.0)
    matches = list(_WORD_RE.finditer(query))
    options = [_candidates(vocab, m.group(0).lower()) for m in matches]
    known = sum(1 for o in options if o)
    if not matches or known / len(matches) < MIN_KNOWN_SHARE:
        return Restoration(query, False, 1.0)
    chosen: list[str | None] = [None] * len(matches)
    probabilities: list[float] = []
    i = 0
    while i < len(options):  # each run of adjacent known words is one Viterbi sequence
        if not options[i]:
            i += 1
            continue
        j = i
        while j < len(options) and options[j]:
            j += 1
        forms, p = _viterbi(vocab, options[i:j])
        chosen[i:j] = forms
        probabilities.extend(p)
        i = j
    pieces: list[str] = []
    end = 0
    for match, form in zip(matches, chosen, strict=True):
        pieces.append(query[end : match.start()])
        word = match.group(0)
        if form is None:
            pieces.append(word)
        elif word.isupper() and len(word) > 1:
            pieces.append(form.upper())
        elif word[0].isupper():
            pieces.append(form[0].upper() + form[1:])
        else:
            pieces.append(form)
        end = match.end()
    pieces.append(query[end:])
    confidence = known / len(matches) * sum(probabilities) / len(probabilities)
    return Restoration("".join(pieces), True, confidence)


def restore(knowledge_base_ids: Sequence[int], query: str) -> Restoration:
    """The query with diacritics put back from the knowledge bases' vocabulary, when it was typed
    without them and looks Vietnamese; otherwise the query itself with confidence 1."""
    if text_normalization.has_diacritics(query) or not _WORD_RE.search(query):
        return Restoration(query, False, 1.0)
    return restore_with(_vocabulary_at(_versions(knowledge_base_ids)), query)
