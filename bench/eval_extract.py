"""Score benefit extraction against every ../shared/gold/benefits_*.jsonl.

Usage: .venv/bin/python bench/eval_extract.py [--gold DIR] [--corpus DIR] [--verbose] [--baseline]

``--corpus DIR`` extracts from the ``*.txt`` files of DIR instead of the bundled corpus, e.g.
the other cities' texts: ``--corpus bench/generalisation/corpus --gold bench/generalisation/gold``.

Each gold file's name gives the file prefix and line range it covers
(benefits_003_L1-660.jsonl); only facts in that range are scored.
- key: file, line and amount_yuan (or rate where the amount is null);
- strict: a key match where cap_total_yuan, period and max_years also agree (period as the
  gold writes it: per_year, per_month, one_off or null);
- departments: the exact canonical set, as micro-F1 over key-matched pairs.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import defaultdict
from pathlib import Path

from zhengce.extract.departments import registry
from zhengce.extract.pipeline import extract_corpus

DEFAULT_GOLD = Path(__file__).resolve().parents[1].parent / "shared" / "gold"


def _key(r: dict):
    if r.get("amount_yuan") is not None:
        return ("amount", int(r["amount_yuan"]))
    if r.get("rate") is not None:
        return ("rate", round(float(r["rate"]), 6))
    return None


def _strict(r: dict) -> tuple:
    return (r.get("cap_total_yuan"), r.get("period"), r.get("max_years"))


def _depts(r: dict) -> set[str]:
    reg = registry()
    return {reg.canonical(d) for d in r.get("departments") or []}


def gold_files(gold_dir: Path) -> list[tuple[Path, str, int, int]]:
    out = []
    for p in sorted(gold_dir.glob("benefits_*.jsonl")):
        m = re.match(r"benefits_(\d+)_L(\d+)-(\d+)\.jsonl$", p.name)
        if m:
            out.append((p, m.group(1), int(m.group(2)), int(m.group(3))))
    return out


def f1(tp: int, n_pred: int, n_gold: int) -> tuple[float, float, float]:
    p = tp / n_pred if n_pred else 0.0
    r = tp / n_gold if n_gold else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def score(preds: list[dict], golds: list[dict]) -> dict:
    """Match predicted and gold benefit records (dicts with the gold's field names)."""
    pg: dict[tuple, list[dict]] = defaultdict(list)
    gg: dict[tuple, list[dict]] = defaultdict(list)
    for r in preds:
        k = _key(r)
        if k is not None:
            pg[(r["file"], r["line"], k)].append(r)
    for r in golds:
        k = _key(r)
        if k is not None:
            gg[(r["file"], r["line"], k)].append(r)
    n_pred = sum(len(v) for v in pg.values())
    n_gold = sum(len(v) for v in gg.values())
    key_tp = strict_tp = 0
    d_tp = d_pred = d_gold = 0
    exact_sets = pairs = 0
    misses, extras, strict_errors = [], [], []
    for k in set(pg) | set(gg):
        ps, gs = list(pg.get(k, [])), list(gg.get(k, []))
        matched = []
        for g in list(gs):  # strict pairs first
            p = next((p for p in ps if _strict(p) == _strict(g)), None)
            if p is not None:
                ps.remove(p)
                gs.remove(g)
                matched.append((p, g, True))
        while ps and gs:
            p, g = ps.pop(0), gs.pop(0)
            matched.append((p, g, False))
            strict_errors.append(f"L{k[1]} {k[2]}: got {_strict(p)} want {_strict(g)}")
        misses += [f"L{k[1]} {k[2]} {g['quote'][:40]}" for g in gs]
        extras += [f"L{k[1]} {k[2]} {p['quote'][:40]}" for p in ps]
        key_tp += len(matched)
        strict_tp += sum(1 for *_, s in matched if s)
        for p, g, _ in matched:
            a, b = _depts(p), _depts(g)
            d_tp += len(a & b)
            d_pred += len(a)
            d_gold += len(b)
            pairs += 1
            exact_sets += a == b
    return {
        "n_pred": n_pred,
        "n_gold": n_gold,
        "key": f1(key_tp, n_pred, n_gold),
        "strict": f1(strict_tp, n_pred, n_gold),
        "departments": f1(d_tp, d_pred, d_gold) if d_pred or d_gold else (1.0, 1.0, 1.0),
        "department_exact_sets": exact_sets / pairs if pairs else 0.0,
        "key_tp": key_tp,
        "strict_tp": strict_tp,
        "dept_counts": (d_tp, d_pred, d_gold),
        "misses": sorted(misses),
        "extras": sorted(extras),
        "strict_errors": sorted(strict_errors),
    }


def evaluate(
    gold_dir: Path = DEFAULT_GOLD, facts: list[dict] | None = None, corpus: Path | None = None
) -> dict:
    """Scores per gold file; ``facts`` default to zhengce's benefits from ``corpus`` (default: the bundled one)."""
    if facts is None:
        facts = [f.model_dump(mode="json") for f in extract_corpus(corpus, kinds={"benefit"})]
    results = {}
    for path, prefix, lo, hi in gold_files(gold_dir):
        golds = [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]
        # the gold's files, and the corpus file its name points to (a text with no benefits has no gold rows)
        files = {g["file"] for g in golds} | {f["file"] for f in facts if f["file"].startswith(prefix + "_")}
        preds = [f for f in facts if f.get("fact_kind", "benefit") == "benefit" and f["file"] in files and lo <= f["line"] <= hi]
        results[path.name] = score(preds, golds)
    return results


def _totals(results: dict) -> dict:
    """Micro-averaged scores over several gold files."""
    n_pred = sum(r["n_pred"] for r in results.values())
    n_gold = sum(r["n_gold"] for r in results.values())
    key_tp = sum(r["key_tp"] for r in results.values())
    strict_tp = sum(r["strict_tp"] for r in results.values())
    d = [sum(r["dept_counts"][i] for r in results.values()) for i in range(3)]
    return {
        "n_pred": n_pred,
        "n_gold": n_gold,
        "key": f1(key_tp, n_pred, n_gold),
        "strict": f1(strict_tp, n_pred, n_gold),
        "departments": f1(*d) if d[1] or d[2] else (1.0, 1.0, 1.0),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--gold", type=Path, default=DEFAULT_GOLD)
    ap.add_argument(
        "--corpus", type=Path, default=None, help="extract from this folder's *.txt (default: the bundled corpus)"
    )
    ap.add_argument("--verbose", action="store_true")
    ap.add_argument("--baseline", action="store_true", help="also score the JioNLP money baseline (needs .[bench])")
    args = ap.parse_args()
    if not gold_files(args.gold):
        print(f"no benefits_*.jsonl gold at {args.gold}; nothing to score")
        return 0
    if args.corpus is not None and not any(args.corpus.glob("*.txt")):
        print(f"no *.txt at {args.corpus}; nothing to extract")
        return 2
    systems = [("zhengce", evaluate(args.gold, corpus=args.corpus))]
    if args.baseline:
        from baseline_money import baseline_facts

        baseline = baseline_facts(args.corpus)
        systems.append(("baseline (JioNLP money + %)", evaluate(args.gold, baseline)))
    for name, results in systems:
        for gold_name, res in results.items():
            if args.verbose and name == "zhengce":
                for line in res["misses"]:
                    print("miss:", line)
                for line in res["extras"]:
                    print("extra:", line)
                for line in res["strict_errors"]:
                    print("strict:", line)
            k, s, d = res["key"], res["strict"], res["departments"]
            print(
                f"{name:<28} {gold_name}: pred {res['n_pred']} gold {res['n_gold']} | "
                f"key P {k[0]:.3f} R {k[1]:.3f} F1 {k[2]:.3f} | strict F1 {s[2]:.3f} | departments F1 {d[2]:.3f}"
            )
    if len(next(iter(systems))[1]) > 1:
        for name, results in systems:
            t = _totals(results)
            k, st, d = t["key"], t["strict"], t["departments"]
            print(
                f"{name:<28} ALL ({len(results)} gold files): pred {t['n_pred']} gold {t['n_gold']} | "
                f"key P {k[0]:.3f} R {k[1]:.3f} F1 {k[2]:.3f} | strict F1 {st[2]:.3f} | departments F1 {d[2]:.3f}"
            )
    print("targets: key F1 ≥ 0.97, strict F1 ≥ 0.92, departments F1 ≥ 0.90")
    return 0


if __name__ == "__main__":
    sys.exit(main())
