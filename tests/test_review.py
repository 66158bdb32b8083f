"""The review queue (issue 8): ranking by money at stake, rules read back in Chinese, decisions
(approve / correct / reject) through the CLI, the API and the page, the audit log, the lock,
and every server worker seeing a review at once."""

from __future__ import annotations

import json
import multiprocessing
import os
import shutil
import socket
import subprocess
import sys
import time
import warnings
from concurrent.futures import ProcessPoolExecutor
from datetime import date
from pathlib import Path

import pytest
from conftest import ROOT, file_digest

warnings.filterwarnings("ignore", category=DeprecationWarning)
from fastapi.testclient import TestClient  # noqa: E402

from zhengce import services  # noqa: E402
from zhengce.rules.describe import describe_rule, quote_segments  # noqa: E402
from zhengce.rules.model import Rule, RuleFile, load_rules, rules_dir, write_rule_file  # noqa: E402
from zhengce.rules.review import RuleSet, decide, log_path, read_log, rules_stamp  # noqa: E402
from zhengce.web.app import create_app  # noqa: E402

TOKEN = "s3cret"
AUTH = {"X-Admin-Token": TOKEN}
XSS = '<script>alert("x")</script>'


def rule(rule_id: str, formula: dict, conditions: list | None = None, **extra) -> Rule:
    doc_id = rule_id.split("/")[0]
    extra.setdefault("jurisdiction", "苏州市")  # the document's place: firms anywhere in 苏州市
    return Rule.model_validate({
        "rule_id": rule_id, "formula": formula, "conditions": conditions or [],
        "citation": {"doc_id": doc_id, "doc_title": "测试文件", "file": "t.txt", "line": 1, "path": "一、",
                     "quote": extra.pop("quote", "对符合条件的企业给予最高100万元奖励")},
        **extra,
    })  # fmt: skip


SOFTWARE = [{"type": "industry", "any": ["软件"]}]
RANKED = [  # (rule, where it must rank among the unreviewed); the reviewed rule is left out
    rule("T:01/L1/1", {"type": "fixed", "amount": 1_000_000}, SOFTWARE),  # 3 firms × 100万 = 300万
    rule("T:01/L2/1", {"type": "fixed", "amount": 100_000}),  # 8 firms × 10万 = 80万
    rule("T:01/L3/1", {"type": "unknown", "reason": "一事一议"}),  # amount unknown, reaches 8 firms
    rule("T:01/L4/1", {"type": "unknown", "reason": "按相关政策"}, [{"type": "industry", "any": ["人工智能"]}]),  # reaches 2
    rule("T:01/L5/1", {"type": "rate", "rate": 0.1, "base": "spend.equipment_investment"}, SOFTWARE),  # 1 firm: 10万
    rule("T:01/L6/1", {"type": "fixed", "amount": 5_000_000}, status="reviewed"),
    rule("T:01/L7/1", {"type": "fixed", "amount": 50_000_000}, [{"type": "industry", "any": ["金融"]}]),  # no firm
    rule("T:01/L8/1", {"type": "fixed", "amount": 10**9}, beneficiary_class="government"),  # not for firms
]
EXPECTED_ORDER = ["T:01/L1/1", "T:01/L2/1", "T:01/L5/1", "T:01/L3/1", "T:01/L4/1", "T:01/L7/1", "T:01/L8/1"]


@pytest.fixture
def small(tmp_path) -> tuple[Path, Path]:
    """A rules folder with the rules above and a registry of 8 firms (3 软件, 2 人工智能, 3 制造业)."""
    folder = tmp_path / "rules"
    folder.mkdir()
    write_rule_file(folder, RuleFile(doc_id="T:01", doc_title="测试文件", rules=RANKED))
    lines = ["credit_code,name,jurisdiction,industries,spend.equipment_investment"]
    for i, (ind, spend) in enumerate([("软件", "1000000"), ("软件", ""), ("软件", "0"), ("人工智能", "0"), ("人工智能", "0"),
                                      ("制造业", "0"), ("制造业", "0"), ("制造业", "0")], 1):  # fmt: skip
        lines.append(f"91320594MA1XXXX{i:02d}K,测试企业{i},昆山市,{ind},{spend}")
    registry = tmp_path / "registry.csv"
    registry.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder, registry


