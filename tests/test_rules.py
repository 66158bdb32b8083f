"""Rules engine: bundled rule files, the calculator, stacking and document caps."""

from __future__ import annotations

import json
import re
from datetime import date
from functools import lru_cache

import pytest
from conftest import CORPUS, ROOT

from zhengce.rules.engine import evaluate
from zhengce.rules.generate import merge_reviewed
from zhengce.rules.model import RuleFile, load_rules, rules_dir
from zhengce.rules.profile import EnterpriseProfile

EXAMPLE = ROOT / "examples" / "profile.json"
REVIEWED_DOCS = {f"003_984d27a47f4e90c5:{n}" for n in ("01", "03", "04", "05", "07", "11")}


@lru_cache(maxsize=1)
def rules():
    return tuple(load_rules())


def profile(**changes) -> EnterpriseProfile:
    data = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    data.update(changes)
    return EnterpriseProfile.model_validate(data)


def by_id(ev):
    return {r.rule.rule_id: r for r in ev.results}


def test_bundled_rules_cite_exact_text_and_the_dense_documents_are_reviewed():
    rs = rules()
    assert len(rs) >= 200
    lines = {f.name: f.read_text(encoding="utf-8").split("\n") for f in CORPUS.glob("*.txt")}
    for r in rs:
        c = r.citation
        assert c.quote and c.quote in lines[c.file][c.line - 1], r.rule_id
        # a rule never pays every firm by default: someone is named, a spend decides it, or it is undetermined
        decided = r.formula.type in ("unknown", "rate", "step", "per_unit") or (
            r.formula.type == "alternatives" and all(o.conditions for o in r.formula.options))
        assert r.conditions or decided or r.status == "reviewed", r.rule_id
        names = [getattr(x, "name", "") for x in r.conditions]
        assert not any(re.match(r"^(?:[（(]?[一二三四五六七八九十\d]+[、.．)）])", n) or n.endswith("支持对象") for n in names), r.rule_id
    for doc in REVIEWED_DOCS:
        mine = [r for r in rs if r.citation.doc_id == doc]
        reviewed = [r for r in mine if r.status == "reviewed"]
        assert reviewed and all(r.review_note for r in reviewed), doc  # new clauses read since then stay extracted
    assert any(r.status == "extracted" for r in rs)


def test_compute_voucher_amount_citation_and_stacking_across_documents():
    ev = evaluate(profile().to_row(date(2025, 9, 1)), list(rules()), date(2025, 9, 1))
    res = by_id(ev)
    robot = res["003_984d27a47f4e90c5:03/L131/2"]  # 具身智能: 20% of compute spend, ≤200万/year
    assert (robot.status, robot.amount_min_yuan, robot.amount_max_yuan) == ("eligible", 840_000, 840_000)
    ai = res["003_984d27a47f4e90c5:04/L167/1"]  # the same voucher in the AI+ measures
    assert ai.status == "superseded" and "就高不重复" in ai.reason
    supplier = res["003_984d27a47f4e90c5:04/L167/2"]
    assert supplier.status == "needs-info" and supplier.missing_fields == ["spend.compute_contract"]
    # 001 L83: one rule, its rate chosen by class: the profile's known qualifications name neither
    # 先导产业 nor 高新技术产业, so 其他产业 6% of 6200万 = 372万 (under its 600万 cap), not 12%+10%+6%
    equip = [r for r in ev.results if r.rule.citation.line == 83 and r.rule.citation.file.startswith("001")]
    assert [(r.status, r.amount_max_yuan, r.option) for r in equip if r.status == "eligible"] == [("eligible", 3_720_000, "其他产业")]
    lo, hi, open_ended = ev.totals()
    assert lo == hi == 840_000 + 3_720_000 and open_ended >= 1


def test_not_eligible_names_the_failing_condition_and_needs_info_the_fields():
    ev = evaluate(profile(industries=["生物医药"]).to_row(date(2025, 9, 1)), list(rules()), date(2025, 9, 1))
    r = by_id(ev)["003_984d27a47f4e90c5:03/L131/2"]
    assert r.status == "not-eligible" and "具身智能机器人" in r.reason
    blank = EnterpriseProfile(credit_code="91320594MA1XXXXX0K", name="空白企业")
    ev = evaluate(blank.to_row(date(2025, 9, 1)), list(rules()), date(2025, 9, 1))
    r = by_id(ev)["003_984d27a47f4e90c5:01/L11/3"]
    # a firm that does not say where it is: a 苏州市 rule cannot be decided either
    assert r.status == "needs-info" and r.missing_fields == ["jurisdiction", "honours", "industries"]


