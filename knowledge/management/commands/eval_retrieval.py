"""Measure retrieval on an evaluation set in the BEIR layout (corpus.jsonl, queries.jsonl,
qrels/test.tsv): recall@1/5/10, MRR@10 and query latency, for one or several retrieval modes and
for the queries as written and/or typed without diacritics, all from one indexing of the corpus."""

from __future__ import annotations

import csv
import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand, CommandError, CommandParser

from bureau.tenancy.models import Department, Organization
from knowledge import services
from knowledge.ingestion import pipeline
from knowledge.models import Document, DocumentStatus, KnowledgeBase
from knowledge.search import text_normalization
from knowledge.search.embedding import embedder_for
from knowledge.search.retrieval import retrieve, text_to_embed


def warm_query_vectors(knowledge_base: KnowledgeBase, queries: list[str]) -> None:
    embedder_for(knowledge_base).embed_queries([text_to_embed([knowledge_base], q) for q in queries])


EVAL_ORGANIZATION_SLUG = "eval-retrieval"
CUTOFFS = (1, 5, 10)
MODES = ("hybrid", "vector", "keyword", "bm25")


@dataclass(frozen=True, slots=True)
class EvalSet:
    corpus: dict[str, tuple[str, str]]  # id → (title, text)
    queries: dict[str, str]
    qrels: dict[str, set[str]]


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def load_eval_set(directory: Path) -> EvalSet:
    try:
        corpus = {
            str(r["_id"]): (str(r.get("title") or ""), str(r["text"]))
            for r in _read_jsonl(directory / "corpus.jsonl")
        }
        queries = {str(r["_id"]): str(r["text"]) for r in _read_jsonl(directory / "queries.jsonl")}
        qrels: dict[str, set[str]] = {}
        with (directory / "qrels" / "test.tsv").open(encoding="utf-8") as tsv:
            reader = csv.reader(tsv, delimiter="\t")
            next(reader, None)  # header
            for row in reader:
                if len(row) >= 3 and float(row[2]) > 0:
                    qrels.setdefault(row[0], set()).add(row[1])
    except (OSError, KeyError, ValueError) as error:
        raise CommandError(f"not an evaluation set in the BEIR layout: {directory} ({error})") from error
    return EvalSet(corpus, {q: t for q, t in queries.items() if q in qrels}, qrels)


def parse_modes(value: str) -> list[str]:
    """ "hybrid,keyword" → ["hybrid", "keyword"]; each mode once, in the order given."""
    modes = list(dict.fromkeys(m.strip() for m in value.split(",") if m.strip()))
    unknown = [m for m in modes if m not in MODES]
    if unknown or not modes:
        raise CommandError(f"unknown mode {', '.join(unknown) or value!r} (expected {', '.join(MODES)})")
    return modes


def query_forms(*, strip_diacritics: bool, both_forms: bool) -> list[bool]:
    """Which forms of the queries to run: False = as written, True = diacritics removed."""
    return [False, True] if both_forms else [strip_diacritics]


def queries_in_form(queries: dict[str, str], *, stripped: bool) -> dict[str, str]:
    if not stripped:
        return queries
    return {q: text_normalization.strip_diacritics(t) for q, t in queries.items()}


def passage_text(title: str, text: str) -> str:
    return f"{title}\n\n{text}" if title else text


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def score_runs(runs: dict[str, list[str]], qrels: dict[str, set[str]]) -> dict[str, float]:
    hits = dict.fromkeys(CUTOFFS, 0.0)
    reciprocal = 0.0
    for query_id, ranked in runs.items():
        relevant = qrels[query_id]
        for k in CUTOFFS:
            hits[k] += len(relevant.intersection(ranked[:k])) / len(relevant)
        first = next((i for i, c in enumerate(ranked[:10], start=1) if c in relevant), None)
        reciprocal += 1 / first if first else 0.0
    n = max(len(runs), 1)
    return {**{f"recall@{k}": hits[k] / n for k in CUTOFFS}, "mrr@10": reciprocal / n}


