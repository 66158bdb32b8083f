"""Generate rules from benefit facts, one rule per benefit, and merge with reviewed rule files.

Generated rules are ``extracted``. A person checks a rule against its quote,
edits it if needed and sets ``status: "reviewed"``; regenerating keeps
reviewed rules exactly as they are and replaces only extracted ones.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from functools import lru_cache
from pathlib import Path

from zhengce.corpus.parse import ParsedDocument, bundled_corpus, parse_source

from zhengce.corpus.text import SourceText, clean, read_source
from zhengce.datafiles import load_json
from zhengce.extract.amounts import parse_number
from zhengce.extract.conditions import LEVELS as LEVEL_OF
from zhengce.extract.conditions import honours_in, industries_in
from zhengce.extract.model import Benefit, Condition, Stacking
from zhengce.extract.pipeline import extract_document
from zhengce.rules.model import (
    AlternativesFormula,
    Citation,
    FixedFormula,
    HonourCondition,
    IndustryCondition,
    NotCondition,
    Option,
    PerUnitFormula,
    QualificationCondition,
    RateFormula,
    UndeterminedCondition,
    Rule,
    RuleFile,
    StepFormula,
    ThresholdCondition,
    UnknownFormula,
    rule_file_name,
    rules_dir,
    write_rule_file,
)

LEVEL_LIST_RE = re.compile(r"((?:国家级|省级|市级)(?:[、和及](?:国家级|省级|市级))+)")
BENEFICIARY_NOISE_RE = re.compile(r"^(?:新?获评的?|新?获批的?|经认定的?|认定的?|符合条件的?|获得|入选|对)+|(?:的|等)$")


@lru_cache(maxsize=1)
def _vocab() -> dict:
    return load_json("rule_vocab.json")


def _first_match(pairs: list, text: str) -> list | None:
    return next((p for p in pairs if re.search(p[0], text)), None)


def base_field(base: str | None) -> str | None:
    hit = _first_match(_vocab()["base_fields"], clean(base or ""))
    return hit[1] if hit else None


def stacking_category(text: str) -> str | None:
    hit = _first_match(_vocab()["stacking_categories"], clean(text))
    return hit[1] if hit else None


def _threshold(c: Condition) -> ThresholdCondition | None:
    hit = _first_match(_vocab()["threshold_fields"], c.name + c.quote)
    if hit is None or c.value is None or c.operator not in (">=", ">", "<=", "<"):
        return None
    value = c.value * hit[2] if c.unit == "%" else c.value
    return ThresholdCondition(field=hit[1], op=c.operator, value=value, text=c.quote)


SCOPE_WORDS = r"国际|国家级|国家|全国|江苏省|省级|省|苏州市|市级|市"


def tier_recipient(who: str, tier: int, tiers: int) -> str:
    """The recipient of one tier in 分别给予A、B: 国家级、省级工业设计中心 → 省级工业设计中心 (tier 2).

    Works when the list has as many items as there are tiers and is a level list or a plain list
    of like items (牵头申报主体、联合申报主体、合作申报主体); otherwise the phrase is kept whole.
    """
    levels = LEVEL_LIST_RE.search(who)
    if levels:
        items = re.split(r"[、和及]", levels.group(1))
        if len(items) == tiers:
            return who[: levels.start()] + items[tier - 1] + who[levels.end() :]
    parts = who.split("、")
    if len(parts) == 1 and who.count("”“") == tiers - 1:  # “中国质量奖”“中国质量奖提名奖”的企业
        quoted = re.match(r"^(.*?)((?:“[^”]+”){2,})(.*)$", who)
        if quoted:
            items = re.findall(r"“[^”]+”", quoted.group(2))
            if len(items) == tiers:
                return quoted.group(1) + items[tier - 1] + quoted.group(3)
    if len(parts) != tiers or tiers < 2:
        return who
    # 主导国际、国家标准制定工作 → 主导国际标准制定工作 / 主导国家标准制定工作: scopes sharing head and tail
    scopes = [re.search(rf"({SCOPE_WORDS})$", parts[0]), *[re.match(rf"({SCOPE_WORDS})", x) for x in parts[1:]]]
    if all(scopes):
        lead = parts[0][: scopes[0].start()]
        tail = parts[-1][scopes[-1].end() :]
        if all(x[m.end() :] in ("", tail) for x, m in zip(parts[1:-1], scopes[1:-1])):
            return lead + scopes[tier - 1].group(1) + tail
    cut = parts[0].rfind("的") + 1  # a shared prefix ends with 的
    prefix, first = parts[0][:cut], parts[0][cut:]
    items = [first, *parts[1:]]
    if len(first) >= 2 and all(len(x) == len(first) for x in items):
        return prefix + items[tier - 1]
    # 具身智能机器人领域江苏省重点实验室、江苏省工程技术联合实验室…: the later items start like the first
    # item's own part (江苏省…), so what comes before that in the first item is a shared prefix
    lead = items[1][:2]
    at = first.find(lead)
    if len(lead) == 2 and at > 0 and all(x.startswith(lead) for x in items[1:]):
        return prefix + first[:at] + [first[at:], *items[1:]][tier - 1]
    return who  # anything else stays whole for review


GENERIC_WHO_RE = re.compile(r"^(?:企业|项目|单位|主体|企业和项目|的)?$")
THRESHOLD_VALUE_RE = re.compile(r"(?P<num>\d+(?:\.\d+)?)(?P<unit>亿元|万元|元|人|%|个|件|家|项)")
UNIT_FACTOR = {"亿元": 100_000_000, "万元": 10_000, "元": 1, "%": 0.01}
CATCH_ALL_RE = re.compile(r"^其他|^其余|^其它")


def _tier_thresholds(label: str, who: str) -> list[ThresholdCondition] | None:
    """Thresholds of a tier label such as 100人和2000万元, fields named in order by the beneficiary phrase
    (…缴纳社保员工数和研发投入达到50人和1000万元…). None when the label has no numbers or a field is unknown."""
    values = list(THRESHOLD_VALUE_RE.finditer(label))
    if not values:
        return None
    head = who.split("达到")[0] if "达到" in who else who
    names = [n for n in re.split(r"[和及、与]", re.sub(r"^.*?(?:内|中)", "", head)) if n]
    if len(names) < len(values):
        names = [head] * len(values)
    out = []
    for name, m in zip(names[-len(values):], values):
        hit = _first_match(_vocab()["threshold_fields"], name)
        if hit is None:
            return None
        value = float(m.group("num")) * UNIT_FACTOR.get(m.group("unit"), 1)
        out.append(ThresholdCondition(field=hit[1], op=">=", value=value, text=f"{name}达到{m.group(0)}"))
    return out


GENERIC_WORDS_RE = re.compile(r"领域|行业|产业|重点|相关|符合条件|和|及|与|、|的|等|企业|单位|主体|经营主体|市场主体|项目")


@lru_cache(maxsize=1)
def _industry_keywords() -> tuple[str, ...]:
    return tuple(sorted((k for i in load_json("industries.json")["industries"] for k in i["keywords"]), key=len, reverse=True))


def _residual(who: str) -> str:
    """What a beneficiary phrase says beyond industries and generic nouns (智能车联网和新能源汽车领域制造业企业 → "")."""
    rest = who
    for kw in _industry_keywords():
        rest = rest.replace(kw, "")  # every mention, 智能车联网和新能源汽车 alike
    return GENERIC_WORDS_RE.sub("", rest)


def industries_named(b: Benefit) -> list[str]:
    """Industries the beneficiary phrase itself names (制造业企业 → 制造业)."""
    return list(dict.fromkeys(name for _, _, name in industries_in(clean(b.beneficiary or ""))))


def _beneficiary_class(b: Benefit) -> str:
    return getattr(b, "beneficiary_class", None) or "enterprise"


def _qualification_name(b: Benefit, thresholds: list[ThresholdCondition]) -> str | None:
    """A declared status for the beneficiary phrase, or None when profile fields decide it all.

    Headings (1.支持对象) never become qualifications; nor does a phrase that only restates a
    threshold a profile field can decide (当年度单个项目设备投入2000万元以上).
    """
    who = clean(b.beneficiary or "")
    who = BENEFICIARY_NOISE_RE.sub("", who).lstrip("的")
    # …制造业企业设备更新及…设备购置(贷款): what follows the recipient's head noun is what is paid for
    head = re.search(r"^(.{2,}?(?:企业|单位|机构|主体))(?=[^，,]*(?:设备|贷款|费用|投入|购置)|(?:依据|按照?|根据))", who)
    if head and not re.search(r"\d", who[head.end():][:4]):
        who = head.group(1)
    # …在苏缴纳社保员工数和研发投入达到50人和1000万元… (the indicator phrase starts after a time clause like 2年内)
    who = re.sub(r"(\d+年内)[\u4e00-\u9fa5]{0,16}?达到[0-9.人万亿元和、及%]+", r"\1", who)
    who = re.sub(r"(?:在苏)?[\u4e00-\u9fa5]{0,16}?达到[0-9.人万亿元和、及%]+", "", who)
    who = re.sub(r"(?:当年度|年度|上年度)?(?:单个项目)?[\u4e00-\u9fa5]{0,8}?(?:达到|超过)?\d[\d.]*(?:亿元|万元|元|人|%)(?:（含）)?(?:以上|及以上)?", "", who)
    for t in thresholds:
        who = who.replace(clean(t.text), "")
    who = who.strip("，,、的 ")
    who = re.sub(r"等(?:荣誉|称号|资质)$", "", who).replace("(", "（").replace(")", "）")
    if len(who) < 2 or GENERIC_WHO_RE.match(who) or not _residual(who):
        return None
    if b.tiers and b.tier:
        who = tier_recipient(who, b.tier, b.tiers)
    return who.lstrip("的")[:40]


AGE_RE = re.compile(r"(?:新投资设立|新设立|新注册|新成立|注册|成立|设立)[^，,]{0,4}?(\d+|[一二三四五六七八九十两])年(?:以)?内")


@lru_cache(maxsize=1)
def _concepts() -> list[tuple[str, list[str]]]:
    return [(c["name"], c["synonyms"]) for c in load_json("qualification_concepts.json")["concepts"]]


def _qualifications(b: Benefit, thresholds: list[ThresholdCondition]) -> tuple[list, list[ThresholdCondition]]:
    """Qualification conditions of a beneficiary phrase, and any age threshold it states.

    Statuses of the concept vocabulary (data/qualification_concepts.json) replace the phrase: all must
    hold, and those joined by 或 are alternatives. A phrase naming none stays as written.
    """
    extra: list[ThresholdCondition] = []
    m = AGE_RE.search(clean(b.beneficiary or ""))
    if m:
        years = parse_number(m.group(1))
        if years:
            extra.append(ThresholdCondition(field="age_years", op="<=", value=float(years), text=m.group(0)))
    who = _qualification_name(b, thresholds)
    if who and m:
        who = who.replace(m.group(0), "").replace("且", "").strip("，,、的 ") or None
        if who and (len(who) < 2 or not _residual(who)):
            who = None
    if not who:
        return [], extra
    if _beneficiary_class(b) != "enterprise":
        return [QualificationCondition(name=who)], extra  # the status vocabulary is what firms declare
    return concept_conditions(who), extra


LIST_JOIN_RE = re.compile(r"^(?:[、，,]|或者?|和|及|与|以及)$")


def concept_conditions(phrase: str) -> list[QualificationCondition]:
    """The phrase as qualification conditions: vocabulary statuses it names (those joined only by
    、/或/和 are alternatives, others must all hold), or the phrase itself when it names none."""
    found = []  # (start, end, name)
    for name, synonyms in _concepts():
        hits = [(phrase.find(x), phrase.find(x) + len(x)) for x in synonyms if x in phrase]
        if hits:
            start, end = min(hits)
            found.append((start, end, name))
    if not found:
        return [QualificationCondition(name=phrase)]
    found.sort()
    groups: list[list[str]] = [[found[0][2]]]
    for (s0, e0, _), (s1, e1, name) in zip(found, found[1:]):
        between = phrase[e0:s1]
        between = re.sub(r"(?:的)?(?:企业|单位|机构|主体)$", "", between)
        if LIST_JOIN_RE.match(between) or "或" in between and not re.search(r"[，,]", between):
            groups[-1].append(name)
        else:
            groups.append([name])
    return [QualificationCondition(name=g[0], any_of=g[1:] or None) for g in groups]


def _used_not_held(text: str, start: int) -> bool:
    """使用符合条件的公共海外仓: the firm uses the honoured facility, it does not hold the honour."""
    return bool(re.search(r"(?:使用|租用|入驻|利用)[^，,、]{0,6}$", text[max(0, start - 10) : start]))


def levels_at_least(text: str) -> list[str] | None:
    """经苏州市及以上认定 → 市级/省级/国家级; 省级及以上 → 省级/国家级 (None when not written)."""
    if re.search(r"(?:苏州)?市(?:级)?(?:及|或)以上", text):
        return ["市级", "省级", "国家级"]
    if re.search(r"(?:江苏)?省(?:级)?(?:及|或)以上", text):
        return ["省级", "国家级"]
    return None


def tier_recipient_of(b: Benefit, siblings: list[Benefit]) -> str | None:
    """The recipient of one tier from the tiers' labels (…江苏省重点实验室、江苏省工程技术联合实验室…)."""
    if not (b.tiers and b.tier and getattr(b, "tier_label", None)) or re.search(r"\d", b.tier_label):
        return None
    if re.fullmatch(r"(?:国家|省|市|县|区)级?|第[一二三四五六七八九十]档|[一二三四五六七八九十]等奖", clean(b.tier_label)):
        return None  # a level or a rank: the beneficiary phrase says of what
    group = sorted([x for x in [b, *siblings] if x.tiers == b.tiers and x.tier and x.start == b.start or x is b],
                   key=lambda x: x.tier)  # fmt: skip
    labels = [getattr(x, "tier_label", None) for x in group]
    if len(labels) != b.tiers or not all(labels):
        return None
    joined = BENEFICIARY_NOISE_RE.sub("", "、".join(clean(x) for x in labels))
    one = tier_recipient(joined, b.tier, b.tiers)
    return one if one != joined else None


