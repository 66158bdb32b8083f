"""免申即享 screening throughput: synthetic registries × all rules, with two baselines.

Usage: .venv/bin/python bench/screen.py [--scales 100000,300000,1000000] [--sample 20000] [--repeat 3]

- zhengce: `screen_registry` (polars, chunked) at each scale, each run in a fresh
  child process so that its peak memory (max RSS) is its own; median wall time.
- baseline 1: a straightforward per-enterprise Python loop (`engine.evaluate`)
  over the same rules on a sample, scaled linearly to 1M.
- baseline 2: OpenFisca-core (bench-only extra, `pip install -e '.[bench]'`)
  with 10 representative rules written as OpenFisca variables, against
  zhengce screening the same 10 rules on the same sample; amounts are checked
  to agree.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import numpy as np
import polars as pl

from zhengce.rules.engine import evaluate
from zhengce.rules.model import load_rules
from zhengce.rules.screen import Registry, active_rules, screen_frame, screen_registry
from zhengce.rules.synth import synth_registry

AS_OF = date(2025, 9, 1)
REPRESENTATIVE = [  # 10 rules of every formula kind, for the OpenFisca comparison
    "003_984d27a47f4e90c5:01/L11/1", "003_984d27a47f4e90c5:01/L11/3", "003_984d27a47f4e90c5:01/L13/2",
    "003_984d27a47f4e90c5:01/L15/1", "003_984d27a47f4e90c5:03/L121/7", "003_984d27a47f4e90c5:03/L131/2",
    "003_984d27a47f4e90c5:04/L167/2", "003_984d27a47f4e90c5:05/L211/1", "003_984d27a47f4e90c5:05/L211/2",
    "003_984d27a47f4e90c5:05/L217/1",
]  # fmt: skip


def child(path: str) -> None:
    """Screen one registry file; print seconds and peak RSS as JSON."""
    rules = load_rules()
    df = pl.read_parquet(path).with_row_index("row", offset=1).with_columns(pl.col("row").cast(pl.Int64))
    out = Path(path).with_suffix(".results.parquet")
    t0 = time.perf_counter()
    report = screen_registry(Registry(df, [], df.height), rules, AS_OF, out)
    elapsed = time.perf_counter() - t0
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": elapsed, "peak_mb": peak_mb, "pairs": report.pairs_written, "eligible": report.eligible_pairs}))


def run_child(path: Path) -> dict:
    proc = subprocess.run([sys.executable, __file__, "--child", str(path)], capture_output=True, text=True, check=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def python_loop(df: pl.DataFrame, rules) -> float:
    rows = df.to_dicts()
    t0 = time.perf_counter()
    for row in rows:
        evaluate(row, rules, AS_OF)
    return time.perf_counter() - t0


def openfisca_vs_zhengce(df: pl.DataFrame, rules) -> tuple[float, float, bool] | None:
    try:
        from openfisca_core.entities import build_entity
        from openfisca_core.periods import DateUnit
        from openfisca_core.simulation_builder import SimulationBuilder
        from openfisca_core.taxbenefitsystems import TaxBenefitSystem
        from openfisca_core.variables import Variable
    except ImportError:
        return None
    Enterprise = build_entity(key="enterprise", plural="enterprises", label="enterprise", is_person=True)
    inputs = {
        "unicorn_city": bool, "champion_national": bool, "lab_city": bool, "ind_nev": bool, "ind_robot": bool,
        "ind_ai": bool, "ind_xborder": bool, "equipment_investment": float, "certification_cost": float,
        "compute_cost": float, "compute_contract": float, "q_supplier": bool, "q_record": bool, "q_warehouse": bool,
        "independent_site_spend": float, "warehouse_cost": float, "q_cert": bool, "ind_mfg": bool,
    }  # fmt: skip
    variables = []
    for name, typ in inputs.items():
        variables.append(type(name, (Variable,), {"value_type": typ, "entity": Enterprise, "definition_period": DateUnit.YEAR, "label": name}))

    def benefit(name, fn):
        variables.append(type(name, (Variable,), {"value_type": float, "entity": Enterprise, "definition_period": DateUnit.YEAR,
                                                  "label": name, "formula": fn}))  # fmt: skip

    g = lambda e, p, v: e(v, p)  # noqa: E731
    benefit("b1", lambda e, p: (g(e, p, "unicorn_city") & g(e, p, "ind_nev")) * 2_000_000.0)
    benefit("b2", lambda e, p: (g(e, p, "champion_national") & g(e, p, "ind_nev")) * 3_000_000.0)
    benefit("b3", lambda e, p: (g(e, p, "ind_mfg") & g(e, p, "ind_nev") & (g(e, p, "equipment_investment") >= 5e7)) * np.floor(0.05 * g(e, p, "equipment_investment")))
    # 通过车规级认证: declared, or shown by the certification cost itself
    benefit("b4", lambda e, p: ((g(e, p, "q_cert") | (g(e, p, "certification_cost") > 0)) & g(e, p, "ind_nev")) * np.minimum(np.floor(0.5 * g(e, p, "certification_cost")), 1e6))
    benefit("b5", lambda e, p: (g(e, p, "lab_city") & g(e, p, "ind_robot")) * 1_000_000.0)
    benefit("b6", lambda e, p: g(e, p, "ind_robot") * np.minimum(np.floor(0.2 * g(e, p, "compute_cost")), 2e6))
    benefit("b7", lambda e, p: (g(e, p, "q_supplier") & g(e, p, "ind_ai")) * np.minimum(np.floor(0.1 * g(e, p, "compute_contract")), 2e6))
    # 建设运营独立站 is shown by the site spend; 20万 over 50万, then 3万 per further 10万
    benefit("b8", lambda e, p: (g(e, p, "ind_xborder") & (g(e, p, "independent_site_spend") > 5e5)) * 200_000.0)
    benefit("b9", lambda e, p: (g(e, p, "ind_xborder") & (g(e, p, "independent_site_spend") > 5e5)) * np.floor(np.maximum(g(e, p, "independent_site_spend") - 5e5, 0) / 1e5) * 30_000.0)
    benefit("b10", lambda e, p: (g(e, p, "q_record") & g(e, p, "q_warehouse") & g(e, p, "ind_xborder")) * np.minimum(np.floor(0.2 * g(e, p, "warehouse_cost")), 2e5))

    class Suzhou(TaxBenefitSystem):
        def __init__(self):
            super().__init__([Enterprise])
            for v in variables:
                self.add_variable(v)

    tbs = Suzhou()
    picked = [r for r in rules if r.rule_id in REPRESENTATIVE]
    has = lambda col, v: df[col].list.contains(v).to_numpy()  # noqa: E731
    arr = {
        "unicorn_city": has("honours", "独角兽培育企业@市级"), "champion_national": has("honours", "制造业单项冠军@国家级"),
        "lab_city": has("honours", "重点实验室@市级"), "ind_nev": has("industries", "智能车联网/新能源汽车"),
        "ind_robot": has("industries", "具身智能机器人"), "ind_ai": has("industries", "人工智能"), "ind_xborder": has("industries", "跨境电商"),
        "q_supplier": has("qualifications", "算力供给方"),
        "q_record": has("qualifications", "跨境电商实绩"), "q_warehouse": has("qualifications", "公共海外仓"),
        "q_cert": has("qualifications", "汽车芯片车规级认证"), "ind_mfg": has("industries", "制造业"),
    }  # fmt: skip
    for col in ("equipment_investment", "certification_cost", "compute_cost", "compute_contract", "independent_site_spend", "warehouse_cost"):
        arr[col] = df[f"spend.{col}"].to_numpy()
    period = "2025"
    t0 = time.perf_counter()
    sim = SimulationBuilder().build_default_simulation(tbs, count=df.height)
    for k, v in arr.items():
        sim.set_input(k, period, v)
    of_totals = [float(sim.calculate(f"b{i}", period).sum()) for i in range(1, 11)]
    of_seconds = time.perf_counter() - t0
    frame = df.with_row_index("row", offset=1).with_columns(pl.col("row").cast(pl.Int64))
    t0 = time.perf_counter()
    res = screen_frame(frame, picked, AS_OF)
    z_seconds = time.perf_counter() - t0
    by_rule = dict(res.filter(pl.col("status") == "eligible").group_by("rule_id").agg(pl.col("amount_max_yuan").sum()).iter_rows())
    z_totals = [float(by_rule.get(rid, 0)) for rid in REPRESENTATIVE]
    return of_seconds, z_seconds, of_totals == z_totals


def known(df: pl.DataFrame) -> pl.DataFrame:
    """No unknown cells: OpenFisca has no notion of a missing input."""
    lists = [c for c, t in df.schema.items() if isinstance(t, pl.List)]
    nums = [c for c, t in df.schema.items() if t == pl.Float64]
    return df.with_columns([pl.col(c).fill_null(pl.lit([], dtype=pl.List(pl.String))) for c in lists] + [pl.col(c).fill_null(0.0) for c in nums]
                           + [pl.col("jurisdiction").fill_null("苏州工业园区"), pl.col("registration_date").fill_null(date(2015, 1, 1))])  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scales", default="100000,300000,1000000")
    ap.add_argument("--sample", type=int, default=20_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--child")
    args = ap.parse_args()
    if args.child:
        child(args.child)
        return
    rules = load_rules()
    n_rules = len(active_rules(rules, AS_OF))
    print(f"rules in force on {AS_OF}: {n_rules} of {len(rules)}")
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for scale in (int(s) for s in args.scales.split(",")):
            path = Path(tmp) / f"reg{scale}.parquet"
            synth_registry(scale, rules).write_parquet(path)
            runs = [run_child(path) for _ in range(args.repeat)]
            med = statistics.median(r["seconds"] for r in runs)
            results[scale] = (med, max(r["peak_mb"] for r in runs), runs[0])
            print(f"screen {scale:>9,}: median {med:6.2f} s, peak RSS {results[scale][1]:,.0f} MB, "
                  f"{scale * n_rules / med / 1e6:,.1f} M rule evaluations/s, {runs[0]['eligible']:,} eligible pairs", flush=True)  # fmt: skip
    sample = synth_registry(args.sample, rules, seed=11)
    loop = statistics.median(python_loop(sample, rules) for _ in range(max(1, args.repeat - 2)))
    top = max(results)
    loop_1m = loop * 1_000_000 / args.sample
    print(f"baseline python loop: {args.sample:,} enterprises in {loop:.2f} s → {loop_1m:,.0f} s per 1M (scaled); "
          f"zhengce 1M: {results[top][0]:.2f} s → {loop_1m / results[top][0] * top / 1_000_000:,.1f}× faster")  # fmt: skip
    of = [openfisca_vs_zhengce(known(sample), rules) for _ in range(args.repeat)]
    if of[0] is None:
        print("baseline OpenFisca: not installed (pip install -e '.[bench]')")
    else:
        of_med, z_med = statistics.median(o[0] for o in of), statistics.median(o[1] for o in of)
        print(f"baseline OpenFisca-core, 10 rules × {args.sample:,}: {of_med:.3f} s; zhengce same 10 rules: {z_med:.3f} s "
              f"→ {of_med / z_med:.1f}×; amounts agree: {all(o[2] for o in of)}")  # fmt: skip
    print("scaling (s per 100k): " + ", ".join(f"{s:,}: {results[s][0] / s * 1e5:.2f}" for s in sorted(results)))


if __name__ == "__main__":
    main()