def test_honour_dates_and_levels_count_as_of_the_date():
    p = profile(industries=["智能车联网/新能源汽车"])
    before = by_id(evaluate(p.to_row(date(2025, 6, 30)), list(rules()), date(2025, 6, 30)))
    after = by_id(evaluate(p.to_row(date(2025, 7, 2)), list(rules()), date(2025, 7, 2)))
    rid = "003_984d27a47f4e90c5:01/L11/4"  # 国家级“小巨人”, awarded 2025-07-01; measures in force from 2025-07-01
    assert rid not in before  # not yet in force on 2025-06-30, so excluded
    assert after[rid].status in ("eligible", "superseded")


def test_expired_documents_are_excluded_unless_asked():
    p = profile()
    ev = evaluate(p.to_row(date(2029, 1, 1)), list(rules()), date(2029, 1, 1))
    assert all(r.rule.valid_until is None or r.rule.valid_until >= date(2029, 1, 1) for r in ev.results)
    assert ev.excluded_expired > 50
    ev = evaluate(p.to_row(date(2029, 1, 1)), list(rules()), date(2029, 1, 1), include_expired=True)
    robot = by_id(ev)["003_984d27a47f4e90c5:03/L131/2"]
    assert robot.status == "not-eligible" and "已失效" in robot.reason


def test_cross_border_document_cap_of_8_million():
    p = profile(
        industries=["跨境电商"],
        qualifications=[],  # the spend on the independent site shows 建设运营独立站 (decided_by)
        honours=[{"name": "跨境电商标杆企业"}],
        spend={"independent_site_spend": 50_000_000},
    )
    ev = evaluate(p.to_row(date(2025, 9, 1)), list(rules()), date(2025, 9, 1))
    cross = [r for r in ev.results if r.rule.citation.doc_id == "003_984d27a47f4e90c5:05" and r.status == "eligible"]
    step = next(r for r in cross if r.rule.rule_id.endswith("L211/2"))
    # 20万 + 3万 per further 10万 over 50万 of 5000万 = 1505万, plus 标杆 up to 150万: far over the 800万 cap.
    # The fixed 20万 alone is under it, so the document pays 20万–800万, shared out in proportion; no rule is cut to 0
    # guaranteed amounts (fixed, steps) alone exceed the cap: each keeps a share, an "up to" amount has no room left
    assert "文件累计上限" in step.reason and all(r.amount_max_yuan > 0 for r in cross if r.amount_min_yuan)
    assert sum(r.amount_max_yuan for r in cross) == 8_000_000
    assert sum(r.amount_min_yuan or 0 for r in cross) == 8_000_000  # min and max are both the cap


def test_unknown_and_bad_profile_fields_are_named():
    from pydantic import ValidationError

    from zhengce.rules.profile import profile_error

    data = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    for change, words in [
        ({"revenu": 1}, "unknown field 'revenu'"),
        ({"honours": [{"name": "不存在的荣誉"}]}, "unknown honour"),
        ({"credit_code": "123"}, "credit_code"),
        ({"jurisdiction": "火星市"}, "unknown place '火星市'"),
        ({"qualifications": ["先导产"]}, "did you mean 先导产业"),  # an unknown qualification suggests close ones
        ({"spend": {"compute": 1}}, "unknown field 'spend.compute'"),
    ]:
        with pytest.raises(ValidationError) as exc:
            EnterpriseProfile.model_validate({**data, **change})
        assert words in profile_error(exc.value)


def test_regenerating_keeps_reviewed_rules():
    path = next(rules_dir().glob("003_984d27a47f4e90c5_05.json"))
    old = RuleFile.model_validate_json(path.read_text(encoding="utf-8"))
    fresh = RuleFile(doc_id=old.doc_id, doc_title=old.doc_title, rules=[r.model_copy(update={"status": "extracted", "departments": []}) for r in old.rules])
    merged = merge_reviewed(fresh, old)
    assert merged.rules == old.rules
