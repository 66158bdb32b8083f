"""Whole-registry screening: agreement with the calculator, bad rows, department lists."""

from __future__ import annotations

import json
from datetime import date
from functools import lru_cache

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zhengce.rules.engine import evaluate
from zhengce.rules.model import load_rules
from zhengce.rules.profile import LEVELS, SPEND_FIELDS, EnterpriseProfile, honour_names, industry_names, local_areas
from zhengce.rules.screen import rows_to_frame, screen_frame
from zhengce.rules.synth import synth_registry

AS_OF = date(2025, 9, 1)


@lru_cache(maxsize=1)
def rules():
    return load_rules()


def scalar(rows: list[dict], as_of: date) -> dict[tuple[str, str], tuple]:
    out = {}
    for row in rows:
        for r in evaluate(row, rules(), as_of).results:
            out[(row["credit_code"], r.rule.rule_id)] = (r.status, r.amount_min_yuan, r.amount_max_yuan)
    return out


def vectorised(frame: pl.DataFrame, as_of: date) -> dict[tuple[str, str], tuple]:
    res = screen_frame(frame, rules(), as_of, keep_not_eligible=True)
    return {(r["credit_code"], r["rule_id"]): (r["status"], r["amount_min_yuan"], r["amount_max_yuan"]) for r in res.iter_rows(named=True)}


def test_screen_agrees_with_match_on_a_synthetic_registry():
    df = synth_registry(1500, rules(), seed=7)
    frame = df.with_row_index("row", offset=1).with_columns(pl.col("row").cast(pl.Int64))
    a, b = scalar(df.to_dicts(), AS_OF), vectorised(frame, AS_OF)
    from zhengce.rules.screen import active_rules

    assert len(a) == len(b) == 1500 * len(active_rules(rules(), AS_OF))
    assert a == b
    statuses = {s for s, *_ in a.values()}
    assert statuses >= {"eligible", "needs-info", "not-eligible"}  # superseded: test_rules' compute voucher


@lru_cache(maxsize=1)
def qualification_names() -> list[str]:
    from zhengce.rules.profile import qualification_vocab

    return sorted(qualification_vocab())


money = st.one_of(st.none(), st.floats(min_value=0, max_value=5e8, allow_nan=False), st.sampled_from([0.0, 500000.0, 600001.0, 1e7]))
honour = st.builds(
    lambda n, lv, d: {"name": n, "level": lv, "date": d},
    st.sampled_from(sorted(honour_names())), st.one_of(st.none(), st.sampled_from(LEVELS)),
    st.one_of(st.none(), st.dates(date(2018, 1, 1), date(2027, 1, 1)).map(date.isoformat)),
)  # fmt: skip


@st.composite
def profiles(draw, i: int = 0):
    data = {
        "credit_code": f"913205{draw(st.integers(0, 99)):02d}MA1{draw(st.integers(0, 10**6)):07d}",
        "name": draw(st.text(alphabet=st.characters(categories=("Lo", "Lu", "Ll", "Nd")), min_size=1, max_size=10)),
        "jurisdiction": draw(st.one_of(st.none(), st.sampled_from(local_areas()))),
        "industries": draw(st.one_of(st.none(), st.lists(st.sampled_from(sorted(industry_names())), max_size=3))),
        "honours": draw(st.one_of(st.none(), st.lists(honour, max_size=4))),
        "qualifications": draw(st.one_of(st.none(), st.lists(st.sampled_from(qualification_names()), max_size=4))),
        "financials": [{"year": 2024, "revenue": draw(money), "revenue_growth": draw(st.one_of(st.none(), st.floats(-1, 2))),
                        "rd_spend": draw(money), "rd_ratio": draw(st.one_of(st.none(), st.floats(0, 1)))}],  # fmt: skip
        "insured_headcount": draw(st.one_of(st.none(), st.integers(0, 5000))),
        "spend": draw(st.one_of(st.none(), st.fixed_dictionaries({}, optional={k: money for k in SPEND_FIELDS}))),
        "patents": {"invention": draw(st.one_of(st.none(), st.integers(0, 100)))},
    }
    return EnterpriseProfile.model_validate(data)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.lists(profiles(), min_size=1, max_size=8, unique_by=lambda p: p.credit_code), st.dates(date(2024, 6, 1), date(2029, 1, 1)))
