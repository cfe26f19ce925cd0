"""Diacritics put back into queries typed without them, from the knowledge base's own words, and
retrieval of such queries finding what the same query with diacritics finds."""

from __future__ import annotations

import hashlib
import math
from collections import Counter
from pathlib import Path

import pytest
from django.core.files.base import ContentFile

from knowledge import services
from knowledge.ingestion import pipeline
from knowledge.models import DocumentStatus, KnowledgeBase
from knowledge.search import diacritics, text_normalization
from knowledge.search.diacritics import Vocabulary, restore_with
from knowledge.search.retrieval import retrieve
from tests.factories import World
from tests.knowledge.test_retrieval import make_kb

DATA = Path(__file__).resolve().parents[3] / "shared" / "data" / "documents"
ND135 = DATA / "labor_decrees" / "nghi_dinh_135_2020_nd_cp.txt"


def vocabulary_of(*texts: str) -> Vocabulary:
    """What KeywordTermStat holds for chunks of these texts: per exact lexeme, how many hold it."""
    forms: dict[str, Counter[str]] = {}
    pairs: Counter[tuple[str, str]] = Counter()
    for text in texts:
        for lexeme in set(text_normalization.index_text(text).split()):
            if "_" in lexeme:
                first, _, second = lexeme.partition("_")
                pairs[first, second] += 1
            elif lexeme.isalpha():
                forms.setdefault(text_normalization.fold(lexeme), Counter())[lexeme] += 1
    return Vocabulary({k: dict(v) for k, v in forms.items()}, dict(pairs))


PROCEDURE = (
    "Thời hạn giải quyết hồ sơ là 15 ngày làm việc kể từ ngày nhận đủ hồ sơ hợp lệ.",
    "Cơ quan có thẩm quyền giải quyết hồ sơ trong thời hạn quy định; quá hạn thì trả lời bằng văn bản.",
    "Hỏi: thời hạn giải quyết hồ sơ là bao lâu? Đáp: không quá 15 ngày.",
    "Người nộp hồ sơ được hẹn trả kết quả; thời gian chờ bao lâu tùy thủ tục.",
)


def test_a_question_gets_its_diacritics_back() -> None:
    restoration = restore_with(vocabulary_of(*PROCEDURE), "thoi han giai quyet ho so la bao lau")
    assert restoration.text == "thời hạn giải quyết hồ sơ là bao lâu"
    assert restoration.restored and restoration.confidence > 0.8
    # case and punctuation are kept, unknown words left as typed
    restoration = restore_with(vocabulary_of(*PROCEDURE), "Thoi han giai quyet ho so XYZ-12 la bao lau?")
    assert restoration.text == "Thời hạn giải quyết hồ sơ XYZ-12 là bao lâu?"


def test_an_ambiguous_syllable_is_decided_by_its_neighbours() -> None:
    texts = (
        "Người nộp thuế đăng ký mã số thuế tại cơ quan thuế.",
        "Hồ sơ đầy đủ mà chưa được giải quyết thì được khiếu nại.",
        "Văn bản đã ký mà chưa ban hành thì chưa có hiệu lực.",
        "Trường hợp đã nộp mà bị từ chối thì được trả lời bằng văn bản.",
        "Cá nhân có mã số định danh cá nhân.",
    )
    vocab = vocabulary_of(*texts)
    assert vocab.forms["ma"]["mà"] > vocab.forms["ma"]["mã"]  # "mà" is the more frequent alone
    assert restore_with(vocab, "dang ky ma so thue").text == "đăng ký mã số thuế"
    assert restore_with(vocab, "da nop ma chua duoc giai quyet").text == "đã nộp mà chưa được giải quyết"


def test_queries_that_need_nothing_are_left_alone() -> None:
    vocab = vocabulary_of(*PROCEDURE)
    for query in ("thời hạn giải quyết hồ sơ", "what is the processing deadline", "12/2023/TT-BTP"):
        restoration = restore_with(vocab, query)
        assert (restoration.text, restoration.restored, restoration.confidence) == (query, False, 1.0)


def test_a_poorly_known_query_is_trusted_less() -> None:
    vocab = vocabulary_of(*PROCEDURE)
    known = restore_with(vocab, "thoi han giai quyet ho so")
    half_known = restore_with(vocab, "thoi han xu ly khieu nai ho so")
    assert half_known.restored and half_known.confidence < known.confidence


@pytest.mark.django_db
def test_the_vocabulary_is_the_knowledge_bases_and_follows_its_chunks(world: World) -> None:
    knowledge_base = make_kb(world)
    assert not diacritics.restore([knowledge_base.pk], "thoi han giai quyet ho so la bao lau").restored
    (result,) = services.document_upload(
        actor=world.user("builder"),
        knowledge_base=knowledge_base,
        files=[ContentFile("\n\n".join(PROCEDURE).encode(), name="thu_tuc.txt")],
        dispatch=False,
    )
    assert result.document is not None
    assert pipeline.index_document_inline(result.document).status == DocumentStatus.READY
    restoration = diacritics.restore([knowledge_base.pk], "thoi han giai quyet ho so la bao lau")
    assert restoration.text == "thời hạn giải quyết hồ sơ là bao lâu"


class AccentReadingEmbedder:
    """Like multilingual-e5, it reads "hưu" and "huu" as different words: each normalized syllable,
    diacritics kept, adds to one hashed dimension."""

    model_name = "test-accent-reading"
    dimension = 384

    def _vector(self, text: str) -> list[float]:
        vector = [0.0] * self.dimension
        for word in text_normalization.syllables(text):
            vector[int(hashlib.md5(word.encode()).hexdigest(), 16) % self.dimension] += 1.0  # noqa: S324
        norm = math.sqrt(sum(x * x for x in vector)) or 1.0
        return [x / norm for x in vector]

    def embed_passages(self, texts: list[str]) -> list[list[float]]:
        return [self._vector(t) for t in texts]

    def embed_queries(self, texts: list[str]) -> list[list[float]]:
        return [self._vector(t) for t in texts]


@pytest.mark.skipif(not ND135.exists(), reason="shared documents missing")
@pytest.mark.parametrize(
    "query",
    [
        "Thời điểm nghỉ hưu được xác định như thế nào?",
        "Tuổi nghỉ hưu của người lao động trong điều kiện lao động bình thường",
        "Người lao động bị suy giảm khả năng lao động có được nghỉ hưu ở tuổi thấp hơn không?",
    ],
)
def test_a_query_without_diacritics_finds_the_passage_the_same_query_with_them_finds(
    world: World, monkeypatch: pytest.MonkeyPatch, query: str
) -> None:
    def accent_reading(knowledge_base: KnowledgeBase) -> AccentReadingEmbedder:
        return AccentReadingEmbedder()

    monkeypatch.setattr("knowledge.search.embedding.embedder_for", accent_reading)
    knowledge_base = make_kb(world)
    (result,) = services.document_upload(
        actor=world.user("builder"),
        knowledge_base=knowledge_base,
        files=[ContentFile(ND135.read_bytes(), name=ND135.name)],
        dispatch=False,
    )
    assert result.document is not None
    assert pipeline.index_document_inline(result.document).status == DocumentStatus.READY
    typed = text_normalization.strip_diacritics(query)
    for mode in ("vector", "hybrid"):
        with_them = retrieve(knowledge_bases=[knowledge_base], query=query, mode=mode, top_k=3)
        without = retrieve(knowledge_bases=[knowledge_base], query=typed, mode=mode, top_k=3)
        assert without[0].chunk_id == with_them[0].chunk_id, (mode, without[0].text[:80])