@pytest.fixture
def bundled_copy(tmp_path) -> Path:
    folder = tmp_path / "rules"
    shutil.copytree(rules_dir(), folder)
    return folder


# --- ranking --------------------------------------------------------------------------------


def test_queue_ranks_by_money_at_stake_then_by_reach(small, cli, ingested_db):
    folder, registry = small
    q = services.review_queue(RuleSet(folder), source=services.RegistrySource(registry), cache=services.StakeCache())
    assert [i["rule_id"] for i in q["items"]] == EXPECTED_ORDER
    by_id = {i["rule_id"]: i for i in q["items"]}
    assert by_id["T:01/L1/1"]["stake_yuan"] == 3_000_000 and by_id["T:01/L1/1"]["eligible_firms"] == 3
    assert by_id["T:01/L2/1"]["stake_yuan"] == 800_000 and by_id["T:01/L2/1"]["eligible_firms"] == 8
    five = by_id["T:01/L5/1"]  # 10% of 100万; one firm's spend is unknown, one's is 0
    assert (five["stake_yuan"], five["eligible_firms"], five["needs_info_firms"]) == (100_000, 1, 1)
    assert not by_id["T:01/L3/1"]["amount_known"] and by_id["T:01/L3/1"]["reach_firms"] == 8
    assert by_id["T:01/L4/1"]["reach_firms"] == 2
    assert by_id["T:01/L8/1"]["reach_firms"] == 0 and q["unreviewed"] == 7 and q["registry"]["firms"] == 8
    assert [i["rank"] for i in q["items"]] == list(range(1, 8))
    # the CLI and the API give the same queue
    out = cli("review", "queue", "--rules", folder, "--registry", registry, "--json")
    assert out.exit_code == 0, out.output
    assert [i["rule_id"] for i in json.loads(out.stdout)["items"]] == EXPECTED_ORDER
    api = TestClient(create_app(ingested_db, admin_token="", rules_path=folder, registry_path=registry))
    assert [i["rule_id"] for i in api.get("/api/review/queue").json()["items"]] == EXPECTED_ORDER
    assert [i["rule_id"] for i in api.get("/api/review/queue", params={"limit": 2, "offset": 1}).json()["items"]] == EXPECTED_ORDER[1:3]
    text = cli("review", "queue", "--rules", folder, "--registry", registry, "--limit", "3").stdout
    assert "T:01/L1/1" in text and "300万元" in text and "T:01/L3/1" not in text


def test_synthetic_registry_queue_on_the_bundled_rules(bundled_copy):
    cache = services.StakeCache()
    rs = RuleSet(bundled_copy)
    q = services.review_queue(rs, cache=cache)
    extracted = [r for r in load_rules(bundled_copy) if r.status == "extracted"]
    assert q["registry"] == {"source": "synthetic", "firms": 20_000, "seed": services.SYNTH_SEED}
    assert q["unreviewed"] == len(extracted) == len(q["items"]) and all(i["status"] == "extracted" for i in q["items"])
    known = [i for i in q["items"] if i["amount_known"]]
    assert known and known == q["items"][: len(known)]
    assert [i["stake_yuan"] for i in known] == sorted((i["stake_yuan"] for i in known), reverse=True)
    rest = [i["reach_firms"] for i in q["items"][len(known):]]
    assert rest == sorted(rest, reverse=True)
    # cached per rules generation: a second look screens nothing; an approval changes no amount, so the
    # stakes are kept; a correction screens again
    assert services.review_queue(rs, cache=cache)["items"] == q["items"] and cache.computed == 1
    top, second = q["items"][0]["rule_id"], q["items"][1]
    decide(bundled_copy, top, "approve", "张三")
    again = services.review_queue(rs, cache=cache)
    assert cache.computed == 1 and again["generation"] != q["generation"]
    assert top not in [i["rule_id"] for i in again["items"]] and again["unreviewed"] == q["unreviewed"] - 1
    assert again["items"][0]["rule_id"] == second["rule_id"] and again["items"][0]["stake_yuan"] == second["stake_yuan"]
    decide(bundled_copy, second["rule_id"], "correct", "张三", changes={"valid_until": "2000-01-01"})
    third = services.review_queue(rs, cache=cache)
    assert cache.computed == 2 and second["rule_id"] not in [i["rule_id"] for i in third["items"]]


