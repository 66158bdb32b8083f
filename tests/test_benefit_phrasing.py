"""Benefit extraction that reads any city's phrasing: grants without a number, periods and
durations, shared and unusual amounts, and who receives the money (issue 8, points 4, 5, 7, 8).

Sentences are written the way policy texts write them; the real lines come from the bundled
corpus (001 L83, 003 L634 and the 常熟 package at 003 L1445-1530).
"""

from __future__ import annotations

from functools import lru_cache

import pytest
from conftest import F003, parsed, source

from zhengce.corpus.parse import parse_source
from zhengce.corpus.text import SourceText
from zhengce.extract.pipeline import extract_document

F001 = "001_4ab648cdb3ed3e85.txt"


def benefits(sentence: str):
    src = SourceText.from_text("t.txt", "某市促进产业发展若干措施\n\n一、" + sentence)
    return [f for doc in parse_source(src) for f in extract_document(src, doc, {"benefit"})]


@lru_cache(maxsize=None)
def corpus_benefits(name: str) -> tuple:
    src = source(name)
    return tuple(f for doc in parsed(name) for f in extract_document(src, doc, {"benefit"}))


def on_line(name: str, line: int):
    return [f for f in corpus_benefits(name) if f.line == line]


def one(sentence: str):
    (b,) = benefits(sentence)
    return b


# --- point 4: grants without a number are never dropped, never guessed ----------------------


def test_changshu_package_insurance_premiums_and_trade_fairs_are_unknown_amounts():
    l1505 = on_line(F003, 1505)
    assert [(b.kind, b.unknown_reason, b.amount_yuan, b.rate) for b in l1505] == [("unknown", "unspecified", None, None)] * 2
    assert "保费给予补贴" in l1505[0].quote and "集体参保的给予保费补贴" in l1505[1].quote
    assert [b.beneficiary_class for b in l1505] == ["enterprise", "organisation"]  # 企业; 行业协会、商会
    (fairs,) = on_line(F003, 1519)
    assert (fairs.kind, fairs.unknown_reason) == ("unknown", "一定比例")
    assert "给予一定比例的资金扶持" in fairs.quote
    assert [(b.kind, b.unknown_reason) for b in on_line(F003, 1485)] == [("unknown", "适当")]
    assert [(b.kind, b.unknown_reason) for b in on_line(F003, 1523)] == [("unknown", "定额")]


def test_changshu_package_lends_and_schedules_are_not_grants():
    assert on_line(F003, 1497) == []  # 予以支持 by loans (续贷、展期): no money granted
    assert on_line(F003, 1513) == []  # 优先申报省级专项资金: applying elsewhere


@pytest.mark.parametrize(
    "sentence, reason",
    [
        ("对参加境外展的企业，对其展位费给予一定比例的资金扶持。", "一定比例"),
        ("对企业投保出口信用保险的保费给予补贴。", "unspecified"),
        ("对受疫情影响较大的餐饮企业防疫支出给予适当补贴。", "适当"),
        ("对保障生活物资供应的物流企业给予定额补助。", "定额"),
        ("对新认定的市级工业互联网平台给予奖补。", "unspecified"),
        ("对引进的重大项目，市财政予以资金支持。", "unspecified"),
        ("对新认定的总部企业，按相关规定给予奖励。", "按相关政策"),
        ("对特别重大的产业项目，按“一事一议”给予支持。", "一事一议"),
    ],
)
def test_grants_without_a_number_are_unknown_with_a_reason(sentence, reason):
    b = one(sentence)
    assert (b.kind, b.unknown_reason, b.amount_yuan, b.rate, b.floor_yuan) == ("unknown", reason, None, None, None)


