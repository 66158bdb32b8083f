"""Rule forms of issue 8, each evaluated by the calculator and the screen (one compiler, two backends).

Every expectation here is computed by hand from the rule as written in the test.
"""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from zhengce.rules.engine import evaluate
from zhengce.rules.model import (
    AlternativesFormula,
    Citation,
    FixedFormula,
    NotCondition,
    Option,
    PerUnitFormula,
    QualificationCondition,
    RateFormula,
    Rule,
    ThresholdCondition,
    UndeterminedCondition,
)
from zhengce.rules.screen import rows_to_frame, screen_frame

AS_OF = date(2025, 9, 1)


def rule(rule_id: str, formula, conditions=(), **extra) -> Rule:
    cite = Citation(doc_id=extra.pop("doc_id", "t:01"), doc_title="测试", file="t.txt", line=1, path="", quote="…")
    return Rule(rule_id=rule_id, formula=formula, conditions=list(conditions), jurisdiction=extra.pop("jurisdiction", "苏州市"),
                citation=cite, **extra)  # fmt: skip


def row(**fields) -> dict:
    base = {"credit_code": "91320594MA1XXXXX0K", "name": "测试企业", "jurisdiction": "苏州工业园区", "qualifications": [],
            "honours": [], "industries": []}  # fmt: skip
    base.update(fields)
    from zhengce.rules.profile import location_chain

    base["location_chain"] = location_chain(base["jurisdiction"])
    return base


def both(rules: list[Rule], r: dict) -> dict[str, tuple]:
    """(status, min, max) per rule from the calculator, after checking the screen says the same."""
    ev = evaluate(r, rules, AS_OF)
    calc = {x.rule.rule_id: (x.status, x.amount_min_yuan, x.amount_max_yuan) for x in ev.results}
    scr = screen_frame(rows_to_frame([r]), rules, AS_OF, keep_not_eligible=True)
    screen = {x["rule_id"]: (x["status"], x["amount_min_yuan"], x["amount_max_yuan"]) for x in scr.iter_rows(named=True)}
    assert calc == screen
    return calc


CLASSES = AlternativesFormula(options=[
    Option(label="先导产业", conditions=[QualificationCondition(name="先导产业")],
           formula=RateFormula(rate=0.12, base="spend.equipment_investment", cap=10_000_000)),
    Option(label="高新技术产业", conditions=[QualificationCondition(name="高新技术产业")],
           formula=RateFormula(rate=0.10, base="spend.equipment_investment", cap=8_000_000)),
    Option(label="其他产业", conditions=[NotCondition(any=[QualificationCondition(name="先导产业"), QualificationCondition(name="高新技术产业")])],
           formula=RateFormula(rate=0.06, base="spend.equipment_investment", cap=6_000_000)),
])  # fmt: skip
EQUIP = [ThresholdCondition(field="spend.equipment_investment", op=">=", value=20_000_000)]


@pytest.mark.parametrize(
    ("quals", "spend", "expected"),
    [
        (["先导产业"], 62_000_000, ("eligible", 7_440_000, 7_440_000)),  # 12% of 6200万, not 12%+10%+6%
        (["先导产业"], 100_000_000, ("eligible", 10_000_000, 10_000_000)),  # capped at 1000万
        (["高新技术产业"], 90_000_000, ("eligible", 8_000_000, 8_000_000)),  # 10% = 900万, capped at 800万
        ([], 30_000_000, ("eligible", 1_800_000, 1_800_000)),  # known: neither class → 其他产业 6%
        (None, 30_000_000, ("needs-info", None, None)),  # class unknown
        (["先导产业"], 18_000_000, ("not-eligible", None, None)),  # under the 2000万 threshold
    ],
)
def test_a_class_keyed_rate_pays_one_class(quals, spend, expected):
    r = rule("t:01/L1/1", CLASSES, EQUIP)
    assert both([r], row(qualifications=quals, **{"spend.equipment_investment": spend}))["t:01/L1/1"] == expected