# --- describe_rule ------------------------------------------------------------------------------


def test_describe_every_formula_type():
    d = lambda f, **kw: describe_rule(rule("T:01/L1/1", f, **kw))  # noqa: E731
    assert d({"type": "fixed", "amount": 500_000}).startswith("对符合条件的企业，给予50万元；")
    assert "给予最高2000万元" in d({"type": "fixed", "amount": 20_000_000, "upto": True})
    assert "给予不低于1亿元" in d({"type": "fixed", "amount": 100_000_000, "at_least": True})
    assert "按设备投资额的12%给予，最高1000万元" in d({"type": "rate", "rate": 0.12, "base": "spend.equipment_investment", "cap": 10_000_000})
    assert "按认证费用的10%～30%给予" in d({"type": "rate", "rate": 0.1, "rate_max": 0.3, "base": "spend.certification_cost"})
    assert "的比例最高20%给予" in d({"type": "rate", "rate": 0.2, "base": "spend.certification_cost", "upto": True})
    step = d({"type": "step", "base": "spend.independent_site_spend", "threshold": 500_000, "step": 100_000, "step_amount": 30_000, "cap": 300_000})
    assert "超过50万元的部分，每10万元给予3万元，最高30万元" in step
    per_unit = d({"type": "per_unit", "amount": 40, "unit": "平方米·月", "quantity": "spend.warehouse_cost", "upto": True, "cap": 2_000_000})
    assert "每平方米·月给予最高40元，最高200万元" in per_unit
    assert "金额未定（一事一议）" in d({"type": "unknown", "reason": "一事一议"})
    assert "金额未定（按相关政策执行）" in d({"type": "unknown", "reason": "按相关政策"})
    assert "金额未定（由有关部门另行制定办法）" in d({"type": "unknown", "reason": "delegated"})
    assert "金额未定（基数未写明）" in d({"type": "unknown", "reason": "基数未写明"})


def test_describe_alternatives_as_in_the_issue():
    r = rule(
        "T:01/L1/1",
        {"type": "alternatives", "options": [
            {"label": "先导产业", "conditions": [
                {"type": "qualification", "name": "先导产业"},
                {"type": "threshold", "field": "spend.equipment_investment", "op": ">=", "value": 2e7, "text": "设备投入2000万元以上"}],
             "formula": {"type": "rate", "rate": 0.12, "base": "spend.equipment_investment", "cap": 10_000_000}},
            {"label": "高新技术产业", "conditions": [{"type": "qualification", "name": "高新技术产业"}],
             "formula": {"type": "rate", "rate": 0.1, "base": "spend.equipment_investment", "cap": 8_000_000}},
            {"label": "其他产业", "conditions": [{"type": "none_of", "any": [
                {"type": "qualification", "name": "先导产业"}, {"type": "qualification", "name": "高新技术产业"}]}],
             "formula": {"type": "fixed", "amount": 1_000_000, "upto": True}},
        ]},
        period="one_off",
    )  # fmt: skip
    text = describe_rule(r)
    assert text.startswith("对属于先导产业的企业（设备投入2000万元以上），按设备投资额的12%给予，最高1000万元；"
                           "对属于高新技术产业的企业，按设备投资额的10%给予，最高800万元；")  # fmt: skip
    assert "其他产业：对不属于先导产业、高新技术产业的企业，给予最高100万元；一次性" in text


