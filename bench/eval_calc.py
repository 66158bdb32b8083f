"""Score the policy calculator against hand-computed cases (bench/calc_cases.json).

Usage: .venv/bin/python bench/eval_calc.py [--cases FILE] [--rules DIR] [--verbose]

Each case was computed by hand from the policy text (never from rule files or
this program's output) and names the lines it derives from. A case is exact
when, for every expected line, the calculator's status and the yuan it pays
from that line (the sum over the rules citing the line) are exactly the
expected ones, every ``absent_lines`` clause is not offered (absent or
not-eligible), and any expected document totals match.

Line status: eligible if any rule citing the line is eligible (amounts summed,
max open if any is open), else needs-info, else superseded, else not-eligible;
"absent" when no rule citing the line is evaluated (not in force, or not for
enterprises). An expected not-eligible also accepts absent. In a document-cap case (one that gives
document totals) the totals must be exact and each line's share must lie within
the expected range, since the text does not say how a cap is split.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path

from pydantic import ValidationError

from zhengce.rules.engine import evaluate
from zhengce.rules.model import load_rules
from zhengce.rules.profile import EnterpriseProfile, profile_error

HERE = Path(__file__).resolve().parent
ORDER = ("eligible", "needs-info", "superseded", "not-eligible")


def line_outcome(results: list, key: str) -> dict:
    """Status and yuan of one file:line over the rule results citing it."""
    file, line = key.rsplit(":", 1)
    mine = [r for r in results if r.rule.citation.file == file and r.rule.citation.line == int(line)]
    if not mine:
        return {"status": "absent", "min": None, "max": None}
    status = next(s for s in ORDER if any(r.status == s for r in mine))
    if status != "eligible":
        return {"status": status, "min": None, "max": None}
    paid = [r for r in mine if r.status == "eligible"]
    lo = sum(r.amount_min_yuan or 0 for r in paid)
    hi = None if any(r.amount_max_yuan is None for r in paid) else sum(r.amount_max_yuan for r in paid)
    return {"status": status, "min": lo, "max": hi}


def check_case(case: dict, rules: list) -> list[str]:
    """Differences between a case's expectation and the calculator (empty when exact)."""
    try:
        profile = EnterpriseProfile.model_validate(case["profile"])
    except ValidationError as exc:
        return [f"profile rejected: {profile_error(exc)}"]
    as_of = date.fromisoformat(case["as_of"])
    ev = evaluate(profile.to_row(as_of), rules, as_of)
    expect = case["expect"]
    errors = []
    capped = "total_min" in expect or "total_max" in expect  # document-cap cases: totals exact, lines as ranges
    for key, want in expect.get("lines", {}).items():
        got = line_outcome(ev.results, key)
        ws = want["status"]
        if ws in ("not-eligible", "superseded", "needs-info"):
            ok = got["status"] == ws or (ws == "not-eligible" and got["status"] == "absent")
        elif capped:  # a document cap the text does not say how to split: the line's share lies in the range
            lo_ok = got["min"] is not None and got["min"] >= (want.get("min") or 0)
            hi_ok = want.get("max") is None or (got["max"] is not None and got["max"] <= want["max"])
            ok = got["status"] == ws and lo_ok and hi_ok
        else:
            ok = got["status"] == ws and got["min"] == want.get("min") and got["max"] == want.get("max")
        if not ok:
            errors.append(f"{key}: expected {ws} {want.get('min')}–{want.get('max')}, got {got['status']} {got['min']}–{got['max']}")
    for key in expect.get("absent_lines", []):
        got = line_outcome(ev.results, key)
        if got["status"] not in ("absent", "not-eligible"):
            errors.append(f"{key}: must not be offered, got {got['status']} {got['min']}–{got['max']}")
    if "total_min" in expect or "total_max" in expect:
        files_lines = list(expect.get("lines", {}))
        docs = {r.rule.citation.doc_id for r in ev.results for k in files_lines
                if f"{r.rule.citation.file}:{r.rule.citation.line}" == k}  # fmt: skip
        paid = [r for r in ev.results if r.status == "eligible" and r.rule.citation.doc_id in docs]
        lo = sum(r.amount_min_yuan or 0 for r in paid)
        hi = None if any(r.amount_max_yuan is None for r in paid) else sum(r.amount_max_yuan for r in paid)
        if "total_min" in expect and lo != expect["total_min"]:
            errors.append(f"document total min: expected {expect['total_min']}, got {lo}")
        if "total_max" in expect and hi != expect["total_max"]:
            errors.append(f"document total max: expected {expect['total_max']}, got {hi}")
    return errors


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", type=Path, default=HERE / "calc_cases.json")
    ap.add_argument("--rules", type=Path, default=None, help="rules folder (default: the bundled rules)")
    ap.add_argument("--verbose", action="store_true")
    args = ap.parse_args(argv)
    cases = json.loads(args.cases.read_text(encoding="utf-8"))
    rules = load_rules(args.rules)
    exact = 0
    for case in cases:
        errors = check_case(case, rules)
        exact += not errors
        if errors:
            print(f"✗ {case['id']} {case['title']}")
            for e in errors:
                print(f"    {e}")
        elif args.verbose:
            print(f"✓ {case['id']} {case['title']}")
    print(f"calculator cases exact: {exact}/{len(cases)} ({exact / len(cases):.1%})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
