"""The evaluation command: its options, the queries typed without diacritics, and several modes
and both forms of the queries from one indexing of a tiny corpus in the BEIR layout."""

from __future__ import annotations

import json
import unicodedata
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from knowledge.management.commands.eval_retrieval import parse_modes, queries_in_form, query_forms
from knowledge.models import KnowledgeBase
from knowledge.search import text_normalization
from tests.knowledge.test_retrieval import HashingEmbedder


def test_modes_are_a_comma_separated_list() -> None:
    assert parse_modes("hybrid") == ["hybrid"]
    assert parse_modes("hybrid, keyword,vector,hybrid") == ["hybrid", "keyword", "vector"]
    with pytest.raises(CommandError):
        parse_modes("hybrid,semantic")
    with pytest.raises(CommandError):
        parse_modes(",")


def test_query_forms() -> None:
    assert query_forms(strip_diacritics=False, both_forms=False) == [False]
    assert query_forms(strip_diacritics=True, both_forms=False) == [True]
    assert query_forms(strip_diacritics=False, both_forms=True) == [False, True]


def test_stripped_queries_lose_every_diacritic_and_keep_the_rest() -> None:
    queries = {"q1": "Điều 16 Nghị định 99/2022/NĐ-CP quy định gì?", "q2": "Thời hạn giải quyết hồ sơ"}
    assert queries_in_form(queries, stripped=False) is queries
    assert queries_in_form(queries, stripped=True) == {
        "q1": "Dieu 16 Nghi dinh 99/2022/ND-CP quy dinh gi?",
        "q2": "Thoi han giai quyet ho so",
    }
    # decomposed input (NFD) too
    assert (
        text_normalization.strip_diacritics(unicodedata.normalize("NFD", "Ủy ban nhân dân"))
        == "Uy ban nhan dan"
    )
    assert text_normalization.strip_diacritics("\u0110o\u0302\u0300ng") == "Dong"


def _write_beir(directory: Path) -> None:
    passages = [
        (
            "p1",
            "Điều 5. Giá trị pháp lý của văn bản điện tử",
            "Văn bản điện tử có giá trị pháp lý như bản gốc.",
        ),
        ("p2", "Điều 14. Trợ cấp thôi việc", "Người lao động được trợ cấp thôi việc mỗi năm làm việc."),
        ("p3", "Điều 20. Lệ phí", "Lệ phí cấp căn cước công dân do Bộ Tài chính quy định."),
    ]
    with (directory / "corpus.jsonl").open("w", encoding="utf-8") as out:
        for pid, title, text in passages:
            out.write(json.dumps({"_id": pid, "title": title, "text": text}, ensure_ascii=False) + "\n")
    questions = [
        ("q1", "văn bản điện tử có giá trị pháp lý không"),
        ("q2", "trợ cấp thôi việc tính thế nào"),
        ("q3", "lệ phí cấp căn cước"),
    ]
    with (directory / "queries.jsonl").open("w", encoding="utf-8") as out:
        for qid, text in questions:
            out.write(json.dumps({"_id": qid, "text": text}, ensure_ascii=False) + "\n")
    (directory / "qrels").mkdir()
    (directory / "qrels" / "test.tsv").write_text(
        "query-id\tcorpus-id\tscore\nq1\tp1\t1\nq2\tp2\t1\nq3\tp3\t1\n"
    )


@pytest.mark.django_db
def test_several_modes_and_both_forms_from_one_indexing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def hashing(knowledge_base: KnowledgeBase) -> HashingEmbedder:
        return HashingEmbedder()

    monkeypatch.setattr("knowledge.search.embedding.embedder_for", hashing)
    monkeypatch.setattr("knowledge.management.commands.eval_retrieval.embedder_for", hashing)
    loads: list[int] = []
    from knowledge.management.commands.eval_retrieval import Command

    original = Command._load

    def counting_load(self: Command, *args: Any) -> Any:
        loads.append(1)
        return original(self, *args)

    monkeypatch.setattr(Command, "_load", counting_load)
    _write_beir(tmp_path)
    out = StringIO()
    call_command(
        "eval_retrieval", str(tmp_path), mode="hybrid,keyword,bm25", both_forms=True, json=True, stdout=out
    )
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [(r["mode"], r["stripped"]) for r in lines] == [
        ("hybrid", False),
        ("hybrid", True),
        ("keyword", False),
        ("keyword", True),
        ("bm25", False),
        ("bm25", True),
    ]
    assert loads == [1]
    for result in lines:
        assert result["queries"] == 3
        assert set(result) >= {
            "recall@1",
            "recall@5",
            "recall@10",
            "mrr@10",
            "latency_ms_p50",
            "latency_ms_p95",
        }
        if result["mode"] != "bm25":  # bm25 on folded-less syllables cannot match stripped queries
            assert result["mrr@10"] == 1.0, result
    # one mode, one form: one object, as before
    out = StringIO()
    call_command(
        "eval_retrieval", str(tmp_path), mode="keyword", strip_diacritics=True, json=True, stdout=out
    )
    (line,) = out.getvalue().splitlines()
    assert json.loads(line)["stripped"] is True and json.loads(line)["mode"] == "keyword"