def _conditions_for(b: Benefit, doc: ParsedDocument, conditions: list[Condition], recipient: str | None = None) -> tuple[list, list[ThresholdCondition]]:
    """Honour / qualification / industry / threshold conditions of one benefit (no jurisdiction)."""
    title = doc.span.title
    conds: list = []
    thresholds = []
    for c in conditions:
        if c.kind == "threshold" and b.start <= c.start < c.end <= b.end:
            t = _threshold(c)
            if t is not None and not any(t.field == x.field and t.value == x.value for x in thresholds):
                thresholds.append(t)
    text = clean(b.quote)
    who_text = clean(b.beneficiary or "")
    if recipient:
        text = who_text = recipient
    elif b.tiers and b.tier and who_text:
        # 分别给予: the tier's own recipient decides its honour (江苏省工程研究中心 in a list of five)
        one = tier_recipient(BENEFICIARY_NOISE_RE.sub("", who_text), b.tier, b.tiers)
        if one != BENEFICIARY_NOISE_RE.sub("", who_text):
            text = who_text = one
    honours = [h for h in (honours_in(text) or honours_in(who_text)) if not _used_not_held(text, h[0])]
    levels = LEVEL_LIST_RE.search(text)
    level_list = re.split(r"[、和及]", levels.group(1)) if levels else []
    if honours:
        if b.tiers and len(honours) == b.tiers:
            _, _, name, level = honours[b.tier - 1]
            conds.append(HonourCondition(name=name, levels=[level] if level else None))
        elif b.tiers and len(honours) == 1 and len(level_list) == b.tiers:
            conds.append(HonourCondition(name=honours[0][2], levels=[level_list[b.tier - 1]]))
        elif b.tiers and len(honours) == 1 and honours_in(who_text) and who_text != clean(b.beneficiary or ""):
            _, _, name, level = honours[0]  # the tier's recipient names one honour
            conds.append(HonourCondition(name=name, levels=[level] if level else None))
        else:
            # 创新领军企业先进技术研究院: adjacent honours name one thing, whose head noun comes last
            pick = honours[0]
            if len(honours) > 1 and not re.search(r"[、，,和及或]", text[honours[0][1] : honours[-1][0]]):
                pick = honours[-1] if honours[-1][3] else (*honours[-1][:3], honours[0][3])
            conds.append(HonourCondition(name=pick[2], levels=[pick[3]] if pick[3] else None))
        if conds and isinstance(conds[-1], HonourCondition) and conds[-1].levels is None and not b.tiers:
            # 入选江苏省…目录的首版次软件: the nearest level word before the honour in its clause
            at = text.find(conds[-1].name[:2])
            lv = re.findall(r"(国家级|国家|江苏省|省级|苏州市|市级)", re.split(r"[，,；]", text[:max(at, 0)])[-1]) if at > 0 else []
            if lv:
                conds[-1] = HonourCondition(name=conds[-1].name, levels=[LEVEL_OF[lv[-1]]])
        at_least = levels_at_least(text + who_text)
        if at_least and conds and isinstance(conds[-1], HonourCondition):
            conds[-1] = HonourCondition(name=conds[-1].name, levels=at_least)
    else:
        if recipient:
            quals, age = concept_conditions(recipient.replace("(", "（").replace(")", "）")), []
        else:
            quals, age = _qualifications(b, thresholds)
        conds.extend(quals)
        thresholds = thresholds + age
    inds = [name for _, _, name in industries_in(clean(title or ""))]
    if inds:
        conds.append(IndustryCondition(any=inds))
    if not any(isinstance(c, (QualificationCondition, HonourCondition)) for c in conds):
        # the beneficiary phrase is only industries (…领域制造业企业): each named industry must hold too
        for name in industries_named(b):
            if name not in inds:
                conds.append(IndustryCondition(any=[name]))
    return conds, thresholds


