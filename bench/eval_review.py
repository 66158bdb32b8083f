"""Agreement with review: how much of a reviewer's work the generator already does.

Usage: .venv/bin/python bench/eval_review.py [--verbose]

Regenerates the rules of every document that has reviewed rules, with the
review ignored, and compares each reviewed rule with the generated rule of
the same identity (line, start of quote, occurrence; rule ids number rules per
line, so a newly read clause would shift them). A rule is identical when every field a reviewer decides agrees:
beneficiary class, jurisdiction, conditions, formula, period, years, caps,
stacking and departments (not the review status, note, reviewer or time).
Prints the share identical and, for the rest, which fields differ.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter

from zhengce.corpus.parse import bundled_corpus, parse_source
from zhengce.corpus.text import read_source
from zhengce.rules.generate import generate_for_document, identity_keys
from zhengce.rules.model import load_rules

REVIEW_ONLY = {"rule_id", "status", "review_note", "reviewed_by", "reviewed_at", "citation", "beneficiary", "replaces"}


def decided(rule) -> dict:
    return rule.model_dump(mode="json", exclude=REVIEW_ONLY)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--verbose", action="store_true")
    args = ap.parse_args(argv)
    mine = load_rules()
    reviewed = {r.rule_id: r for r in mine if r.status == "reviewed"}
    docs = {rid.split("/")[0] for rid in reviewed}
    keys = {}
    for doc in docs:  # pair by what a rule is about (identity_keys), not by its per-line number
        in_doc = [r for r in mine if r.citation.doc_id == doc and r.status != "extracted"]
        keys.update({r.rule_id: (doc, *k) for k, r in zip(identity_keys(in_doc), in_doc)})
    generated = {}
    for f in sorted(bundled_corpus().glob("*.txt")):
        src = read_source(f)
        for doc in parse_source(src):
            if doc.doc_id(src.name) in docs:
                rf = generate_for_document(src, doc)
                rules = rf.rules if rf else []
                generated.update({(doc.doc_id(src.name), *k): r for k, r in zip(identity_keys(rules), rules)})
    same = 0
    diffs: Counter[str] = Counter()
    for rid, rv in sorted(reviewed.items()):
        gen = generated.get(keys[rid])
        if gen is None:
            diffs["(no generated rule)"] += 1
            if args.verbose:
                print(f"✗ {rid}: not generated")
            continue
        a, b = decided(rv), decided(gen)
        fields = sorted(k for k in a.keys() | b.keys() if a.get(k) != b.get(k))
        if not fields:
            same += 1
        else:
            diffs.update(fields)
            if args.verbose:
                print(f"✗ {rid}: {', '.join(fields)}")
    n = len(reviewed)
    print(f"reviewed rules regenerated identical: {same}/{n} ({same / n:.1%})")
    for field, count in diffs.most_common():
        print(f"  differ in {field}: {count}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