def test_describe_conditions_beneficiary_period_caps_and_validity():
    r = rule(
        "T:01/L1/1", {"type": "fixed", "amount": 1_000_000, "upto": True},
        [{"type": "honour", "name": "专精特新中小企业", "levels": ["国家级", "省级"]},
         {"type": "honour", "name": "高新技术企业"},
         {"type": "industry", "any": ["软件", "人工智能"]},
         {"type": "jurisdiction", "any": ["昆山市"]},
         {"type": "threshold", "field": "revenue", "op": ">=", "value": 5e7},
         {"type": "threshold", "field": "rd_ratio", "op": ">", "value": 0.05, "text": ""}],
        beneficiary_class="government", period="per_year", max_years=3, first_year=2, cap_per_year=500_000,
        cap_total=2_000_000, document_cap=8_000_000, stacking_group="人才", jurisdiction="昆山市",
        valid_from=date(2025, 6, 1), valid_until=date(2027, 12, 31),
    )  # fmt: skip
    text = describe_rule(r)
    assert text.startswith("对象：地方政府；对获评国家级或省级专精特新中小企业、获评高新技术企业、属于软件、人工智能领域、位于昆山市的地方政府"
                           "（上年度营业收入5000万元以上，研发投入占营业收入比重超过5%），给予最高100万元；")  # fmt: skip
    for words in ("自第2年起每年，最多3年", "每年最高50万元", "累计最高200万元", "本文件各项支持合计最高800万元",
                  "与“人才”类支持就高不重复", "适用地区：昆山市", "有效期2025-06-01至2027-12-31"):  # fmt: skip
        assert words in text, words
    relative = rule("T:01/L1/1", {"type": "fixed", "amount": 1}, validity_note="自发布之日起施行（未写明日期）")
    assert describe_rule(relative).endswith("自发布之日起施行（未写明日期）")


def test_every_bundled_rule_reads_and_its_quote_is_marked():
    for r in load_rules():
        text = describe_rule(r)
        assert text.startswith(("对", "对象：")) and "None" not in text, r.rule_id
        segs = quote_segments(r)
        assert "".join(s["text"] for s in segs) == r.citation.quote
    r = rule("T:01/L1/1", {"type": "fixed", "amount": 1_000_000, "upto": True}, SOFTWARE, quote="对软件企业给予最高100万元、5%的奖励")
    marked = {s["text"]: s["mark"] for s in quote_segments(r) if s["mark"]}
    assert marked == {"软件": "condition", "最高100万元": "amount", "5%": "rate"}


# --- decisions: CLI ------------------------------------------------------------------------------


def test_cli_approve_correct_reject_with_audit_log(small, cli):
    folder, _ = small
    r = cli("review", "approve", "T:01/L1/1", "--reviewer", "张三", "--note", "与原文一致", "--rules", folder)
    assert r.exit_code == 0, r.output
    r1 = next(x for x in load_rules(folder) if x.rule_id == "T:01/L1/1")
    assert (r1.status, r1.reviewed_by, r1.review_note) == ("reviewed", "张三", "与原文一致") and r1.reviewed_at
    r = cli("review", "correct", "T:01/L2/1", "--set", "formula.amount=200000", "--set", "period=one_off",
            "--set", "formula.upto=true", "--reviewer", "李四", "--rules", folder)  # fmt: skip
    assert r.exit_code == 0, r.output
    r2 = next(x for x in load_rules(folder) if x.rule_id == "T:01/L2/1")
    assert (r2.status, r2.formula.amount, r2.formula.upto, r2.period, r2.reviewed_by) == ("reviewed", 200_000, True, "one_off", "李四")
    r = cli("review", "reject", "T:01/L3/1", "--reviewer", "王五", "--note", "不是对企业的补贴", "--rules", folder, "--json")
    assert r.exit_code == 0 and json.loads(r.stdout)["rule"]["status"] == "rejected"
    log = [json.loads(line) for line in log_path(folder).read_text(encoding="utf-8").splitlines()]
    assert [(e["rule_id"], e["decision"], e["reviewer"]) for e in log] == [
        ("T:01/L1/1", "approve", "张三"), ("T:01/L2/1", "correct", "李四"), ("T:01/L3/1", "reject", "王五")]  # fmt: skip
    assert log[1]["changes"] == {"formula.amount": {"from": 100_000, "to": 200_000}, "period": {"from": None, "to": "one_off"},
                                 "formula.upto": {"from": False, "to": True}}  # fmt: skip
    assert all(e["at"] and {"rule_id", "decision", "reviewer", "at", "changes"} <= set(e) for e in log)
    assert not list(folder.glob("*.partial"))
    shown = cli("review", "show", "T:01/L2/1", "--rules", folder, "--registry", small[1], "--json")
    item = json.loads(shown.stdout)
    assert item["status"] == "reviewed" and item["history"][0]["decision"] == "correct" and "给予最高20万元；一次性" in item["description"]
    text = cli("review", "show", "T:01/L2/1", "--rules", folder, "--registry", small[1]).stdout
    assert "李四" in text and "给予最高20万元" in text
    # the rejected rule is never offered again
    q = json.loads(cli("review", "queue", "--rules", folder, "--registry", small[1], "--json").stdout)
    assert {i["rule_id"] for i in q["items"]} == set(EXPECTED_ORDER) - {"T:01/L1/1", "T:01/L2/1", "T:01/L3/1"}