def _is_class_list(labels: list[str]) -> bool:
    """先导产业、高新技术产业、其他产业: a firm is in exactly one class."""
    return len(labels) >= 2 and all(labels) and bool(CATCH_ALL_RE.match(labels[-1]))


def _cap_per_year(b: Benefit, formula) -> int | None:
    """A yearly cap, unless it is just the per-grant cap of a yearly benefit (每年最高200万元)."""
    cap = getattr(b, "cap_per_year_yuan", None)
    own = getattr(formula, "cap", None) or (formula.amount if isinstance(formula, FixedFormula) else None)
    return None if cap is not None and cap == own and b.period == "per_year" else cap


def drop_shown_statuses(conds: list, formula) -> list:
    """A status the rule's own spend shows (算力使用方 and the 算力费用 the rate is computed on;
    建设运营独立站 and its 费用支出超过50万元) is not asked again as a declaration."""
    from zhengce.rules.profile import status_evidence

    fields = {getattr(formula, "base", None), getattr(formula, "quantity", None)}
    fields |= {c.field for c in conds if isinstance(c, ThresholdCondition)}
    fields.discard(None)
    shown = status_evidence()
    return [
        c for c in conds
        if not (isinstance(c, QualificationCondition) and not c.any_of and c.name in shown and shown[c.name] in fields)
    ]