TIERS = AlternativesFormula(options=[
    Option(label="100人和2000万元", conditions=[ThresholdCondition(field="insured_headcount", op=">=", value=100),
                                                 ThresholdCondition(field="rd_spend", op=">=", value=20_000_000)],
           formula=FixedFormula(amount=1_000_000)),
    Option(label="50人和1000万元", conditions=[ThresholdCondition(field="insured_headcount", op=">=", value=50),
                                                ThresholdCondition(field="rd_spend", op=">=", value=10_000_000)],
           formula=FixedFormula(amount=500_000)),
])  # fmt: skip


def test_tiers_are_alternatives_and_an_undecided_higher_tier_widens_the_range():
    r = rule("t:01/L2/1", TIERS)
    get = lambda **f: both([r], row(**f))["t:01/L2/1"]  # noqa: E731
    assert get(insured_headcount=120, rd_spend=25_000_000) == ("eligible", 1_000_000, 1_000_000)  # not 150万
    assert get(insured_headcount=120, rd_spend=15_000_000) == ("eligible", 500_000, 500_000)
    assert get(insured_headcount=40, rd_spend=25_000_000) == ("not-eligible", None, None)
    assert get(insured_headcount=None, rd_spend=25_000_000) == ("needs-info", None, None)
    # the lower tier holds, the higher one cannot be decided: at least 50万, at most 100万, and it says why
    assert get(insured_headcount=120, rd_spend=None)[0] == "needs-info"  # neither tier is decided
    ev = evaluate(row(insured_headcount=60, rd_spend=12_000_000, revenue=None), [r], AS_OF)
    assert ev.results[0].option == "50人和1000万元"


def test_per_unit_amounts_count_the_quantity_with_their_cap():
    r = rule("t:01/L3/1", PerUnitFormula(amount=50, unit="TEU", quantity="quantities.teu", cap=1_000_000))
    get = lambda n: both([r], row(**{"quantities.teu": n}))["t:01/L3/1"]  # noqa: E731
    assert get(3000) == ("eligible", 150_000, 150_000)
    assert get(50_000) == ("eligible", 1_000_000, 1_000_000)  # 250万 capped
    assert get(None) == ("needs-info", None, None)
    assert get(0) == ("not-eligible", None, None)


def test_document_cap_is_shared_out_and_never_leaves_a_fixed_rule_at_zero():
    rules = [rule(f"t:01/L{n}/1", FixedFormula(amount=a), document_cap=8_000_000) for n, a in
             ((4, 5_000_000), (5, 3_000_000), (6, 2_000_000))]  # fmt: skip
    got = both(rules, row())
    amounts = [got[r.rule_id] for r in rules]
    assert sum(a[1] for a in amounts) == sum(a[2] for a in amounts) == 8_000_000  # min and max are both the cap
    assert [a[2] for a in amounts] == [4_000_000, 2_400_000, 1_600_000]  # in proportion, 800/1000 each
    ev = evaluate(row(), rules, AS_OF)
    assert all("文件累计上限" in r.reason and "比例" in r.reason for r in ev.results)


def test_jurisdiction_applies_a_document_only_where_the_firm_is():
    changshu = rule("t:01/L7/1", FixedFormula(amount=100), jurisdiction="常熟市")
    unknown = rule("t:01/L8/1", FixedFormula(amount=100), jurisdiction=None)
    national = rule("t:01/L9/1", FixedFormula(amount=100), jurisdiction="中国")
    rules = [changshu, unknown, national]
    in_gusu = both(rules, row(jurisdiction="姑苏区"))
    assert in_gusu["t:01/L7/1"][0] == "not-eligible" and in_gusu["t:01/L9/1"][0] == "eligible"
    assert in_gusu["t:01/L8/1"][0] == "needs-info"  # never applied silently
    assert both(rules, row(jurisdiction="常熟市"))["t:01/L7/1"][0] == "eligible"
    assert both(rules, row(jurisdiction="苏州市"))["t:01/L7/1"][0] == "needs-info"  # 苏州市 may or may not be 常熟
    ev = evaluate(row(jurisdiction="姑苏区"), rules, AS_OF)
    assert "文件未写明适用地区" in next(r.reason for r in ev.results if r.rule.rule_id == "t:01/L8/1")