def test_invalid_correction_is_one_line_and_writes_nothing(small, cli):
    folder, _ = small
    before, log_before = file_digest(folder / "T_01.json"), file_digest(log_path(folder))
    for args, words in [
        (["--set", "formula.amount=lots"], "invalid correction: formula.fixed.amount"),
        (["--set", "period=weekly"], "invalid correction: period"),
        (["--set", "formula.type=rate"], "invalid correction: formula.rate"),
        (["--set", "bogus=1"], "unknown rule field 'bogus'"),
        (["--set", "rule_id=x"], "'rule_id' is set by the decision itself"),
        (["--set", "conditions.5.name=x"], "no item '5'"),
        (["--set", "noequals"], "write field=value"),
    ]:
        r = cli("review", "correct", "T:01/L1/1", *args, "--reviewer", "张三", "--rules", folder)
        assert r.exit_code == 2, args
        assert r.stderr.count("\n") == 1 and r.stderr.startswith("error: ") and words in r.stderr, r.stderr
    assert cli("review", "approve", "T:01/L1/1", "--reviewer", " ", "--rules", folder).exit_code == 2
    assert "no rule 'T:01/L99/1'" in cli("review", "approve", "T:01/L99/1", "--reviewer", "张三", "--rules", folder).stderr
    assert cli("review", "approve", "T:01/L1/1", "--rules", folder).exit_code != 0  # --reviewer is required
    assert file_digest(folder / "T_01.json") == before and file_digest(log_path(folder)) == log_before == "absent"


# --- decisions: API and page --------------------------------------------------------------------


def test_api_decisions_need_the_token_and_are_logged(small, ingested_db):
    folder, registry = small
    off = TestClient(create_app(ingested_db, admin_token="", rules_path=folder, registry_path=registry))
    on = TestClient(create_app(ingested_db, admin_token=TOKEN, rules_path=folder, registry_path=registry))
    body = {"decision": "approve", "reviewer": "张三", "note": "ok"}
    url = "/api/review/T:01/L1/1"
    before = file_digest(folder / "T_01.json")
    assert off.post(url, json=body, headers=AUTH).status_code == 403
    assert on.post(url, json=body).status_code == 401
    assert on.post(url, json=body, headers={"X-Admin-Token": "wrong"}).status_code == 401
    assert file_digest(folder / "T_01.json") == before and not log_path(folder).exists()
    r = on.post(url, json=body, headers=AUTH)
    assert r.status_code == 200 and r.json()["rule"]["status"] == "reviewed" and r.json()["log"]["reviewer"] == "张三"
    fix = {"decision": "correct", "reviewer": "李四", "changes": {"formula.amount": 150_000, "max_years": 3}}
    r = on.post("/api/review/T:01/L2/1", json=fix, headers=AUTH)
    assert r.status_code == 200 and r.json()["rule"]["formula"]["amount"] == 150_000 and r.json()["rule"]["max_years"] == 3
    r = on.post("/api/review/T:01/L3/1", json={"decision": "reject", "reviewer": "王五"}, headers=AUTH)
    assert r.status_code == 200 and r.json()["rule"]["status"] == "rejected"
    assert [(e["decision"], e["reviewer"]) for e in read_log(folder)] == [("approve", "张三"), ("correct", "李四"), ("reject", "王五")]
    # an invalid correction: 422, one line, nothing written
    snapshot = file_digest(folder / "T_01.json"), file_digest(log_path(folder))
    bad = on.post("/api/review/T:01/L4/1", json={"decision": "correct", "reviewer": "x", "changes": {"formula.reason": 5}}, headers=AUTH)
    assert bad.status_code == 422 and bad.json()["detail"].startswith("invalid correction: formula.unknown.reason")
    assert on.post("/api/review/T:01/L4/1", json={"decision": "maybe", "reviewer": "x"}, headers=AUTH).status_code == 422
    assert on.post("/api/review/T:01/L4/1", json={**body, "extra": 1}, headers=AUTH).status_code == 422
    assert on.post("/api/review/T:01/L99/1", json=body, headers=AUTH).status_code == 404
    assert (file_digest(folder / "T_01.json"), file_digest(log_path(folder))) == snapshot
    shown = on.get("/api/review/T:01/L2/1").json()
    assert shown["reviewed_by"] == "李四" and shown["history"][0]["changes"]["formula.amount"] == {"from": 100_000, "to": 150_000}
    assert on.get("/api/review/T:01/L99/1").status_code == 404


