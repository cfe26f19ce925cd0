"""Ingestion benchmark: pages per second parsed and chunked (embeddings excluded) for the text PDFs
and DOCX files of the shared documents and for a generated 1,000-page PDF; peak memory (RSS).

Run from the repository root: ``.venv/bin/python tests/benchmarks/bench_ingestion.py``. Prints a
table and writes var/bench/ingestion.json.
"""

from __future__ import annotations

import ctypes
import json
import resource
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from knowledge.ingestion.chunking import chunk_document  # noqa: E402
from knowledge.parsing import FileKind, detect_path, parse_document  # noqa: E402

DOCUMENTS = ROOT.parent / "shared" / "data" / "documents"
OUT = ROOT / "var" / "bench"
GENERATED_PAGES = 1000
FONT_CANDIDATES = [
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
    Path("/usr/share/fonts/dejavu/DejaVuSans.ttf"),
]
TARGETS = {"text PDF": 100.0, "DOCX": 200.0, "generated PDF": 100.0}


@dataclass
class Row:
    group: str
    files: int
    pages: int
    chunks: int
    seconds: float

    @property
    def pages_per_second(self) -> float:
        return self.pages / self.seconds if self.seconds else 0.0


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def measure(group: str, paths: list[Path], repeat: int = 1) -> Row:
    pages = chunks = 0
    started = time.perf_counter()
    for _ in range(repeat):
        for path in paths:
            parsed = parse_document(path, detect_path(path))
            pages += parsed.page_count
            chunks += len(chunk_document(parsed, chunk_tokens=400, overlap_tokens=60))
    return Row(group, len(paths) * repeat, pages, chunks, time.perf_counter() - started)


def text_pdfs() -> list[Path]:
    found = []
    for path in sorted(DOCUMENTS.rglob("*.pdf")):
        if detect_path(path) != FileKind.PDF or "scanned" in path.name:
            continue  # image-only PDFs need OCR: another benchmark
        found.append(path)
    return found


def _source_lines() -> list[str]:
    lines: list[str] = []
    for path in sorted((DOCUMENTS / "laws_txt").glob("*.txt"))[:6]:
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            line = " ".join(line.split())
            while line:
                lines.append(line[:95])
                line = line[95:]
    return lines or ["Điều 1. Phạm vi điều chỉnh văn bản hành chính của cơ quan nhà nước."]


def generate_pdf(path: Path, pages: int = GENERATED_PAGES) -> Path:
    """A text PDF of real Vietnamese law text (DejaVu Sans embedded), 45 lines a page."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as raw

    font_path = next((p for p in FONT_CANDIDATES if p.exists()), None)
    if font_path is None:
        raise SystemExit("no DejaVuSans.ttf to embed in the generated PDF")
    font_bytes = font_path.read_bytes()
    lines = _source_lines()
    pdf = pdfium.PdfDocument.new()
    buffer = (ctypes.c_uint8 * len(font_bytes)).from_buffer_copy(font_bytes)
    font = raw.FPDFText_LoadFont(pdf.raw, buffer, len(font_bytes), raw.FPDF_FONT_TRUETYPE, True)
    cursor = 0
    for _ in range(pages):
        page = pdf.new_page(595, 842)
        for row in range(45):
            text = lines[cursor % len(lines)]
            cursor += 1
            obj = raw.FPDFPageObj_CreateTextObj(pdf.raw, font, 10.0)
            encoded = (text + "\x00").encode("utf-16-le")
            wide = ctypes.cast(
                ctypes.create_string_buffer(encoded, len(encoded)), ctypes.POINTER(ctypes.c_ushort)
            )
            raw.FPDFText_SetText(obj, wide)
            raw.FPDFPageObj_Transform(obj, 1, 0, 0, 1, 50, 800 - row * 17)
            raw.FPDFPage_InsertObject(page.raw, obj)
        page.gen_content()
        page.close()
    path.parent.mkdir(parents=True, exist_ok=True)
    pdf.save(str(path))
    pdf.close()
    return path


def main() -> dict[str, object]:
    OUT.mkdir(parents=True, exist_ok=True)
    generated = OUT / f"generated_{GENERATED_PAGES}_pages.pdf"
    if not generated.exists():
        generate_pdf(generated)
    docx = sorted(p for p in DOCUMENTS.rglob("*.docx") if detect_path(p) == FileKind.DOCX)
    pdfs = text_pdfs()
    measure("warm-up", pdfs[:1] + docx[:1])  # imports, regex compilation
    rows = [
        measure("text PDF", pdfs, repeat=3),
        measure("DOCX", docx, repeat=3),
        measure("generated PDF", [generated]),
    ]
    peak = _peak_rss_mb()
    print(
        f"{'group':<15} {'files':>5} {'pages':>6} {'chunks':>7} {'seconds':>8} {'pages/s':>8} {'target':>7}"
    )
    for row in rows:
        target = TARGETS[row.group]
        mark = "ok" if row.pages_per_second >= target else "LOW"
        print(
            f"{row.group:<15} {row.files:>5} {row.pages:>6} {row.chunks:>7} {row.seconds:>8.2f} "
            f"{row.pages_per_second:>8.1f} {target:>5.0f} {mark}"
        )
    print(f"peak RSS of the process: {peak:.0f} MB")
    result: dict[str, object] = {
        "benchmark": "ingestion",
        "groups": [
            {**asdict(r), "pages_per_second": r.pages_per_second, "target": TARGETS[r.group]} for r in rows
        ],
        "peak_rss_mb": peak,
    }
    (OUT / "ingestion.json").write_text(json.dumps(result, indent=2), encoding="utf-8")
    return result


if __name__ == "__main__":
    main()