def test_rules_for_governments_individuals_and_banks_are_never_offered_to_a_firm():
    rules = [rule(f"t:01/L10/{i}", FixedFormula(amount=3_000_000), beneficiary_class=c)
             for i, c in enumerate(("government", "individual", "financial_institution", "organisation", "enterprise"), 1)]  # fmt: skip
    ev = evaluate(row(), rules, AS_OF)
    assert [r.rule.rule_id for r in ev.results] == ["t:01/L10/5"] and ev.excluded_not_enterprise == 4
    assert screen_frame(rows_to_frame([row()]), rules, AS_OF, keep_not_eligible=True)["rule_id"].to_list() == ["t:01/L10/5"]


def test_a_rule_whose_recipient_could_not_be_read_is_never_paid_by_default():
    r = rule("t:01/L11/1", FixedFormula(amount=1_000_000), [UndeterminedCondition(reason="支持对象未能从原文识别")])
    assert both([r], row())["t:01/L11/1"] == ("needs-info", None, None)
    assert "需人工确认" in evaluate(row(), [r], AS_OF).results[0].reason


def test_a_status_shown_by_its_own_spend_needs_no_declaration():
    r = rule("t:01/L12/1", RateFormula(rate=0.5, base="spend.certification_cost", cap=1_000_000),
             [QualificationCondition(name="汽车芯片车规级认证")])  # fmt: skip
    assert both([r], row(**{"spend.certification_cost": 1_500_000}))["t:01/L12/1"] == ("eligible", 750_000, 750_000)
    assert both([r], row(qualifications=None))["t:01/L12/1"][0] == "needs-info"


def test_calculator_and_screen_agree_on_every_bundled_rule_for_a_synthetic_registry():
    from zhengce.rules.compile import compiled, result_columns, row_result, with_stages
    from zhengce.rules.expr import decode_fields
    from zhengce.rules.model import load_rules
    from zhengce.rules.screen import place_table
    from zhengce.rules.synth import synth_registry

    rules = load_rules()
    df = synth_registry(200, rules, seed=11)
    df = df.join(place_table(df["jurisdiction"].drop_nulls().unique().to_list()).select("jurisdiction", "location_chain"),
                 on="jurisdiction", how="left").with_columns(pl.lit(3.0).alias("age_years"))  # fmt: skip
    from zhengce.rules.compile import places_used
    from zhengce.rules.expr import place_columns

    df = df.with_columns(place_columns(set().union(*(places_used(r) for r in rules))))
    rows = df.to_dicts()
    for r in rules:  # the Python backend and the polars backend of each compiled rule, row by row
        c = compiled(r)
        cols = with_stages(df.lazy(), c).select(result_columns(c)).collect().to_dicts()
        for py_row, pl_row in zip(rows, cols):
            mine = row_result(c, py_row)
            assert (mine["status"], mine["amount_min_yuan"], mine["amount_max_yuan"], decode_fields(mine["missing_mask"]), mine["option"]) == (
                pl_row["status"], pl_row["amount_min_yuan"], pl_row["amount_max_yuan"], decode_fields(pl_row["missing_mask"]), pl_row["option"]
            ), r.rule_id  # fmt: skip