@pytest.mark.parametrize(
    "sentence",
    [
        "鼓励企业加大研发投入，支持企业做大做强。",  # a target, no grant
        "支持龙头企业牵头组建创新联合体，推动产业链协同发展。",
        "区政府每年安排300万元资金用于支持产业发展。",  # a fund size
        "设立总规模10亿元的产业引导基金，支持重点产业发展。",
        "奖励资金分三年按30%、30%、40%拨付。",  # a payment schedule
        "对同一项目，不重复给予奖励。",  # a stacking rule
        "对骗取补贴资金的，由主管部门收回补贴。",
        "鼓励银行给予企业贷款利率优惠。",
    ],
)
def test_targets_funds_schedules_and_stacking_rules_are_not_benefits(sentence):
    assert benefits(sentence) == []


def test_an_unknown_clause_does_not_swallow_a_stated_amount_in_the_same_sentence():
    got = benefits("对新认定的国家级技术中心给予100万元奖励，对新认定的市级技术中心给予适当奖励。")
    assert [(b.kind, b.amount_yuan, b.unknown_reason) for b in got] == [("fixed", 1_000_000, None), ("unknown", None, "适当")]
    assert got[0].quote.endswith("给予100万元奖励") and got[1].quote.startswith("对新认定的市级技术中心")


# --- point 7: periods and durations ---------------------------------------------------------


def test_front_and_back_years_split_into_one_benefit_per_phase():
    first, second = benefits("对入驻园区的企业，前3年按实际租金的100%给予补贴，后2年按实际租金的50%给予补贴。")
    assert (first.kind, first.rate, first.base, first.max_years, first.first_year, first.period) == ("rate", 1.0, "实际租金", 3, 1, "per_year")
    assert (second.kind, second.rate, second.max_years, second.first_year, second.period) == ("rate", 0.5, 2, 4, "per_year")


def test_phases_in_chinese_numerals_with_yearly_caps():
    first, second = benefits("对新引进的总部企业，前三年（按年度）给予每年最高100万元补贴，后两年给予每年最高50万元补贴。")
    assert (first.amount_yuan, first.amount_is_cap, first.max_years, first.first_year, first.period) == (1_000_000, True, 3, 1, "per_year")
    assert (second.amount_yuan, second.max_years, second.first_year, second.period) == (500_000, 2, 4, "per_year")


def test_year_by_year_amounts_are_phases_not_tiers():
    got = benefits("对在孵化载体内创办初创企业的，按照第一年每月1200元、第二年每月1000元、第三年每月700元标准给予租金补贴。")
    assert [(b.amount_yuan, b.first_year, b.max_years, b.period, b.tier) for b in got] == [
        (1200, 1, 1, "per_month", None),
        (1000, 2, 1, "per_month", None),
        (700, 3, 1, "per_month", None),
    ]


def test_listed_years_pair_with_a_rate_list():
    got = benefits("对新落户的软件企业，在落户后第一、二、三个完整会计年度，分别给予区经济贡献100%、50%、50%的奖励，每家企业三年累计不超过1亿元。")
    assert [(b.rate, b.first_year, b.max_years, b.period, b.cap_total_yuan, b.tier) for b in got] == [
        (1.0, 1, 1, "per_year", 100_000_000, None),
        (0.5, 2, 1, "per_year", 100_000_000, None),
        (0.5, 3, 1, "per_year", 100_000_000, None),
    ]
    assert all(b.cap_per_year_yuan is None for b in got)  # 三年累计: over three years, not per year


def test_yearly_cap_of_a_rate():
    b = one("对企业租用公共服务平台的，按实际支付费用的50%给予补贴，每家企业年度最高不超过100万元。")
    assert (b.kind, b.rate, b.amount_yuan, b.amount_is_cap, b.cap_per_year_yuan, b.period) == ("rate", 0.5, 1_000_000, True, 1_000_000, "per_year")
    assert b.cap_scope == "per_enterprise"