def test_old_admin_review_endpoint_is_logged_too(bundled_copy, ingested_db):
    c = TestClient(create_app(ingested_db, admin_token=TOKEN, rules_path=bundled_copy))
    rid = next(r.rule_id for r in load_rules(bundled_copy) if r.status == "extracted")
    r = c.post("/api/admin/review", json={"rule_id": rid, "status": "reviewed", "note": "checked"}, headers=AUTH)
    assert r.status_code == 200 and r.json()["reviewed_by"] == "admin"
    assert read_log(bundled_copy, rid)[0]["decision"] == "approve"


def test_review_pages_form_token_and_escaping(small, ingested_db):
    folder, registry = small
    c = TestClient(create_app(ingested_db, admin_token=TOKEN, rules_path=folder, registry_path=registry))
    page = c.get("/review")
    assert page.status_code == 200 and "规则复核" in page.text and "300万元" in page.text
    assert page.text.index("T:01/L1/1") < page.text.index("T:01/L2/1") < page.text.index("T:01/L3/1")
    detail = c.get("/review/T:01/L1/1")
    assert detail.status_code == 200 and "机器的理解" in detail.text and 'type="password" name="token"' in detail.text
    assert '<mark class="m-amount">最高100万元</mark>' in detail.text
    form = {"decision": "approve", "reviewer": XSS, "note": XSS, "changes": ""}
    before = file_digest(folder / "T_01.json")
    assert c.post("/review/T:01/L1/1", data=form).status_code == 401  # no token typed
    assert c.post("/review/T:01/L1/1", data={**form, "token": "wrong"}).status_code == 401
    assert file_digest(folder / "T_01.json") == before
    r = c.post("/review/T:01/L1/1", data={**form, "token": TOKEN}, follow_redirects=False)
    assert r.status_code == 303 and TOKEN not in r.headers["location"] and r.headers["location"].startswith("/review?done=")
    done = c.get(r.headers["location"])
    assert "已记录：T:01/L1/1 已复核（&lt;script&gt;" in done.text and 'href="/review/T%3A01/L1/1"' not in done.text  # left the queue
    assert "已记录" not in c.get("/review", params={"done": "T:01/L5/1"}).text  # a crafted link claims nothing
    shown = c.get("/review/T:01/L1/1").text
    assert "&lt;script&gt;" in shown and "<script>alert" not in shown
    bad = c.post("/review/T:01/L2/1", data={"decision": "correct", "reviewer": "李四", "changes": "formula.amount=lots", "token": TOKEN})
    assert bad.status_code == 422 and "invalid correction" in bad.text and TOKEN not in bad.text
    fixed = c.post("/review/T:01/L2/1", data={"decision": "correct", "reviewer": "李四", "changes": "formula.amount=300000\nperiod=one_off",
                                               "token": TOKEN}, follow_redirects=False)  # fmt: skip
    assert fixed.status_code == 303
    assert next(x for x in load_rules(folder) if x.rule_id == "T:01/L2/1").formula.amount == 300_000
    assert c.get(f"/review/{XSS}").status_code == 404 and "<script>alert" not in c.get(f"/review/{XSS}").text
    off = TestClient(create_app(ingested_db, admin_token="", rules_path=folder, registry_path=registry))
    assert off.post("/review/T:01/L4/1", data={**form, "token": "anything"}).status_code == 403


# --- locking and every worker seeing a review --------------------------------------------------


def _correct(args: tuple[str, str, int]) -> str:
    folder, rid, amount = args
    decide(Path(folder), rid, "correct", f"reviewer-{amount}", changes={"formula.amount": amount})
    return rid