def _rule(b: Benefit, rule_id: str, doc: ParsedDocument, conds: list, formula, stacking: list[Stacking]) -> Rule:
    md, title = doc.metadata, doc.span.title
    highest = [s for s in stacking if s.kind == "highest_only"]
    doc_cap = next((s.cap_total_yuan for s in stacking if s.kind == "document_cap"), None)
    note = None
    if md.effective_relative:
        note = md.effective_relative + "施行" + (f"，有效期{md.validity_years}年" if md.validity_years else "") + "（未写明日期）"
    conds = drop_shown_statuses(conds, formula)
    return Rule(
        rule_id=rule_id,
        beneficiary_class=_beneficiary_class(b),
        jurisdiction=md.jurisdiction,
        conditions=conds,
        formula=formula,
        period=b.period,
        max_years=b.max_years,
        first_year=getattr(b, "first_year", None),
        cap_per_year=_cap_per_year(b, formula),
        cap_total=b.cap_total_yuan,
        valid_from=md.effective,
        valid_until=md.expires,
        validity_note=note,
        stacking_group=stacking_category(b.quote) if highest else None,
        stacking_scope=highest[0].scope if highest else None,
        document_cap=doc_cap if _beneficiary_class(b) == "enterprise" else None,  # 单个企业…累计不超过
        departments=b.departments,
        beneficiary=b.beneficiary,
        citation=Citation(doc_id=b.doc_id, doc_title=title, file=b.file, line=b.line, path=b.path, quote=b.quote),
    )