@pytest.mark.parametrize(
    "sentence, cap",
    [
        ("对企业开展的检验检测，按实际发生费用的30%给予补贴，每年度最高50万元。", 500_000),
        ("对跨境电商企业租用海外仓的，按实际租金的20%给予补助，年度补贴总额不超过100万元。", 1_000_000),
    ],
)
def test_yearly_cap_wordings(sentence, cap):
    b = one(sentence)
    assert (b.kind, b.amount_yuan, b.cap_per_year_yuan, b.period, b.cap_total_yuan) == ("rate", cap, cap, "per_year", None)


def test_yearly_cap_after_a_per_grant_cap_does_not_make_the_grant_yearly():
    b = one("对技术交易项目，按实际支付额的20%，给予企业最高20万元补助，每家企业每年不超过100万元。")
    assert (b.rate, b.amount_yuan, b.cap_per_year_yuan, b.period) == (0.2, 200_000, 1_000_000, None)


@pytest.mark.parametrize(
    "sentence, years, period",
    [
        ("对认定的研发机构，按研发投入的10%给予补助，补贴期限为3年。", 3, "per_year"),
        ("对入驻企业，按租金的50%给予补贴，最长不超过5年。", 5, "per_year"),
        ("对认定的独角兽企业，连续三年每年给予最高200万元奖励。", 3, "per_year"),
        ("对龙头企业，按上年销售贡献给予分档奖励，最高不超过200万元，同一企业连续支持不超过2年。", 2, "per_year"),
        ("对新引进的重大产业项目，五年内给予最高500万元奖励。", 5, None),  # a window, not yearly payments
        ("对新引进的都市型工业企业，3 年内给予最高100万元奖励。", 3, None),
    ],
)
def test_durations(sentence, years, period):
    b = one(sentence)
    assert (b.max_years, b.period) == (years, period)


def test_a_condition_over_years_is_not_a_duration():
    b = one("对连续三年营业收入增长超过20%的企业，给予50万元奖励。")
    assert (b.amount_yuan, b.max_years, b.period) == (500_000, None, None)
    b = one("对新投资设立且2年内研发投入达到1000万元的企业，给予50万元一次性奖励。")
    assert (b.max_years, b.period) == (None, "one_off")


def test_monthly_amount_per_person():
    b = one("对引进的高校毕业生，按每人每月500元给予生活补贴，最长不超过3年。")
    assert (b.kind, b.amount_yuan, b.per_unit, b.period, b.max_years, b.beneficiary_class) == ("fixed", 500, "人·月", "per_month", 3, "individual")


def test_monthly_rate_of_a_wage_and_per_trainee_amounts():
    got = benefits("根据每月实际见习人数，按照每人每月200元的标准，给予就业见习基地带教费补贴。")
    assert [(b.amount_yuan, b.per_unit, b.period) for b in got] == [(200, "人·月", "per_month")]
    b = one("按照每留用1人3000元的标准，给予就业见习基地留用奖励。")
    assert (b.amount_yuan, b.per_unit, b.period) == (3000, "人", None)


def test_a_later_sentence_sets_the_years_of_several_earlier_rates():
    got = benefits("对入驻企业，按实际租金的50%给予补贴；对符合条件的人才，按租金的30%给予补贴。补贴期限为3年。")
    assert [(b.rate, b.max_years, b.period) for b in got] == [(0.5, 3, "per_year"), (0.3, 3, "per_year")]
    assert got[1].beneficiary_class == "individual"


@pytest.mark.parametrize(
    "sentence, rate",
    [
        ("对企业新增技改贷款，按贷款利率的50%给予贴息，贴息期限最长不超过3年。", 0.5),
        ("对符合条件的项目，按基准利率的100%给予贴息。", 1.0),
        ("对制造业新建项目融资贷款，以优惠贷款利率为基准贴息40%，省、市各分担50%，单个项目贴息金额最高5000万元。", 0.4),
    ],
)
def test_interest_subsidies_written_as_a_share_of_the_rate(sentence, rate):
    b = one(sentence)
    assert (b.kind, b.rate) == ("interest", rate)