class Command(BaseCommand):
    help = "Evaluate retrieval on a BEIR-layout evaluation set (loaded into a throw-away knowledge base)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("directory", type=Path)
        parser.add_argument(
            "--mode", default="hybrid", help=f"one or several of {', '.join(MODES)}, comma separated"
        )
        parser.add_argument(
            "--strip-diacritics",
            action="store_true",
            help="remove the queries' diacritics (đ → d too), as typed without a Vietnamese keyboard",
        )
        parser.add_argument(
            "--both-forms", action="store_true", help="run the queries as written and without diacritics"
        )
        parser.add_argument("--json", action="store_true", help="print one JSON object per mode and form")
        parser.add_argument("--limit", type=int, default=None, help="evaluate only the first N queries")

    def handle(self, *args: Any, **options: Any) -> None:
        eval_set = load_eval_set(options["directory"])
        query_ids = list(eval_set.queries)[: options["limit"]] if options["limit"] else list(eval_set.queries)
        modes = parse_modes(options["mode"])
        forms = query_forms(strip_diacritics=options["strip_diacritics"], both_forms=options["both_forms"])
        quiet = options["json"]
        runs_of: dict[tuple[str, bool], tuple[dict[str, list[str]], list[float]]] = {}
        for stripped in forms:
            if "bm25" in modes:
                queries = queries_in_form(eval_set.queries, stripped=stripped)
                runs_of["bm25", stripped] = self._run_bm25(eval_set, queries, query_ids)
        note = ""
        bureau_modes = [m for m in modes if m != "bm25"]
        if bureau_modes:
            note = self._run_bureau(eval_set, query_ids, bureau_modes, forms, quiet, runs_of)
        for mode in modes:
            for stripped in forms:
                runs, latencies = runs_of[mode, stripped]
                self._report(eval_set, options["directory"], mode, stripped, runs, latencies, quiet)
        if note and not quiet:
            self.stdout.write(note)

    def _report(
        self,
        eval_set: EvalSet,
        directory: Path,
        mode: str,
        stripped: bool,
        runs: dict[str, list[str]],
        latencies: list[float],
        quiet: bool,
    ) -> None:
        result: dict[str, Any] = {
            **score_runs(runs, eval_set.qrels),
            "latency_ms_p50": _percentile(latencies, 0.5) * 1000,
            "latency_ms_p95": _percentile(latencies, 0.95) * 1000,
            "queries": len(runs),
            "mode": mode,
            "stripped": stripped,
        }
        if quiet:
            self.stdout.write(json.dumps(result))
            return
        form = "without diacritics" if stripped else "as written"
        self.stdout.write(f"{directory.name}: {len(eval_set.corpus)} passages, mode {mode}, queries {form}")
        for key in ("recall@1", "recall@5", "recall@10", "mrr@10"):
            self.stdout.write(f"  {key:<16} {result[key]:.3f}")
        self.stdout.write(f"  {'latency p50':<16} {result['latency_ms_p50']:.1f} ms")
        self.stdout.write(f"  {'latency p95':<16} {result['latency_ms_p95']:.1f} ms")
        self.stdout.write(f"  {'queries':<16} {result['queries']}")

    # -- plain BM25 baseline ------------------------------------------------------------------

    def _run_bm25(
        self, eval_set: EvalSet, queries: dict[str, str], query_ids: list[str]
    ) -> tuple[dict[str, list[str]], list[float]]:
        try:
            import bm25s
        except ImportError as error:
            raise CommandError("--mode bm25 needs the bm25s package (pip install bm25s)") from error
        ids = list(eval_set.corpus)
        tokens = [text_normalization.syllables(passage_text(*eval_set.corpus[i])) for i in ids]
        retriever = bm25s.BM25(k1=1.2, b=0.75)
        retriever.index(tokens, show_progress=False)
        vocabulary = set(retriever.vocab_dict)
        runs: dict[str, list[str]] = {}
        latencies: list[float] = []
        for query_id in query_ids:
            started = time.perf_counter()
            terms = [t for t in text_normalization.syllables(queries[query_id]) if t in vocabulary]
            ranked: list[str] = []
            if terms:
                found, _ = retriever.retrieve([terms], k=min(10, len(ids)), show_progress=False, n_threads=1)
                ranked = [ids[int(i)] for i in found[0]]
            latencies.append(time.perf_counter() - started)
            runs[query_id] = ranked
        return runs, latencies

    # -- Bureau's retrieval ---------------------------------------------------------------------

    def _run_bureau(
        self,
        eval_set: EvalSet,
        query_ids: list[str],
        modes: list[str],
        forms: list[bool],
        quiet: bool,
        runs_of: dict[tuple[str, bool], tuple[dict[str, list[str]], list[float]]],
    ) -> str:
        """Index the corpus once, run every mode on every form of the queries into ``runs_of``."""
        organization, _ = Organization.objects.get_or_create(
            slug=EVAL_ORGANIZATION_SLUG, defaults={"name": "Retrieval evaluation (throw-away)"}
        )
        department, _ = Department.objects.get_or_create(
            organization=organization, code="eval", defaults={"name": "Evaluation"}
        )
        knowledge_base = services.knowledge_base_create(
            actor=None, department=department, name=f"eval {time.strftime('%Y-%m-%d %H:%M:%S')}"
        )
        try:
            corpus_of = self._load(knowledge_base, eval_set, quiet)
            for stripped in forms:
                queries = queries_in_form(eval_set.queries, stripped=stripped)
                if set(modes) - {"keyword"}:  # warm the query cache in batches: faster than one at a time
                    warm_query_vectors(knowledge_base, [queries[q] for q in query_ids])
                for mode in modes:
                    runs_of[mode, stripped] = self._run_mode(
                        knowledge_base, corpus_of, queries, query_ids, mode
                    )
        finally:
            services.knowledge_base_delete(actor=None, knowledge_base=knowledge_base)
        return (
            f"Removed the throw-away knowledge base with its documents and chunks; the organization "
            f"'{EVAL_ORGANIZATION_SLUG}' stays for its (append-only) audit events."
        )

    def _run_mode(
        self,
        knowledge_base: KnowledgeBase,
        corpus_of: dict[int, list[str]],
        queries: dict[str, str],
        query_ids: list[str],
        mode: str,
    ) -> tuple[dict[str, list[str]], list[float]]:
        runs: dict[str, list[str]] = {}
        latencies: list[float] = []
        for query_id in query_ids:
            started = time.perf_counter()
            hits = retrieve(
                knowledge_bases=[knowledge_base], query=queries[query_id], top_k=30, mode=mode, candidates=50
            )
            latencies.append(time.perf_counter() - started)
            ranked: list[str] = []
            for hit in hits:
                for corpus_id in corpus_of.get(hit.document_id, []):
                    if corpus_id not in ranked:
                        ranked.append(corpus_id)
            runs[query_id] = ranked[:10]
        return runs, latencies

    def _load(self, knowledge_base: KnowledgeBase, eval_set: EvalSet, quiet: bool) -> dict[int, list[str]]:
        """Index each corpus entry as one document through the real pipeline; → corpus ids by document."""
        corpus_of: dict[int, list[str]] = {}
        started = time.perf_counter()
        for n, (corpus_id, (title, text)) in enumerate(eval_set.corpus.items(), start=1):
            upload = ContentFile(passage_text(title, text).encode("utf-8"), name=f"{corpus_id}.txt")
            (result,) = services.document_upload(
                actor=None, knowledge_base=knowledge_base, files=[upload], dispatch=False
            )
            if result.document is None:
                raise CommandError(f"corpus entry {corpus_id} was not accepted: {result.reason}")
            document = result.document
            if result.outcome == "created":
                Document.objects.filter(pk=document.pk).update(title=(title or corpus_id)[:500])
                document = pipeline.index_document_inline(document)
                if document.status != DocumentStatus.READY:
                    raise CommandError(f"corpus entry {corpus_id} failed to index: {document.failure_reason}")
            corpus_of.setdefault(document.pk, []).append(corpus_id)
            if not quiet and n % 50 == 0:
                self.stderr.write(
                    f"  indexed {n}/{len(eval_set.corpus)} ({time.perf_counter() - started:.0f} s)"
                )
        return corpus_of