def test_concurrent_reviews_in_processes_lose_nothing(small):
    folder, _ = small
    rids = ["T:01/L1/1", "T:01/L2/1", "T:01/L6/1", "T:01/L7/1", "T:01/L8/1"] * 4
    jobs = [(str(folder), rid, 1000 + i) for i, rid in enumerate(rids)]
    with ProcessPoolExecutor(4, mp_context=multiprocessing.get_context("fork")) as pool:
        list(pool.map(_correct, jobs))
    log = read_log(folder)
    assert len(log) == len(jobs)
    final = {r.rule_id: r for r in load_rules(folder)}
    for rid in set(rids):  # every rule holds the amount of the last logged correction of it
        last = [e for e in log if e["rule_id"] == rid][-1]
        assert final[rid].formula.amount == last["changes"]["formula.amount"]["to"] and final[rid].status == "reviewed"
    assert not list(folder.glob("*.partial"))


def test_stamp_changes_with_every_write(small):
    folder, _ = small
    seen = {rules_stamp(folder)}
    for i in range(5):
        decide(folder, "T:01/L1/1", "approve", f"r{i}")
        seen.add(rules_stamp(folder))
    assert len(seen) == 6


def test_a_review_through_one_instance_is_seen_by_another(bundled_copy, ingested_db):
    a = TestClient(create_app(ingested_db, admin_token=TOKEN, rules_path=bundled_copy))
    b_app = create_app(ingested_db, admin_token=TOKEN, rules_path=bundled_copy)
    b = TestClient(b_app)
    profile = json.loads((ROOT / "examples" / "profile.json").read_text(encoding="utf-8"))
    params = {"as_of": "2025-09-01", "show_all": "true"}
    before = b.post("/api/match", params=params, json=profile).json()
    shown = [r["rule_id"] for r in before["results"]]
    target = next(rid for rid in shown if rid.startswith("003_984d27a47f4e90c5:03/"))
    r = a.post(f"/api/review/{target}", json={"decision": "correct", "reviewer": "张三", "changes": {"valid_until": "2000-01-01"}}, headers=AUTH)
    assert r.status_code == 200
    after = b.post("/api/match", params=params, json=profile).json()  # instance B's very next request
    assert target not in [x["rule_id"] for x in after["results"]]
    assert after["excluded_expired_rules"] == before["excluded_expired_rules"] + 1
    reloads = b_app.state.ctx.rules.reloads
    b.post("/api/match", params=params, json=profile)
    assert b_app.state.ctx.rules.reloads == reloads  # nothing changed: no reload


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_with_two_workers_sees_a_review_at_once(bundled_copy, ingested_db):
    import httpx

    port = _free_port()
    env = {**os.environ, "ZHENGCE_RULES": str(bundled_copy), "ZHENGCE_ADMIN_TOKEN": TOKEN, "PYTHONUNBUFFERED": "1"}
    cmd = [sys.executable, "-m", "zhengce.cli", "serve", "--db", str(ingested_db), "--port", str(port), "--workers", "2"]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if httpx.get(base + "/api/departments", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        else:
            pytest.fail("zhengce serve did not start")
        profile = json.loads((ROOT / "examples" / "profile.json").read_text(encoding="utf-8"))
        params = {"as_of": "2025-09-01", "show_all": "true"}

        def expired_counts(n: int) -> set[int]:
            out = set()
            for _ in range(n):  # a new connection each time, so both workers answer
                with httpx.Client(timeout=30) as c:
                    out.add(c.post(base + "/api/match", params=params, json=profile).json()["excluded_expired_rules"])
            return out

        before = expired_counts(16)
        assert len(before) == 1
        rid = next(r.rule_id for r in load_rules(bundled_copy) if r.citation.doc_id == "003_984d27a47f4e90c5:03")
        r = httpx.post(f"{base}/api/review/{rid}", headers=AUTH, timeout=30,
                       json={"decision": "correct", "reviewer": "张三", "changes": {"valid_until": "2000-01-01"}})  # fmt: skip
        assert r.status_code == 200, r.text
        assert expired_counts(16) == {before.pop() + 1}  # every answer, from either worker
    finally:
        os.killpg(proc.pid, 15)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, 9)
            proc.wait()