LIST_ITEM = r"[^、，,。；和及（(]{2,18}(?:[（(][^）)]{1,6}[）)][^、，,。；和及]{0,6})?"
RECIPIENT_LIST_RE = re.compile(
    rf"(?:认定（获评）为|认定为|获评为?|获批的?|申报|建设各类|建设|对)(?P<items>{LIST_ITEM}(?:、{LIST_ITEM})*(?:、|和|及){LIST_ITEM})(?:等|，|,|$)"
)


def recipient_list(b: Benefit) -> list[str] | None:
    """对获批的省重点实验室、省工程技术联合实验室，给予最高2000万元: several kinds of recipient for one
    amount. Each is an alternative (paid once, whichever the firm is); at least one must be an honour."""
    if b.tiers:
        return None
    for m in RECIPIENT_LIST_RE.finditer(re.sub(r"(?:及|或)以上", "以上", clean(b.quote))):
        items = [x.strip() for x in re.split(r"、|和|及", m.group("items")) if x.strip()]
        items = [re.sub(r"^(?:各类|新获评的|获评的|获批的|认定的)", "", x) for x in items]
        items = [re.sub(r"等[\u4e00-\u9fa5]{0,4}$", "", x) for x in items]  # …研究院等载体
        if len(items) >= 2 and any(honours_in(x) for x in items) and all(len(x) >= 2 for x in items):
            return items
    return None


def item_condition(item: str):
    """One listed recipient as a condition: an honour of the vocabulary (with its level), else a status."""
    found = honours_in(item)
    if found:
        _, _, name, level = found[-1]
        return HonourCondition(name=name, levels=[level] if level else None)
    return QualificationCondition(name=item.replace("(", "（").replace(")", "）"))


def rule_for(
    b: Benefit,
    k: int,
    doc: ParsedDocument,
    conditions: list[Condition],
    stacking: list[Stacking],
    siblings: list[Benefit],
) -> Rule:
    """One rule for one benefit fact (not a tier of an alternatives list)."""
    conds, thresholds = _conditions_for(b, doc, conditions, tier_recipient_of(b, siblings))
    formula = _formula(b, siblings, conditions)
    items = recipient_list(b)
    if items and not isinstance(formula, AlternativesFormula):
        options = [Option(label=x, conditions=[item_condition(x)], formula=formula) for x in items]
        formula = AlternativesFormula(options=options)
        conds = [c for c in conds if not isinstance(c, (HonourCondition, QualificationCondition, UndeterminedCondition))]
    identified = thresholds or any(not isinstance(c, IndustryCondition) for c in conds) or industries_named(b) or items
    if not identified and not isinstance(formula, (RateFormula, StepFormula, PerUnitFormula)):
        # nobody named and no spend to decide it: never paid to every firm by default
        conds.append(UndeterminedCondition(reason="支持对象未能从原文识别"))
    return _rule(b, f"{b.doc_id}/L{b.line}/{k}", doc, conds + thresholds, formula, stacking)


def alternatives_rule(tiers: list[Benefit], k: int, doc: ParsedDocument, conditions: list[Condition],
                      stacking: list[Stacking], siblings: list[Benefit]) -> Rule | None:  # fmt: skip
    """分别给予 over classes or thresholds: one rule whose options are alternatives (at most one is paid).

    Options are ordered so that the first that holds is the one paid: thresholds highest first; a
    class list keeps the text's order with its catch-all class (其他产业) as ``none_of`` the others.
    """
    labels = [getattr(b, "tier_label", None) or "" for b in tiers]
    first = tiers[0]
    who = clean(first.beneficiary or "")
    shared, thresholds = _conditions_for(first, doc, conditions)
    shared = [c for c in shared if not isinstance(c, QualificationCondition)]
    options: list[Option] = []
    if _is_class_list(labels):
        named = [QualificationCondition(name=lb) for lb in labels[:-1]]
        for b, lb, q in zip(tiers, labels, [*named, None]):
            cond = [q] if q is not None else [NotCondition(any=named)]
            options.append(Option(label=lb, conditions=cond, formula=_formula(b, siblings, conditions)))
        quals, age = _qualifications(first, thresholds)
        base = [q for q in quals if not any(lb in q.name for lb in labels)]
        shared = base + shared + thresholds
    else:
        parsed = [_tier_thresholds(lb, who) for lb in labels]
        if any(p is None for p in parsed):
            return None
        for b, lb, ts in sorted(zip(tiers, labels, parsed), key=lambda x: -max(t.value for t in x[2])):
            options.append(Option(label=lb, conditions=list(ts), formula=_formula(b, siblings, conditions)))
        quals, _ = _qualifications(first, [t for ts in parsed for t in ts])
        kept = [t for t in thresholds if not any(t.field == x.field for ts in parsed for x in ts)]
        shared = quals + shared + kept
    rule = _rule(first, f"{first.doc_id}/L{first.line}/{k}", doc, shared, AlternativesFormula(options=options), stacking)
    return rule


