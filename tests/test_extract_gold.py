"""Benefit extraction scored against ../shared/gold/benefits_*.jsonl (bars of issue C2)."""

from conftest import load_bench


def test_benefit_scores_meet_the_bars(gold):
    ev = load_bench("eval_extract")
    results = ev.evaluate(gold)
    assert results, "no benefits_*.jsonl gold files scored"
    for name, res in results.items():
        key, strict, depts = res["key"][2], res["strict"][2], res["departments"][2]
        print(f"{name}: key F1 {key:.3f} strict F1 {strict:.3f} departments F1 {depts:.3f}")
        assert key >= 0.97, (name, res["misses"][:10], res["extras"][:10])
        assert strict >= 0.92, (name, res["strict_errors"][:10])
        assert depts >= 0.90, name


def test_scorer_is_not_vacuous(gold):
    """The scorer itself: an empty prediction scores zero and a perturbed gold loses strict points."""
    import json

    ev = load_bench("eval_extract")
    path = next(gold.glob("benefits_*.jsonl"))
    golds = [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]
    assert ev.score([], golds)["key"][2] == 0.0
    perfect = ev.score(golds, golds)
    assert perfect["key"][2] == 1.0 and perfect["strict"][2] == 1.0
    shifted = [dict(g, period="one_off" if g["period"] is None else None) for g in golds]
    assert ev.score(shifted, golds)["strict"][2] < 0.2
