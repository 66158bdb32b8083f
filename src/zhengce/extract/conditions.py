"""Eligibility conditions: honours (data/honours.json), industries (data/industries.json)
and numeric thresholds (设备投入5000万元以上, 营业收入≥10亿元, 参保人数50人, 35周岁以下).

Thresholds are read only outside target sentences (到2025年…达到…), which
state goals, not conditions.
"""

from __future__ import annotations

import re
from functools import lru_cache

from zhengce.datafiles import load_json
from zhengce.extract.amounts import NUM, parse_number
from zhengce.extract.clauses import RuleLine
from zhengce.extract.model import Condition

LEVEL_RE = re.compile(r"(国家级|国家|省级|江苏省|省|市级|苏州市|市)$")
LEVELS = {"国家级": "国家级", "国家": "国家级", "省级": "省级", "江苏省": "省级", "省": "省级", "市级": "市级", "苏州市": "市级", "市": "市级"}
# sentences that set who qualifies; elsewhere honours and industries are just topics
ELIGIBILITY_RE = re.compile(r"给予|奖励|补贴|补助|资助|支持|奖补|条件|申报|认定|获评|获批|符合|申请|具备|落户|入选|享受|评选")
TARGET_SENTENCE_RE = re.compile(r"(?:到|至)20\d\d年|力争|目标|预计|累计引进")
MONEY_THRESHOLD_RE = re.compile(
    rf"(?P<ind>[\u4e00-\u9fa5]{{2,10}}?)(?:（[^（）]{{1,20}}）)?(?P<op>达到|超过|不低于|不少于|≥|大于|在)?(?P<num>{NUM})(?P<unit>亿|万)?元(?P<post>（含）以上|以上|及以上|以下|以内)?"
)
RATE_THRESHOLD_RE = re.compile(
    rf"(?P<ind>增速|增长率|增幅|占比|比重|占营业收入比重|研发投入占比)(?P<op>不低于|达到|超过|≥|大于)?(?P<num>{NUM})%(?P<post>以上|及以上)?"
)
COUNT_THRESHOLD_RE = re.compile(
    rf"(?P<ind>[\u4e00-\u9fa5]{{2,12}}?)(?P<op>达到|不少于|不低于|超过|满|≥|不超过|低于)?(?P<num>{NUM})(?P<unit>个月|人|件|项|家|个|周岁|年)(?P<post>（含）以上|以上|及以上|以下|以内)?"
)
UNIT_FACTOR = {None: 1, "万": 10_000, "亿": 100_000_000}


@lru_cache(maxsize=1)
def _honour_patterns() -> list[tuple[re.Pattern[str], str]]:
    out = []
    for h in load_json("honours.json")["honours"]:
        syns = sorted(h["synonyms"], key=len, reverse=True)
        out.append((re.compile("|".join(re.escape(s) for s in syns)), h["canonical"]))
    return out


@lru_cache(maxsize=1)
def _industry_patterns() -> list[tuple[re.Pattern[str], str]]:
    return [
        (re.compile("|".join(re.escape(k) for k in sorted(i["keywords"], key=len, reverse=True))), i["canonical"])
        for i in load_json("industries.json")["industries"]
    ]


def honours_in(text: str) -> list[tuple[int, int, str, str | None]]:
    """(start, end, canonical honour, level) mentions, longest synonym first, no overlaps."""
    found: list[tuple[int, int, str, str | None]] = []
    for rx, canonical in _honour_patterns():
        for m in rx.finditer(text):
            if any(s < m.end() and m.start() < e for s, e, *_ in found):
                continue
            lm = LEVEL_RE.search(text[max(0, m.start() - 4) : m.start()])
            found.append((m.start(), m.end(), canonical, LEVELS[lm.group(1)] if lm else None))
    return sorted(found)


def industries_in(text: str) -> list[tuple[int, int, str]]:
    out = []
    for rx, canonical in _industry_patterns():
        m = rx.search(text)
        if m:
            out.append((m.start(), m.end(), canonical))
    return sorted(out)


def _op(op: str | None, post: str | None, ind: str = "") -> str:
    if ind.endswith("不") and op == "超过":
        return "<="
    if post in ("以下", "以内") or op in ("不超过", "低于"):
        return "<=" if op != "低于" else "<"
    if op in ("超过", "大于"):
        return ">"
    return ">="


def thresholds_in(text: str) -> list[tuple[int, int, str, str, float, str]]:
    """(start, end, indicator, operator, value, unit) numeric conditions."""
    out: list[tuple[int, int, str, str, float, str]] = []
    for m in MONEY_THRESHOLD_RE.finditer(text):
        if not (m.group("op") or m.group("post")) or m.group("op") == "在" and not m.group("post"):
            continue
        n = parse_number(m.group("num"))
        if n is None:
            continue
        ind = re.sub(r"^(?:对|的|且|和|及|当年度|年度)", "", m.group("ind"))
        if re.search(r"累计不?$|最高不?$|给予$|不$", ind):
            continue  # a benefit cap (累计不超过, 最高不超过), not a condition
        out.append((m.start(), m.end(), ind, _op(m.group("op"), m.group("post")), float(n * UNIT_FACTOR[m.group("unit")]), "元"))
    for rx, unit in ((RATE_THRESHOLD_RE, "%"), (COUNT_THRESHOLD_RE, None)):
        for m in rx.finditer(text):
            if not (m.group("op") or m.group("post")):
                continue
            if any(s <= m.start() < e for s, e, *_ in out):
                continue
            n = parse_number(m.group("num"))
            if n is None:
                continue
            ind = m.group("ind")
            op = _op(m.group("op"), m.group("post"), ind)
            out.append((m.start(), m.end(), ind.removesuffix("不"), op, float(n), unit or m.group("unit")))
    return sorted(out)


def extract_conditions(line: RuleLine, doc_id: str) -> list[Condition]:
    out: list[Condition] = []
    text = line.text

    def fact(start: int, end: int, **kw) -> Condition:
        return Condition(**line.cite(doc_id, start, end), **kw)

    for s0, s1 in line.sentences():
        sentence = text[s0:s1]
        if ELIGIBILITY_RE.search(sentence):
            for a, b, name, level in honours_in(sentence):
                out.append(fact(s0 + a, s0 + b, kind="honour", name=name, level=level))
            for a, b, name in industries_in(sentence):
                out.append(fact(s0 + a, s0 + b, kind="industry", name=name))
        if TARGET_SENTENCE_RE.search(sentence):
            continue
        for a, b, ind, op, value, unit in thresholds_in(sentence):
            out.append(fact(s0 + a, s0 + b, kind="threshold", name=ind, operator=op, value=value, unit=unit))
    return out