TIER_WORDS = "一二三四五六七八九十"


def ranked_tiers_rule(tier_rules: list[Rule]) -> Rule | None:
    """分别给予100万元、60万元、30万元 to recipients the text does not tell apart: one rule whose options
    are ranks (第一档…), each a status the department assigns, so the amounts are never summed.
    None when the tiers' conditions differ (each tier then stays its own rule)."""
    dump = [json.dumps([c.model_dump(mode="json") for c in r.conditions], ensure_ascii=False) for r in tier_rules]
    if len(set(dump)) != 1 or len(tier_rules) > len(TIER_WORDS):
        return None
    first = tier_rules[0]
    named = next((c.name for c in first.conditions if isinstance(c, QualificationCondition)), None) or "支持对象"
    shared = [c for c in first.conditions if not isinstance(c, (QualificationCondition, UndeterminedCondition))]
    options = [
        Option(label=f"第{TIER_WORDS[k]}档", conditions=[QualificationCondition(name=f"{named}（第{TIER_WORDS[k]}档）")], formula=r.formula)
        for k, r in enumerate(tier_rules)
    ]
    return first.model_copy(update={"conditions": shared, "formula": AlternativesFormula(options=options)})


def quantity_field(unit: str | None) -> str | None:
    """The profile quantity a per-unit amount counts (data/quantities.json units)."""
    if not unit:
        return None
    from zhengce.rules.profile import quantity_units

    unit = unit.replace("/", "·").strip("·")
    for key, q in quantity_units().items():
        if any(unit == u.replace("/", "·") for u in q["units"]):
            return f"quantities.{key}"
    return None


def _formula(b: Benefit, siblings: list[Benefit], conditions: list[Condition]):
    if b.kind == "unknown":
        return UnknownFormula(reason=b.unknown_reason or "unspecified")
    per_unit = getattr(b, "per_unit", None)
    if per_unit is None and b.tiers:  # 每项分别给予最高100万元、50万元: the unit holds for every tier
        per_unit = next((x.per_unit for x in siblings if x.tiers == b.tiers and x.quote == b.quote and getattr(x, "per_unit", None)), None)
    if per_unit in ("个", "项") and re.search(r"每(?:个|项)[^，。；]{0,10}项目", clean(b.quote)):
        per_unit = "个项目"  # 每个开源软件项目: projects are counted
    if per_unit and b.kind == "fixed" and b.amount_yuan:
        q = quantity_field(per_unit)
        if q is None:
            return UnknownFormula(reason=f"按{per_unit}计算，企业画像中没有对应的数量：每{per_unit}{b.amount_yuan}元")
        return PerUnitFormula(amount=b.amount_yuan, unit=per_unit, quantity=q, cap=getattr(b, "cap_yuan", None),
                              upto=b.amount_is_cap)  # fmt: skip
    if b.kind in ("rate", "interest"):
        field = base_field(b.base) or base_field(b.quote)  # 按照实际投入的20%: the quote names what was invested
        if field is None or b.rate is None:
            return UnknownFormula(reason=f"按比例给付，基数未能对应到企业画像字段：{b.base or '未写明'}")
        return RateFormula(rate=b.rate, rate_max=b.rate_max, base=field, cap=b.amount_yuan if b.amount_is_cap else None,
                           upto=getattr(b, "rate_is_cap", False))  # fmt: skip
    per_step = re.match(r"每([\d.]+)(\D{1,6})$", clean(b.base or ""))
    if b.kind == "step" and not b.step_yuan and b.amount_yuan and per_step:
        # 每10000平方米给予10万元: a step of a counted quantity, from zero
        q = quantity_field(per_step.group(2))
        if q is None:
            return UnknownFormula(reason=f"按{b.base}计算，企业画像中没有对应的数量")
        return StepFormula(base=q, threshold=0, step=int(float(per_step.group(1))), step_amount=b.amount_yuan,
                           cap=getattr(b, "cap_yuan", None))  # fmt: skip
    if b.kind == "step" and b.step_yuan and b.amount_yuan:
        field = base_field(b.quote) or base_field(" ".join(s.quote for s in siblings))
        over = next((c for c in conditions if c.kind == "threshold" and c.operator in (">", ">=") and c.unit == "元" and c.end <= b.start), None)
        if field and over is not None:
            return StepFormula(base=field, threshold=int(over.value), step=b.step_yuan, step_amount=b.amount_yuan)
        return UnknownFormula(reason="阶梯给付，基数或起点未能识别")
    if b.amount_yuan is None and b.floor_yuan is not None:
        return FixedFormula(amount=b.floor_yuan, at_least=True)
    if b.amount_yuan is None:
        return UnknownFormula(reason="仅写明累计上限" if b.cap_total_yuan else "unspecified")
    return FixedFormula(amount=b.amount_yuan, upto=b.amount_is_cap)


