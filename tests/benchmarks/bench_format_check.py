"""Format-check benchmark: the checker on its own corpus (drafts with one planted deviation each and
correct variants in the layouts real offices use, built by tests/assistants/nd30_corpus.py) and on
the real documents beside the repository (legal samples, Nghị định 30/2020 and its annexes).

Run from the repository root: ``.venv/bin/python tests/benchmarks/bench_format_check.py``. Prints
a table and writes var/bench/format_check.json. No database is needed.
"""

from __future__ import annotations

import json
import os
import sys
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bureau.settings")

import django  # noqa: E402

django.setup()

from assistants.documents.nd30_check import NotReadable, check_document  # noqa: E402
from tests.assistants.nd30_corpus import correct_cases, planted_cases, real_files  # noqa: E402

OUT = ROOT / "var" / "bench"


def main() -> None:
    planted = planted_cases()
    caught, missed, extra = 0, [], []
    for case in planted:
        found = {d.code for d in check_document(case.build()).deviations}
        if case.expected <= found:
            caught += 1
        else:
            missed.append(case.name)
        if found - case.expected:
            extra.append(f"{case.name}: {sorted(found - case.expected)}")
    correct = correct_cases()
    flagged: dict[str, list[str]] = {}
    for case in correct:
        codes = [d.code for d in check_document(case.build()).deviations]
        if codes:
            flagged[case.name] = codes
    real: list[dict[str, Any]] = []
    for path in real_files():
        try:
            result = check_document(path.read_bytes())
        except NotReadable as error:
            real.append({"file": path.name, "error": str(error)})
            continue
        real.append(
            {
                "file": path.name,
                "kind": str(result.kind),
                "source": result.source,
                "findings": dict(Counter(d.code for d in result.deviations)),
                "skipped": len(result.skipped),
            }
        )
    summary = {
        "planted": len(planted),
        "caught": caught,
        "missed": missed,
        "other_findings_on_planted": extra,
        "correct_documents": len(correct),
        "correct_with_findings": len(flagged),
        "findings_on_correct": flagged,
        "real_documents": real,
    }
    print(f"{'corpus':<40} {'result':>12}")
    print(f"{'planted deviations caught':<40} {caught:>5} / {len(planted):<5}")
    print(f"{'other findings on planted drafts':<40} {len(extra):>12}")
    print(f"{'correct variants with a finding':<40} {len(flagged):>5} / {len(correct):<5}")
    print()
    print(f"{'real document':<52} {'kind':<16} {'src':<5} findings")
    for row in real:
        findings = ", ".join(f"{code}×{n}" if n > 1 else code for code, n in row.get("findings", {}).items())
        kind = row.get("kind", "refused")
        shown = findings or row.get("error", "—")
        print(f"{row['file'][:52]:<52} {kind:<16} {row.get('source', ''):<5} {shown}")
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "format_check.json").write_text(
        json.dumps(summary, ensure_ascii=False, indent=2), encoding="utf-8"
    )


if __name__ == "__main__":
    main()