def test_interest_term_is_not_a_yearly_payment():
    b = one("对企业新增技改贷款，按贷款利率的50%给予贴息，贴息期限最长不超过3年。")
    assert (b.max_years, b.period) == (3, None)
    b = one("对企业新增技改贷款，按贷款利率的50%给予贴息，连续贴息3年。")
    assert (b.max_years, b.period) == (3, "per_year")


# --- point 8: shared and unusual amounts ----------------------------------------------------


def test_one_cap_after_a_tier_list_caps_every_tier():
    got = benefits("对整条生产线、整个车间和整个工厂进行智能化改造的项目，分别给予设备投资额12%、15%和20%的奖补，单个项目补助额不超过1000万元。")
    assert [(b.kind, b.rate, b.amount_yuan, b.amount_is_cap, b.tier, b.tiers) for b in got] == [
        ("rate", 0.12, 10_000_000, True, 1, 3),
        ("rate", 0.15, 10_000_000, True, 2, 3),
        ("rate", 0.2, 10_000_000, True, 3, 3),
    ]


def test_a_cap_sentence_after_several_rates_caps_them_all():
    got = benefits(
        "对1000万元以上技术改造项目，按设备投资额给予10%奖补。对整条生产线、整个车间智能化改造的项目，"
        "分别给予设备投资额12%、15%的奖补。单个项目补助额不超过1000万元。补助资金由市县按5:5比例承担。"
    )
    assert [(b.rate, b.amount_yuan) for b in got] == [(0.1, 10_000_000), (0.12, 10_000_000), (0.15, 10_000_000)]


def test_paired_caps_follow_paired_rates():
    got = benefits("对国家、省、市级公共服务平台，分别按照不超过实际租金的100%、70%、50%给予每年最高100万元、70万元、50万元的资助。")
    assert [(b.rate, b.amount_yuan, b.rate_is_cap, b.period, b.tier_label) for b in got] == [
        (1.0, 1_000_000, True, "per_year", "国家级"),
        (0.7, 700_000, True, "per_year", "省级"),
        (0.5, 500_000, True, "per_year", "市级"),
    ]


def test_001_line_83_three_industries_three_rates_three_caps():
    got = on_line(F001, 83)
    assert [(b.kind, b.rate, b.amount_yuan, b.amount_is_cap, b.tier, b.tiers, b.tier_label) for b in got] == [
        ("rate", 0.12, 10_000_000, True, 1, 3, "先导产业"),
        ("rate", 0.1, 8_000_000, True, 2, 3, "高新技术产业"),
        ("rate", 0.06, 6_000_000, True, 3, 3, "其他产业"),
    ]
    assert all(b.base == "项目投资额" and b.cap_scope == "per_project" for b in got)
    assert all("最高奖励额度分别为1000万元" in b.quote for b in got)  # the cap sentence is cited too


def test_003_line_634_thresholds_are_tier_labels_not_amounts():
    got = on_line(F003, 634)
    fixed = [b for b in got if b.kind == "fixed"]
    assert [(b.amount_yuan, b.period, b.tier, b.tier_label) for b in fixed] == [
        (500_000, "one_off", 1, "50人和1000万元"),
        (1_000_000, "one_off", 2, "100人和2000万元"),
    ]
    assert not any(b.amount_yuan in (10_000_000, 20_000_000) for b in got)


def test_level_tiers_are_labelled():
    got = benefits("对获得国家级、省级企业技术中心认定的企业，分别给予100万元、50万元奖励。")
    assert [(b.amount_yuan, b.tier_label) for b in got] == [(1_000_000, "国家级"), (500_000, "省级")]


def test_case_by_case_with_a_rate_ceiling():
    b = one("对投资规模特别巨大的项目，实行一事一议，补助比例最高不超过20%。")
    assert (b.kind, b.rate, b.rate_is_cap, b.amount_yuan, b.unknown_reason) == ("rate", 0.2, True, None, None)