DOC_DEPT_RE = re.compile(
    r"(?:由|，|。|^|（[一二三四五六七八九十]+）[^。]{0,6}?)(?P<dept>市[\u4e00-\u9fa5]{1,8}?(?:局|委|办))"
    r"(?:另行制定|编制申报指南|负责(?:解释|组织|实施|受理)|牵头|规范评审|会同)"
)


def document_departments(src: SourceText, doc: ParsedDocument) -> list[str]:
    """The unit a document names as running its measures when no clause carries a responsibility tag
    (本《措施》…具体条件由市商务局另行制定; 市发改委编制申报指南…). Only units the registry knows."""
    from collections import Counter

    from zhengce.extract.departments import registry

    reg = registry()
    text = clean(src.text[doc.span.start : doc.span.end])
    found = Counter(reg.canonical(m.group("dept")) for m in DOC_DEPT_RE.finditer(text) if reg.is_known(m.group("dept")))
    return [found.most_common(1)[0][0]] if found else []


def generate_for_document(src: SourceText, doc: ParsedDocument) -> RuleFile | None:
    """Rules of one document (None when it grants nothing)."""
    facts = extract_document(src, doc, kinds={"benefit", "condition", "stacking"})
    benefits = [f for f in facts if isinstance(f, Benefit)]
    if not benefits:
        return None
    conditions = [f for f in facts if isinstance(f, Condition)]
    stacking = [f for f in facts if isinstance(f, Stacking)]
    per_line: dict[int, int] = defaultdict(int)
    rules = []
    done: set[int] = set()
    for i, b in enumerate(benefits):
        if i in done:
            continue
        per_line[b.line] += 1
        siblings = [x for x in benefits if x.line == b.line and x is not b]
        if b.tiers and b.tier == 1 and getattr(b, "tier_label", None):
            group = [j for j in range(i, min(i + b.tiers, len(benefits))) if benefits[j].line == b.line and benefits[j].tier == j - i + 1]
            if len(group) == b.tiers:
                tiers = [benefits[j] for j in group]
                alt = alternatives_rule(tiers, per_line[b.line], doc, conditions, stacking, siblings)
                if alt is not None:
                    # cite the whole span of the tiers (rates in one sentence, their caps in the next)
                    alt.citation.quote = src.text[min(t.start for t in tiers) : max(t.end for t in tiers)]
                    rules.append(alt)
                    done.update(group)
                    continue
        if b.tiers and b.tier == 1:
            group = [j for j in range(i, min(i + b.tiers, len(benefits))) if benefits[j].line == b.line and benefits[j].tier == j - i + 1]
            if len(group) == b.tiers > 1:
                tier_rules = [rule_for(benefits[j], per_line[b.line], doc, conditions, stacking,
                                       [x for x in benefits if x.line == b.line and x is not benefits[j]]) for j in group]  # fmt: skip
                merged = ranked_tiers_rule(tier_rules)
                if merged is not None:  # the text does not say which recipient gets which amount
                    rules.append(merged)
                    done.update(group)
                    continue
        rules.append(rule_for(b, per_line[b.line], doc, conditions, stacking, siblings))
    if rules and not any(r.departments for r in rules):
        owner = document_departments(src, doc)
        for r in rules:
            r.departments = list(owner)
    return RuleFile(doc_id=doc.doc_id(src.name), doc_title=doc.span.title, rules=rules)


def identity_keys(rules: list[Rule]) -> list[tuple[int, str, int]]:
    """What a rule is about, stable when extraction finds new benefits on the same line:
    (line, start of its quote, occurrence among the rules with that line and quote start).
    Rule ids number rules per line, so a newly read clause would shift them."""
    seen: dict[tuple[int, str], int] = defaultdict(int)
    out = []
    for r in rules:
        head = (r.citation.line, r.citation.quote[:16])
        out.append((*head, seen[head]))
        seen[head] += 1
    return out


