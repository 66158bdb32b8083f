"""Fact extraction on the real corpus and on adversarial sentences."""

from __future__ import annotations

from functools import lru_cache

import pytest
from conftest import F003, doc_at, parsed, source

from zhengce.corpus.text import SourceText
from zhengce.corpus.parse import parse_source
from zhengce.extract.departments import find_tags, registry
from zhengce.extract.pipeline import extract_document


@lru_cache(maxsize=None)
def facts_of(name: str, line: int, kind: str):
    return tuple(f for f in extract_document(source(name), doc_at(name, line)) if f.fact_kind == kind)


def facts_in_text(text: str, kind: str = "benefit"):
    src = SourceText.from_text("t.txt", text)
    out = []
    for doc in parse_source(src):
        out += [f for f in extract_document(src, doc) if f.fact_kind == kind]
    return out


def test_every_fact_quote_is_the_exact_original_slice():
    for name in ("001_4ab648cdb3ed3e85.txt", F003, "004_525e83cf13fa38d7.txt"):
        src = source(name)
        for doc in parsed(name):
            for f in extract_document(src, doc):
                assert f.quote == src.text[f.start : f.end], f
                assert src.line_of(f.start) == f.line


def test_capped_per_year_benefit_with_duration_and_cumulative_cap():
    b = [f for f in facts_of(F003, 1, "benefit") if f.line == 11 and f.amount_yuan == 2_000_000][0]
    assert (b.period, b.max_years, b.cap_total_yuan, b.amount_is_cap) == ("per_year", 5, 10_000_000, True)
    assert "独角兽培育企业" in b.beneficiary
    assert b.departments == ["市科技局", "市工信局"]


def test_threshold_is_not_a_benefit_and_rate_keeps_its_base():
    line13 = [f for f in facts_of(F003, 1, "benefit") if f.line == 13]
    assert all(f.amount_yuan != 50_000_000 for f in line13)  # 设备投入5000万元以上 is a threshold
    rate = [f for f in line13 if f.kind == "rate"][0]
    assert rate.rate == pytest.approx(0.05) and rate.base == "设备投资额" and rate.amount_yuan is None
    interest = [f for f in line13 if f.kind == "interest"][0]
    assert interest.rate == pytest.approx(0.03)


def test_tiers_give_one_benefit_each():
    tiers = [f for f in facts_of(F003, 111, "benefit") if f.line == 121 and f.tiers == 5]
    assert [t.amount_yuan for t in tiers] == [20_000_000, 20_000_000, 10_000_000, 5_000_000, 5_000_000]
    assert [t.tier for t in tiers] == [1, 2, 3, 4, 5]


def test_step_function_of_independent_sites():
    l211 = [f for f in facts_of(F003, 183, "benefit") if f.line == 211]
    assert {(f.kind, f.amount_yuan) for f in l211} == {("fixed", 200_000), ("step", 30_000)}
    step = next(f for f in l211 if f.kind == "step")
    assert step.step_yuan == 100_000


def test_rate_range_is_a_range_not_a_guess():
    b = [f for f in facts_of(F003, 866, "benefit") if f.line == 884 and f.rate_max is not None][0]
    assert (b.rate, b.rate_max, b.amount_yuan) == (pytest.approx(0.1), pytest.approx(0.3), 10_000_000)


def test_amounts_that_point_elsewhere_are_explicit_unknowns():
    reasons = {f.unknown_reason for f in facts_of(F003, 866, "benefit") if f.kind == "unknown"}
    assert {"一事一议", "按相关政策"} <= reasons
    for f in facts_of(F003, 866, "benefit"):
        if f.kind == "unknown":
            assert f.amount_yuan is None and f.rate is None


def test_interpretation_and_duplicate_copies_give_no_benefits():
    producer = facts_of(F003, 335, "benefit")
    assert producer and all(f.line < 381 for f in producer)  # the 解读 repeats the amounts
    assert facts_of(F003, 718, "benefit") == ()  # the duplicated plan