@pytest.mark.parametrize(
    "sentence, amount, unit, period, cap_per_year",
    [
        ("对认定的孵化器，按20万元/家给予奖励，年度补贴总额不超过200万元。", 200_000, "家", "per_year", 2_000_000),
        ("对租用公共海外仓的企业，按40元/平方米/月给予租金补贴，每家企业年度最高不超过50万元。", 40, "平方米·月", "per_month", 500_000),
        ("对新开通的外贸航线，按50元/TEU给予补贴。", 50, "TEU", None, None),
        ("对跨境电商企业出口的包裹，按2元/件给予物流补贴。", 2, "件", None, None),
        ("对承揽海铁联运的货代公司，每年给予100元/标箱奖励。", 100, "标箱", "per_year", None),
    ],
)
def test_per_unit_amounts_with_their_yearly_caps(sentence, amount, unit, period, cap_per_year):
    b = one(sentence)
    assert (b.kind, b.amount_yuan, b.per_unit, b.period, b.cap_per_year_yuan) == ("fixed", amount, unit, period, cap_per_year)


def test_per_unit_amount_keeps_its_own_cap():
    b = one("对新引进的总部企业，按每平方米800元给予装修扶持，最高扶持300万元。")
    assert (b.amount_yuan, b.per_unit, b.cap_yuan, b.cap_total_yuan) == (800, "平方米", 3_000_000, None)
    b = one("对其自用办公用房租金给予最高100元/平方米/月的扶持，年扶持金额最高500万元，扶持时间三年。")
    assert (b.amount_yuan, b.per_unit, b.period, b.max_years, b.cap_per_year_yuan) == (100, "平方米·月", "per_month", 3, 5_000_000)


def test_rate_capped_per_unit():
    b = one("对规模以上软件企业的租金，按照不超过实际支付租金的50%，给予最高30元/平方米/月的租金补贴，最长补贴3年。")
    assert (b.kind, b.rate, b.rate_is_cap, b.amount_yuan, b.per_unit, b.period, b.max_years) == ("rate", 0.5, True, 30, "平方米·月", "per_month", 3)


def test_amount_per_step_of_a_quantity():
    got = benefits("展览面积60000平方米及以上的，每10000平方米给予10万元奖补，封顶200万元。")
    assert [(b.kind, b.amount_yuan, b.base, b.cap_yuan) for b in got] == [("step", 100_000, "每10000平方米", 2_000_000)]


def test_references_quotas_and_cost_shares_are_not_grants():
    got = benefits("对已获省级贴息的项目，在省级财政给予2%贴息的基础上，市级财政再给予1%的贴息支持。")
    assert [(b.kind, b.rate) for b in got] == [("interest", 0.01)]
    assert benefits("企业最高可申请总项目投资50%的贷款贴息额度。") == []
    b = one("对新建项目，按设备投资的10%给予补助，省、市各分担50%，单个项目最高500万元。")
    assert (b.rate, b.amount_yuan) == (0.1, 5_000_000)


def test_items_under_a_heading_that_announces_the_rates():
    text = "某市促进产业发展若干措施\n\n第一条 支持设备类投资\n（一）经认定给予不超过投资额20%的支持，最高不超过5亿元。具体支持标准为：\n（1）1000万元-1亿元(不含)的按照5%；\n（2）1亿元-10亿元(不含)的按照10%；"
    src = SourceText.from_text("t.txt", text)
    got = [f for doc in parse_source(src) for f in extract_document(src, doc, {"benefit"})]
    assert [(b.kind, b.rate, b.amount_yuan) for b in got] == [("rate", 0.2, 500_000_000), ("rate", 0.05, None), ("rate", 0.1, None)]


# --- point 5: who receives the money --------------------------------------------------------