def merge_reviewed(new: RuleFile, old: RuleFile | None) -> RuleFile:
    """Keep reviewed (and rejected) rules as they are; take generated ones for the rest.

    Generated and reviewed rules are paired by :func:`identity_keys`, not by id; a generated rule
    whose id a reviewed rule holds is renumbered; tiers a reviewer merged into one rule
    (``replaces``) are not brought back.
    """
    if old is None:
        return new
    reviewed = [r for r in old.rules if r.status != "extracted"]
    by_key = dict(zip(identity_keys(reviewed), reviewed))
    retired = {(r.citation.line, r.citation.quote[:16]) for r in reviewed if r.replaces}
    taken = {r.rule_id for r in reviewed}
    merged = []
    for g, key in zip(new.rules, identity_keys(new.rules)):
        if key in by_key:
            merged.append(by_key.pop(key))
            continue
        if key[:2] in retired:
            continue
        if g.rule_id in taken:
            stem = g.rule_id.rsplit("/", 1)[0]
            n = 1
            while f"{stem}/{n}" in taken or any(x.rule_id == f"{stem}/{n}" for x in new.rules):
                n += 1
            g = g.model_copy(update={"rule_id": f"{stem}/{n}"})
        taken.add(g.rule_id)
        merged.append(g)
    merged += list(by_key.values())  # reviewed rules whose fact is gone stay until a person removes them
    return RuleFile(doc_id=new.doc_id, doc_title=new.doc_title, rules=merged)


def qualification_names(rule: Rule) -> list[str]:
    """Every qualification a rule's conditions and options name."""
    conds = list(rule.conditions)
    if isinstance(rule.formula, AlternativesFormula):
        conds += [c for o in rule.formula.options for c in o.conditions]
    out = []
    for c in conds:
        inner = c.any if isinstance(c, NotCondition) else [c]
        out += [n for x in inner if isinstance(x, QualificationCondition) for n in (x.name, *(x.any_of or []))]
    return out


def short_label(name: str) -> str:
    """A short label for a pick-list: the head noun phrase after the last 的, at most 16 characters."""
    head = name.rsplit("的", 1)[-1] if "的" in name else name
    head = head if len(head) >= 2 else name
    return head if len(head) <= 16 else head[:15] + "…"


def qualification_vocab_for(rules: list[Rule], old: dict[str, dict]) -> list[dict]:
    """The qualifications enterprise rules ask for, with labels (hand-set labels in ``old`` are kept)."""
    uses: dict[str, list[str]] = {}
    for r in rules:
        if r.beneficiary_class != "enterprise" or r.status == "rejected":
            continue
        for q in qualification_names(r):
            uses.setdefault(q, []).append(r.rule_id)
    concepts = {c["name"]: c for c in load_json("qualification_concepts.json")["concepts"]}
    names = sorted(set(uses) | set(concepts))
    return [
        {"name": q, "label": (concepts.get(q) or old.get(q) or {}).get("label") or short_label(q), "rules": uses.get(q, [])}
        for q in names
    ]


def write_qualification_vocab(rules: list[Rule], path: Path) -> Path:
    """Rewrite data/qualifications.json (atomically) from the rules in force."""
    import json

    old = {q["name"]: q for q in json.loads(path.read_text(encoding="utf-8")).get("qualifications", [])} if path.exists() else {}
    data = {
        "_about": "Declared statuses (资格) that enterprise rules ask for, each with a short label for pick-lists. "
        "Written by `zhengce rules build` from the rules; hand-set labels are kept. A profile's qualifications "
        "must come from this list.",
        "qualifications": qualification_vocab_for(rules, old),
    }
    tmp = path.with_name(path.name + ".partial")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    tmp.replace(path)
    return path


def build_rules(corpus: Path | None = None, out: Path | None = None, jurisdiction: str | None = None) -> list[Path]:
    """Regenerate rule files for a corpus folder, preserving reviewed rules.

    ``jurisdiction`` (a canonical place) is given to documents whose text does not state one,
    as ``ingest --jurisdiction`` does. Files of this corpus's documents that no longer grant
    anything are removed unless a person reviewed a rule in them; other files are left alone.
    """
    out = out or rules_dir()
    out.mkdir(parents=True, exist_ok=True)
    written = []
    files = sorted((corpus or bundled_corpus()).glob("*.txt"))
    for f in files:
        src = read_source(f)
        for doc in parse_source(src, jurisdiction=jurisdiction):
            rf = generate_for_document(src, doc)
            if rf is None:
                continue
            path = out / rule_file_name(rf.doc_id)
            old = RuleFile.model_validate_json(path.read_text(encoding="utf-8")) if path.exists() else None
            written.append(write_rule_file(out, merge_reviewed(rf, old)))
    from zhengce.datafiles import package_data_dir
    from zhengce.rules.model import load_rules

    mine = set().union(*(set(out.glob(f"{f.stem}_*.json")) for f in files)) if files else set()
    for stale in sorted(mine - set(written)):
        # a document that no longer grants anything (or whose id moved): drop it unless a person reviewed it
        rf = RuleFile.model_validate_json(stale.read_text(encoding="utf-8"))
        if not any(r.status != "extracted" for r in rf.rules):
            stale.unlink()
    if out == rules_dir():
        write_qualification_vocab(load_rules(out), package_data_dir() / "qualifications.json")
    return written