def test_an_undecided_earlier_option_widens_the_maximum_and_names_the_missing_field():
    from zhengce.rules.model import HonourCondition

    alt = AlternativesFormula(options=[
        Option(label="小巨人", conditions=[HonourCondition(name="专精特新“小巨人”企业")], formula=FixedFormula(amount=1_000_000)),
        Option(label="50人以上", conditions=[ThresholdCondition(field="insured_headcount", op=">=", value=50)],
               formula=FixedFormula(amount=500_000)),
    ])  # fmt: skip
    r = rule("t:01/L13/1", alt)
    assert both([r], row(honours=None, insured_headcount=60))["t:01/L13/1"] == ("eligible", 500_000, 1_000_000)
    res = evaluate(row(honours=None, insured_headcount=60), [r], AS_OF).results[0]
    assert res.option == "50人以上" and res.missing_fields == ["honours"] and "更高档" in res.reason
    assert both([r], row(honours=["专精特新“小巨人”企业"], insured_headcount=60))["t:01/L13/1"] == ("eligible", 1_000_000, 1_000_000)


def _generated(text: str):
    from zhengce.corpus.parse import parse_source
    from zhengce.corpus.text import SourceText
    from zhengce.rules.generate import generate_for_document

    src = SourceText.from_text("t.txt", text)
    return [
        r for d in parse_source(src) if (rf := generate_for_document(src, d)) for r in rf.rules
    ]


def test_generated_per_unit_and_quantity_steps_keep_their_caps():
    rules = _generated("某市会展业扶持办法\n\n一、对在本市举办的展会，按展览面积每2000平方米给予5万元补贴，单个展会最高不超过50万元。\n")
    f = rules[0].formula
    assert (f.type, f.base, f.step, f.step_amount, f.cap) == ("step", "quantities.sqm", 2000, 50_000, 500_000)
    assert rules[0].jurisdiction is None  # 某市: the text does not say which city
    rules = _generated("某市物流扶持办法\n\n一、对新开通国际航线的企业，按50元/TEU给予补贴，单个企业年度最高不超过100万元。\n")
    f = rules[0].formula
    assert (f.type, f.amount, f.quantity, rules[0].cap_per_year) == ("per_unit", 50, "quantities.teu", 1_000_000)
    # 3万 TEU × 50元 = 150万, over the yearly 100万 cap
    r = rules[0].model_copy(update={"jurisdiction": "苏州市"})
    firm = row(qualifications=["新开通国际航线的企业"], **{"quantities.teu": 30_000})
    assert both([r], firm)[r.rule_id] == ("eligible", 1_000_000, 1_000_000)


def test_rules_build_takes_the_place_of_documents_whose_text_does_not_say(cli, tmp_path):
    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "900_test.txt").write_text("促进会展业发展若干措施\n\n一、对企业参加境外展会的展位费，给予50%补贴，最高10万元。\n", encoding="utf-8")
    out = tmp_path / "rules"
    assert cli("rules", "build", corpus, "--out", out, "--jurisdiction", "常熟").exit_code == 0
    from zhengce.rules.model import load_rules

    assert {r.jurisdiction for r in load_rules(out)} == {"常熟市"}
    before = sorted(p.name for p in out.iterdir())
    bad = cli("rules", "build", corpus, "--out", out, "--jurisdiction", "火星")
    assert bad.exit_code == 2 and "unknown place '火星'" in bad.output and sorted(p.name for p in out.iterdir()) == before


def test_the_qualification_vocabulary_has_labels_no_headings_and_only_what_firms_declare():
    import re

    from zhengce.extract.benefits import _class_in
    from zhengce.rules.model import load_rules
    from zhengce.rules.profile import qualification_vocab

    vocab = qualification_vocab()
    assert len(vocab) > 50
    for name, q in vocab.items():
        assert q["label"] and len(q["label"]) <= 16, name  # a short Chinese label for pick-lists
        assert not re.match(r"^[（(]?[一二三四五六七八九十\d]+[、.．)）]|.*支持对象$", name), name  # no headings
        # no government, bank or individual statuses (新型研发机构 may be a firm or an institute)
        assert _class_in(name) not in ("government", "financial_institution", "individual"), name
    # every qualification an enterprise rule asks for is in it, so a firm can declare it
    asked = {c.name for r in load_rules() if r.beneficiary_class == "enterprise" for c in r.conditions if c.type == "qualification"}
    assert asked <= set(vocab)