def test_document_cap_precedence_and_highest_only_scopes():
    s = facts_of(F003, 183, "stacking")
    cap = next(f for f in s if f.kind == "document_cap")
    assert cap.cap_total_yuan == 8_000_000 and cap.line == 237
    assert any(f.kind == "precedence" and f.scope == "this_document_prevails" for f in s)
    scopes = {f.scope for f in facts_of(F003, 562, "stacking") if f.kind == "highest_only"}
    assert scopes == {"same_project"}
    assert {f.scope for f in facts_of(F003, 1, "stacking") if f.kind == "highest_only"} == {"same_subject_same_category"}
    assert any(f.kind == "exclusion" for f in facts_of(F003, 335, "stacking"))


def test_honours_industries_and_thresholds():
    conds = facts_of(F003, 141, "condition")
    honours = {(c.name, c.level) for c in conds if c.kind == "honour"}
    assert ("高新技术企业", None) in honours
    assert ("专精特新“小巨人”企业", "国家级") in honours
    assert any(c.kind == "industry" and c.name == "人工智能" for c in conds)
    producer = [c for c in facts_of(F003, 335, "condition") if c.kind == "threshold" and c.line == 351]
    assert {(c.operator, c.value, c.unit) for c in producer} >= {(">=", 1e9, "元"), (">=", 5.0, "%"), (">=", 2.0, "%")}
    ages = {c.value for c in facts_of(F003, 796, "condition") if c.kind == "threshold" and c.unit == "周岁"}
    assert {35.0, 45.0, 50.0, 55.0} <= ages
    patents = [c for c in facts_of(F003, 1935, "condition") if c.kind == "threshold" and c.unit == "件"]
    assert {c.value for c in patents} >= {50.0, 5.0, 20.0, 2.0}


def test_targets_from_tables_and_prose():
    (plan,) = parsed("002_6bd1bcc28a376460.txt")
    t = extract_document(source("002_6bd1bcc28a376460.txt"), plan)
    table2 = [f for f in t if f.fact_kind == "target" and f.target_year == 2025 and f.attribute]
    assert len(table2) == 36
    gdp = next(f for f in table2 if f.indicator.startswith("地区生产总值年均增速"))
    assert (gdp.base_value, gdp.base_year, gdp.target_value, gdp.unit, gdp.attribute, gdp.category) == (
        "6.5", 2020, "6.5", "%", "预期性", "综合经济实力"
    )
    assert any(f.attribute == "约束性" for f in table2)
    table1 = [f for f in t if f.fact_kind == "target" and f.target_year == 2020 and f.attribute]  # 十三五 执行情况
    assert len(table1) == 22 and all(f.actual_value and f.base_value is None for f in table1)
    (p000,) = parsed("000_dbddc715565796ea.txt")
    t0 = [f for f in extract_document(source("000_dbddc715565796ea.txt"), p000) if f.fact_kind == "target"]
    trade = next(f for f in t0 if f.indicator == "进出口总额")
    assert (trade.unit, trade.base_value, trade.base_year, trade.target_year) == ("亿美元", "3054", 2015, 2020)
    prose = [f for f in facts_of(F003, 624, "target") if f.target_year == 2027]
    assert any(f.target_number == 3500 and f.unit == "亿元" for f in prose)


def test_task_table_rows_and_task_paragraphs():
    (d004,) = parsed("004_525e83cf13fa38d7.txt")
    tasks = [f for f in extract_document(source("004_525e83cf13fa38d7.txt"), d004) if f.fact_kind == "task"]
    rows = [t for t in tasks if t.path.startswith("附件")]
    assert len(rows) == 104
    assert rows[1].departments == ["苏州金融监管分局"]
    assert sum(1 for r in rows if r.main_text_line) >= 20
    assert any("下一步" in r.status_words for r in rows)
    para = [t for t in facts_of(F003, 3112, "task") if t.lead_departments]
    assert para and para[0].lead_departments == ["市商务局", "市行政审批局", "市司法局"]
    assert set(para[0].lead_departments) < set(para[0].departments)  # cooperating units follow the leads


def test_fines_resolve_the_articles_they_punish():
    pens = facts_of(F003, 2804, "penalty")
    p = next(f for f in pens if f.line == 3004)
    assert (p.min_yuan, p.max_yuan, p.refers_to) == (1000, 3000, "第三十一条")
    assert source(F003).line(p.refers_to_lines[0]).startswith("第三十一条")
    gas = next(f for f in facts_of(F003, 2480, "penalty") if f.line == 2774)
    assert (gas.min_yuan, gas.max_yuan) == (50_000, 500_000)


