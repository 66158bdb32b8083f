"""Score ingestion against ../shared/gold/documents.tsv.

Usage: .venv/bin/python bench/eval_ingest.py [--gold DIR]

Prints: documents found (start line + title), spurious documents in files that
hold a single document, and per-field accuracy of dates, issuer and 文号 where
gold states them.
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

from zhengce.corpus.parse import ParsedDocument, bundled_corpus, parse_source
from zhengce.corpus.segment import title_key
from zhengce.corpus.text import read_source

DEFAULT_GOLD = Path(__file__).resolve().parents[1].parent / "shared" / "gold"
SINGLE_DOC_FILES = ("000", "001", "002", "004")


def _title_ok(gold: str, produced: str | None) -> bool:
    got = title_key(produced or "")
    for alt in gold.split("|"):
        if alt.startswith("~"):
            if title_key(alt[1:]) in got:
                return True
        elif title_key(alt) == got:
            return True
    return False


def evaluate(gold_dir: Path = DEFAULT_GOLD, corpus: Path | None = None) -> dict:
    rows = list(csv.DictReader((gold_dir / "documents.tsv").open(encoding="utf-8"), delimiter="\t"))
    corpus = corpus or bundled_corpus()
    parsed: dict[str, list[ParsedDocument]] = {}
    for f in sorted(corpus.glob("*.txt")):
        parsed[f.name] = parse_source(read_source(f))
    found, matched, misses = 0, set(), []
    fields = {"issued": [0, 0], "effective": [0, 0], "expires": [0, 0], "issuer": [0, 0], "doc_number": [0, 0]}
    field_errors = []
    for r in rows:
        starts = {int(s) for s in r["start_line"].split("|")}
        hit = next((d for d in parsed.get(r["file"], []) if d.span.start_line in starts and _title_ok(r["title"], d.span.title)), None)
        if hit is None:
            misses.append(f"{r['file'][:3]} L{r['start_line']} {r['title']}")
            continue
        found += 1
        matched.add((r["file"], hit.ordinal))
        md = hit.metadata
        for key in fields:
            want = r[key].strip()
            if not want:
                continue
            got = getattr(md, key)
            got = got.isoformat() if hasattr(got, "isoformat") else (got or "")
            fields[key][1] += 1
            if got.replace(" ", "") == want.replace(" ", ""):
                fields[key][0] += 1
            else:
                field_errors.append(f"{r['file'][:3]} L{r['start_line']} {key}: want {want!r} got {got!r}")
    spurious = [
        f"{name[:3]} L{d.span.start_line} {d.span.title}"
        for name, docs in parsed.items()
        if name.startswith(SINGLE_DOC_FILES)
        for d in docs
        if (name, d.ordinal) not in matched
    ]
    dup_ok = any(d.span.duplicate_of is not None for docs in parsed.values() for d in docs)
    return {
        "gold_documents": len(rows),
        "found": found,
        "found_rate": found / len(rows),
        "produced": sum(len(v) for v in parsed.values()),
        "spurious_single_doc_files": spurious,
        "misses": misses,
        "fields": {k: {"correct": c, "gold": n} for k, (c, n) in fields.items()},
        "dates_correct": all(fields[k][0] == fields[k][1] for k in ("issued", "effective", "expires")),
        "field_errors": field_errors,
        "duplicate_marked": dup_ok,
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--gold", type=Path, default=DEFAULT_GOLD)
    args = ap.parse_args()
    if not (args.gold / "documents.tsv").exists():
        print(f"gold not found at {args.gold}; nothing to score")
        return 0
    res = evaluate(args.gold)
    for line in res["misses"]:
        print("miss:", line)
    for line in res["spurious_single_doc_files"]:
        print("spurious:", line)
    for line in res["field_errors"]:
        print("field:", line)
    for k, v in res["fields"].items():
        print(f"{k:<11} {v['correct']}/{v['gold']}")
    print(f"documents found: {res['found']}/{res['gold_documents']} = {res['found_rate']:.1%} (bar 95%); produced {res['produced']}")
    print(f"spurious in 000/001/002/004: {len(res['spurious_single_doc_files'])}; dates all correct: {res['dates_correct']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