def test_an_unknown_qualification_suggests_close_ones_everywhere(cli, tmp_path):
    from pydantic import ValidationError

    from zhengce.rules.profile import EnterpriseProfile, profile_error

    with pytest.raises(ValidationError) as exc:
        EnterpriseProfile.model_validate({"credit_code": "91320594MA1XXXXX0K", "name": "x", "qualifications": ["海外仓"]})
    assert "unknown qualification '海外仓'" in profile_error(exc.value) and "公共海外仓" in profile_error(exc.value)
    reg = tmp_path / "reg.csv"
    reg.write_text("credit_code,name,qualifications\n91320594MA1XXXXX0K,甲,海外仓\n91320594MA1XXXXX1K,乙,公共海外仓\n", encoding="utf-8")
    out = tmp_path / "res.parquet"
    r = cli("screen", reg, "--out", out, "--as-of", "2025-09-01")
    assert "rejected row 1" in r.output and "qualifications" in r.output and out.exists()  # the rest is screened


BAD_PROFILE_VALUES = [
    ({"financials": [{"year": 2024, "revenue": float("nan")}]}, "finite"),
    ({"financials": [{"year": 2024, "revenue": float("inf")}]}, "finite"),
    ({"spend": {"compute_cost": 1e308}}, "less than or equal"),
    ({"spend": {"compute_cost": -5}}, "greater than or equal"),
    ({"insured_headcount": True}, "integer"),
    ({"financials": [{"year": 2024, "rd_ratio": 50}]}, "less than or equal to 1"),
    ({"registration_date": "2099-01-01"}, "in the future"),
    ({"name": "\ud800"}, "surrogate"),
]


@pytest.mark.parametrize(("change", "words"), BAD_PROFILE_VALUES)
def test_one_validation_refuses_nan_infinity_huge_negative_and_odd_values(change, words):
    from pydantic import ValidationError

    from zhengce.rules.profile import EnterpriseProfile, profile_error

    with pytest.raises(ValidationError) as exc:
        EnterpriseProfile.model_validate({"credit_code": "91320594MA1XXXXX0K", "name": "甲", **change})
    assert words in profile_error(exc.value)


def test_the_registry_refuses_the_same_values_row_by_row(cli, tmp_path):
    reg = tmp_path / "bad.csv"
    reg.write_text(
        "credit_code,name,revenue,spend.compute_cost,registration_date,rd_ratio\n"
        "91320594MA1XXXXX0K,甲,1e308,,2019-01-01,\n91320594MA1XXXXX1K,乙,NaN,,2019-01-01,\n"
        "91320594MA1XXXXX2K,丙,inf,,2019-01-01,\n91320594MA1XXXXX3K,丁,100,-5,2019-01-01,\n"
        "91320594MA1XXXXX4K,戊,100,,2099-01-01,\n91320594MA1XXXXX5K,己,100,,2019-01-01,50\n"
        "91320594MA1XXXXX6K,庚,100,5,2019-01-01,0.1\n",
        encoding="utf-8",
    )  # fmt: skip
    r = cli("screen", reg, "--out", tmp_path / "out.parquet", "--as-of", "2025-09-01")
    assert "Traceback" not in r.output and "7 rows in = 1 screened + 6 rejected" in r.output
    for n, why in [(1, "out of range"), (2, "not a finite number"), (3, "not a finite number"), (4, "out of range"),
                   (5, "in the future"), (6, "rd_ratio: out of range")]:  # fmt: skip
        assert f"rejected row {n}: " in r.output and why in r.output.split(f"rejected row {n}: ")[1].splitlines()[0]