def test_deadlines():
    d = facts_of(F003, 241, "deadline")
    assert {(x.kind, x.amount) for x in d} >= {("working_days", 2), ("working_days", 20)}


@pytest.mark.parametrize(
    "raw, canonical",
    [
        ("市大数据局", "市数据局"),
        ("大数据集团", "苏数科集团"),
        ("市金融监管局", "市委金融办"),
        ("人民银行苏州中心支行", "人民银行苏州市分行"),
        ("人行苏州中支", "人民银行苏州市分行"),
        ("苏州市工业和信息化局", "市工信局"),
        ("商务局", "市商务局"),
        ("各县级市<区>人民政府<管委会>", "各县级市（区）人民政府（管委会）"),
        ("某某新设机构", "某某新设机构"),
    ],
)
def test_department_registry_aliases_and_renames(raw, canonical):
    assert registry().canonical(raw) == canonical


def test_department_tag_forms():
    t = find_tags("（牵头单位：市商务局；主要责任单位：市发改委、市财政局）")[0]
    assert (t.lead, t.cooperating, t.form) == (("市商务局",), ("市发改委", "市财政局"), "lead-and-main")
    t = find_tags("（市协调办牵头，市相关部门及各市<区>按职责分工负责）")[0]
    assert t.lead == ("市协调办",) and t.form == "duty"
    t = find_tags("(责任单位：市工信局、市大数据局)")[0]
    assert t.all == ("市工信局", "市数据局")
    t = find_tags("（市税务局、市财政局按职责分工负责）")[0]
    assert t.cooperating == ("市税务局", "市财政局")
    assert find_tags("（以下简称“中介超市”）") == []
    assert find_tags("（2024～2026年）") == []


@pytest.mark.parametrize(
    "sentence, expected",
    [
        ("对认定的企业，给予最高1.5亿元支持。", [("fixed", 150_000_000, None)]),
        ("对认定的企业，给予二十万元一次性奖励。", [("fixed", 200_000, None)]),
        ("对设备投入超过５０００万元的项目，按投资额的１０％给予补助，最高５００万元。", [("rate", 5_000_000, 0.1)]),
        ("对年营业收入10亿元以上的企业，给予3个百分点贴息。", [("interest", None, 0.03)]),
        ("对入选企业按照并购金额的5‰给予奖励。", [("rate", None, 0.005)]),
        ("研发投入占比不低于5%的企业可以申报。", []),
        ("市政府设立2亿元风险补偿资金。", []),
        ("严格执行小微企业报价10%扣除政策，支持小微企业。", []),
        ("对项目投入不少于500万元的，给予不少于50万元奖励。", [("fixed", None, None)]),
    ],
)
def test_adversarial_benefit_sentences(sentence, expected):
    got = [(f.kind, f.amount_yuan, round(f.rate, 6) if f.rate is not None else None) for f in facts_in_text("苏州市测试若干措施\n\n一、" + sentence)]
    assert got == expected


def test_injection_and_garbage_text_extracts_nothing_harmful():
    text = "苏州市测试若干措施\n\n一、给予'; DROP TABLE facts; --万元<script>alert(1)</script>奖励。\n二、" + "给予" * 2000
    facts = facts_in_text(text)
    assert all(f.amount_yuan is None for f in facts)


def test_period_words_that_are_not_payment_periods():
    (b,) = facts_in_text("苏州市测试若干措施\n\n一、每年实施不超过10个项目，每项给予不超过100万元的资金支持。")
    assert (b.amount_yuan, b.period) == (1_000_000, None)
    (b,) = facts_in_text("苏州市测试若干措施\n\n一、对认定的企业每年给予最高20万元奖励。")
    assert (b.amount_yuan, b.period) == (200_000, "per_year")
    (b,) = facts_in_text("苏州市测试若干措施\n\n一、对项目投入不少于500万元的，给予不少于50万元奖励。")
    assert (b.floor_yuan, b.amount_yuan) == (500_000, None)