@pytest.mark.parametrize(
    "sentence, cls",
    [
        ("对县级市（区）给予奖励100万元。", "government"),
        ("单个项目将给予所在县级市（区）最高300万元奖励。", "government"),
        ("按照县级市政府实际补助企业金额的10%给予各市（区）政府奖励。", "government"),
        ("对新引进的顶尖人才，给予最高500万元安家补贴。", "individual"),
        ("对来苏就业的高校毕业生，给予每人5000元一次性生活补贴。", "individual"),
        ("对合作银行发放的首贷，给予本金损失50%的风险补偿。", "financial_institution"),
        ("对融资担保机构开展的小微企业担保业务，按担保额的1%给予补助。", "financial_institution"),
        ("对保险机构开发的科技保险产品，给予最高50万元奖励。", "financial_institution"),
        ("对高校、科研院所转化科技成果的，给予最高100万元奖励。", "organisation"),
        ("对牵头制定国际标准的行业协会，给予30万元奖励。", "organisation"),
        ("对引进博士的企业，给予每人10万元补贴。", "enterprise"),
        ("企业每招用1名高校毕业生，给予1000元补贴。", "enterprise"),
        ("对各类企业、高等院校、科研院所新建的重点实验室，给予最高2000万元支持。", "enterprise"),
        ("对企业向银行申请的技改贷款，按贷款利率的50%给予贴息。", "enterprise"),
        ("对人才公寓的建设运营主体，给予最高200万元补贴。", "enterprise"),
    ],
)
def test_beneficiary_class(sentence, cls):
    assert [b.beneficiary_class for b in benefits(sentence)] == [cls]


def test_beneficiary_class_on_real_lines():
    assert {b.beneficiary_class for b in on_line(F003, 205)} == {"government"}  # 所在县级市（区）
    assert {b.beneficiary_class for b in on_line(F003, 369) if b.kind == "rate"} == {"government"}
    assert {b.beneficiary_class for b in on_line(F003, 37) if b.kind == "fixed"} == {"financial_institution"}  # 风险补偿
    assert {b.beneficiary_class for b in on_line(F003, 173) if b.kind == "fixed"} == {"individual"}  # 博士、硕士毕业生
    assert {b.beneficiary_class for b in on_line(F003, 1501)} == {"financial_institution"}  # 农商银行
    assert {b.beneficiary_class for b in on_line(F003, 1186)} == {"enterprise"}  # 县级市（区）可给予: the payer
    assert all(b.beneficiary_class for b in corpus_benefits(F003))


def test_who_pays_this_documents_own_benefits_is_not_a_new_benefit():
    from zhengce.corpus.parse import bundled_corpus, parse_source
    from zhengce.corpus.text import read_source
    from zhengce.extract.pipeline import extract_document

    src = read_source(bundled_corpus() / "003_984d27a47f4e90c5.txt")
    doc = next(d for d in parse_source(src) if d.span.start_line <= 369 <= d.span.end_line)
    on_369 = [f for f in extract_document(src, doc, kinds={"benefit"}) if f.line == 369]
    # 各市（区）政府…依据本意见相关条款给予财政补助: a pointer to the opinion's own grants
    assert not any(f.kind == "unknown" and "依据本意见" in f.quote for f in on_369)
    assert sorted(f.rate for f in on_369 if f.kind == "rate") == [0.1, 0.3]  # the rewards to governments stay


def test_instalments_after_a_schedule_are_not_new_benefits():
    found = benefits("每年实施不超过10个项目，每项给予不超过100万元的资金支持。项目经费分两期拨付，立项后给予30万元经费支持，项目实施验收合格后，给予不超过70万元的奖励支持。")
    assert [b.amount_yuan for b in found] == [1_000_000]


def test_amounts_in_wan_without_yuan_after_a_grant_word():
    found = benefits("对新认定的市服务型制造示范项目，给予每家一次性奖励50万，单个企业最高不超过200万。")
    assert [b.amount_yuan for b in found][:1] == [500_000] and found[0].period == "one_off"
    assert on_line(F001, 65)[0].amount_yuan == 500_000  # 001 L65: 给予每家一次性奖励50万
