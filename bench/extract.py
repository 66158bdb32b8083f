"""Extraction cost: ingest the bundled corpus into a fresh database with and without fact extraction.

Usage: .venv/bin/python bench/extract.py [--repeat N]

The baseline (same run) is ingestion alone (no extraction); the difference
is what extraction adds. Target: under 3 s added for the whole bundled corpus.
The last columns add the jieba/FTS5 search index that `zhengce ingest` also builds.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from zhengce.ingest import bundled_corpus, ingest_paths
from zhengce.store import sqlite as store


def run(extract: bool, work: Path, index: bool = False) -> tuple[float, int]:
    db = work / f"x{int(extract)}{int(index)}.db"
    db.unlink(missing_ok=True)
    conn = store.connect(db)
    t0 = time.perf_counter()
    ingest_paths(conn, [bundled_corpus()], extract=extract, index=index)
    elapsed = time.perf_counter() - t0
    n = conn.execute("SELECT COUNT(*) FROM facts").fetchone()[0]
    conn.close()
    return elapsed, n


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        base = [run(False, work)[0] for _ in range(args.repeat)]
        full = [run(True, work) for _ in range(args.repeat)]
        indexed = [run(True, work, index=True)[0] for _ in range(args.repeat)]
    b, f, i = statistics.median(base), statistics.median(t for t, _ in full), statistics.median(indexed)
    print("| ingest only (baseline) median s | + extraction median s | extraction adds s | facts | + search index median s | index adds s |")
    print("|---|---|---|---|---|---|")
    print(f"| {b:.3f} | {f:.3f} | {f - b:.3f} | {full[0][1]} | {i:.3f} | {i - f:.3f} |")


if __name__ == "__main__":
    main()
