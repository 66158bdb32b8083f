"""Ingest speed: the bundled corpus at 1×, 10× and 50× (renamed copies) into a fresh database.

Usage: .venv/bin/python bench/ingest.py [--repeat N] [--scales 1,10,50]

Ingestion proper (documents, metadata, structure; no fact extraction or search
index, which bench/extract.py measures). For each scale it prints the median wall time over N runs, MB/s, and µs per KB
(flat when cost grows linearly). The baseline, measured in the same run, reads
and decodes the same files and stores their raw text in SQLite without parsing:
the floor that any ingestion pays.
"""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path

from zhengce.ingest import bundled_corpus, ingest_paths
from zhengce.corpus.text import read_source
from zhengce.store import sqlite as store


def replicate(dst: Path, times: int) -> int:
    size = 0
    for k in range(times):
        for f in sorted(bundled_corpus().glob("*.txt")):
            target = dst / f"r{k:03d}_{f.name}"
            shutil.copyfile(f, target)
            size += target.stat().st_size
    return size


def run_ingest(folder: Path, work: Path) -> float:
    db = work / "bench.db"
    db.unlink(missing_ok=True)
    conn = store.connect(db)
    t0 = time.perf_counter()
    ingest_paths(conn, [folder], extract=False)  # C1: documents, metadata and structure
    elapsed = time.perf_counter() - t0
    conn.close()
    return elapsed


def run_baseline(folder: Path, work: Path) -> float:
    db = work / "baseline.db"
    db.unlink(missing_ok=True)
    t0 = time.perf_counter()
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE files(name TEXT, text TEXT)")
    with conn:
        for f in sorted(folder.glob("*.txt")):
            src = read_source(f)
            conn.execute("INSERT INTO files VALUES (?, ?)", (src.name, src.text))
    conn.close()
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--scales", default="1,10,50")
    args = ap.parse_args()
    print("| scale | MB | baseline median s | ingest median s | MB/s | µs per KB | ingest / baseline |")
    print("|---|---|---|---|---|---|---|")
    for scale in (int(s) for s in args.scales.split(",")):
        with tempfile.TemporaryDirectory() as tmp:
            tmp_path = Path(tmp)
            corpus = tmp_path / "corpus"
            corpus.mkdir()
            size = replicate(corpus, scale)
            base = statistics.median(run_baseline(corpus, tmp_path) for _ in range(args.repeat))
            ing = statistics.median(run_ingest(corpus, tmp_path) for _ in range(args.repeat))
            mb = size / 1e6
            print(f"| {scale}× | {mb:.1f} | {base:.3f} | {ing:.3f} | {mb / ing:.2f} | {ing * 1e6 / (size / 1e3):.0f} | {ing / base:.1f}× |", flush=True)


if __name__ == "__main__":
    main()
