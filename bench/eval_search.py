"""Score search against ../shared/gold/queries.tsv: Recall@5 and MRR@10.

Usage: .venv/bin/python bench/eval_search.py [--gold DIR] [--db FILE] [--verbose]

A hit counts when its line span (line…end_line) includes an acceptable line of
the query's file. Without --db, the bundled corpus is ingested into a
temporary database first.
"""

from __future__ import annotations

import argparse
import csv
import sqlite3
import sys
import tempfile
from pathlib import Path

from zhengce.ingest import bundled_corpus, ingest_paths
from zhengce.search.index import search
from zhengce.store import sqlite as store

DEFAULT_GOLD = Path(__file__).resolve().parents[1].parent / "shared" / "gold"


def load_queries(gold: Path) -> list[dict]:
    rows = list(csv.DictReader((gold / "queries.tsv").open(encoding="utf-8"), delimiter="\t"))
    for r in rows:
        r["accept"] = {int(x) for x in r["lines"].split(",") if x.strip()}
    return rows


def evaluate(conn: sqlite3.Connection, gold: Path) -> dict:
    queries = load_queries(gold)
    recall5 = mrr10 = 0.0
    details = []
    for q in queries:
        hits = search(conn, q["query"], limit=10)
        rank = next(
            (i for i, h in enumerate(hits, 1) if h.file == q["file"] and any(h.line <= ln <= h.end_line for ln in q["accept"])),
            None,
        )
        recall5 += rank is not None and rank <= 5
        mrr10 += 1 / rank if rank else 0.0
        details.append((q["query"], rank, [(h.file[:3], h.line) for h in hits[:5]]))
    n = len(queries)
    return {"queries": n, "recall@5": recall5 / n, "mrr@10": mrr10 / n, "details": details}


def fresh_db() -> sqlite3.Connection:
    tmp = Path(tempfile.mkdtemp()) / "search.db"
    conn = store.connect(tmp)
    ingest_paths(conn, [bundled_corpus()])
    return conn


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--gold", type=Path, default=DEFAULT_GOLD)
    ap.add_argument("--db", type=Path)
    ap.add_argument("--verbose", action="store_true")
    args = ap.parse_args()
    if not (args.gold / "queries.tsv").exists():
        print(f"gold not found at {args.gold}; nothing to score")
        return 0
    conn = store.connect(args.db, create=False) if args.db else fresh_db()
    res = evaluate(conn, args.gold)
    if args.verbose:
        for query, rank, top in res["details"]:
            print(f"{'✓' if rank and rank <= 5 else '✗'} rank {rank}  {query}  top5={top}")
    print(f"queries {res['queries']}: Recall@5 {res['recall@5']:.3f} (target ≥ 0.85), MRR@10 {res['mrr@10']:.3f} (target ≥ 0.70)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