def test_match_and_screen_agree_for_any_profiles(profs, as_of):
    rows = [p.to_row(as_of) for p in profs]
    assert scalar(rows, as_of) == {k: v for k, v in vectorised(rows_to_frame(rows), as_of).items()}


def test_screen_cli_reports_bad_rows_and_writes_department_lists(cli, tmp_path):
    reg = tmp_path / "reg.csv"
    assert cli("synth", "--n", "300", "--out", reg).exit_code == 0
    lines = reg.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    bad = lines[5].split(",")
    bad[header.index("revenue")] = "lots"
    lines[5] = ",".join(bad)
    bad2 = lines[9].split(",")
    bad2[header.index("credit_code")] = "'; DROP TABLE x; --"
    lines[9] = ",".join(bad2)
    reg.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "res.parquet"
    res = cli("screen", reg, "--out", out, "--as-of", "2025-09-01", "--rejects", tmp_path / "rej.csv")
    assert res.exit_code == 1
    assert "rejected row 5: revenue: not a number (lots)" in res.stderr
    assert "rejected row 9: credit_code" in res.stderr
    assert "300 rows in = 298 screened + 2 rejected" in res.stdout.replace("\n", " ")
    results = pl.read_parquet(out)
    assert set(results["status"].unique()) <= {"eligible", "needs-info", "superseded"}
    summary = pl.read_csv(tmp_path / "res_departments" / "_summary.csv")
    assert summary.height > 5 and (summary["total_max_yuan"] >= summary["total_min_yuan"]).all()
    eligible = results.filter(pl.col("status") == "eligible")
    assert eligible["credit_code"].n_unique() <= 298


def test_screen_file_level_errors_leave_no_output(cli, tmp_path):
    out = tmp_path / "res.parquet"
    cases = {
        "empty.csv": (b"", "file is empty"),
        "gbk.csv": ("credit_code,name\n91320594MA1XXXXX0K,苏州公司\n".encode("gbk"), "not UTF-8"),
        "unknown.csv": (b"credit_code,name,revenu\n", "unknown column 'revenu'"),
        "noname.csv": (b"credit_code\n91320594MA1XXXXX0K\n", "missing required column 'name'"),
        "broken.parquet": (b"PAR1 not really", "unreadable parquet"),
    }
    for name, (content, words) in cases.items():
        path = tmp_path / name
        path.write_bytes(content)
        res = cli("screen", path, "--out", out)
        assert res.exit_code != 0 and words in res.stderr, (name, res.stderr)
        assert not out.exists()
    res = cli("screen", tmp_path / "missing.csv", "--out", out)
    assert res.exit_code != 0 and "no such file" in res.stderr


def test_match_cli_json_contract_and_errors(cli, tmp_path):
    from conftest import ROOT

    res = cli("match", ROOT / "examples" / "profile.json", "--as-of", "2025-09-01", "--json")
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data["as_of"] == "2025-09-01" and {"results", "total_min_yuan", "total_max_yuan"} <= set(data)
    for r in data["results"]:
        assert {"rule_id", "status", "amount_min_yuan", "amount_max_yuan", "missing_fields", "reason", "file", "line", "quote", "departments"} <= set(r)
        assert r["status"] in ("eligible", "needs-info", "superseded")
    human = cli("match", ROOT / "examples" / "profile.json", "--as-of", "2025-09-01", "--all")
    assert human.exit_code == 0 and "not-eligible" in human.stdout and "合计" in human.stdout
    bad = tmp_path / "bad.json"
    for content, words in [("{", "malformed JSON"), ("", "empty"), ("[]", "JSON object"), ('{"credit_code": "91320594MA1XXXXX0K", "name": "x", "foo": 1}', "unknown field 'foo'")]:
        bad.write_text(content, encoding="utf-8")
        r = cli("match", bad)
        assert r.exit_code != 0 and words in r.stderr, (content, r.stderr)
    r = cli("match", ROOT / "examples" / "profile.json", "--as-of", "2025-13-01")
    assert r.exit_code != 0 and "not a date" in r.stderr
