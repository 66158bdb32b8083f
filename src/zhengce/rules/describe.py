"""A rule read back in plain Chinese, so a reviewer can check the machine's reading against the quote.

``describe_rule(rule)`` writes one paragraph, e.g.::

    对属于先导产业的企业（设备投入2000万元以上），按设备投资额的12%给予，最高1000万元；
    高新技术产业…；一次性

It covers every formula type (fixed, rate, step, per-unit, unknown, alternatives), every
condition type, who receives the money, the period and its caps, 就高不重复 groups and the
validity window. ``quote_segments(rule)`` cuts the quote into pieces, marking the amounts,
rates and condition words the machine read, for highlighting beside the description.
"""

from __future__ import annotations

import json
import re
from typing import Any

from zhengce.rules.model import (
    AlternativesFormula,
    FixedFormula,
    HonourCondition,
    IndustryCondition,
    JurisdictionCondition,
    NotCondition,
    Option,
    PerUnitFormula,
    QualificationCondition,
    RateFormula,
    Rule,
    StepFormula,
    ThresholdCondition,
    UnknownFormula,
)

BENEFICIARY_ZH = {
    "enterprise": "企业",
    "government": "地方政府",
    "individual": "个人",
    "financial_institution": "金融机构",
    "organisation": "高校、科研院所等机构",
}
PERIOD_ZH = {"per_year": "每年", "one_off": "一次性", "per_month": "按月"}
REASON_ZH = {
    "按相关政策": "金额未定（按相关政策执行）",
    "一事一议": "金额未定（一事一议）",
    "delegated": "金额未定（由有关部门另行制定办法）",
    "unspecified": "金额未定（原文只写给予一定支持）",
}
OP_ZH = {">=": "{}以上", ">": "超过{}", "<=": "不超过{}", "<": "低于{}"}
RATIO_FIELDS = {"revenue_growth", "rd_ratio"}
COUNT_UNITS = {"insured_headcount": "人", "patents.invention": "件", "patents.foreign_filed": "件", "patents.foreign_granted": "件"}


def money(v: float | int | None) -> str:
    """Yuan in the document's own words: 20000000 → 2000万元, 150000000 → 1.5亿元, 5000 → 5000元."""
    if v is None:
        return "金额未定"
    v = int(v) if float(v).is_integer() else v
    for unit, scale in (("亿元", 100_000_000), ("万元", 10_000)):
        if abs(v) >= scale:
            return f"{v / scale:.4f}".rstrip("0").rstrip(".") + unit
    return f"{v:g}元" if isinstance(v, float) else f"{v}元"


def percent(r: float) -> str:
    """0.12 → 12%, 0.005 → 0.5%."""
    return f"{r * 100:.4f}".rstrip("0").rstrip(".") + "%"


def field_zh(name: str) -> str:
    """A profile field's Chinese label, without the form's explanatory brackets."""
    try:
        from zhengce.rules.profile import NUMERIC_FIELDS

        label = NUMERIC_FIELDS.get(name)
    except ImportError:  # pragma: no cover - the profile module is always there
        label = None
    if not label:
        return name
    return re.sub(r"[（(][^）)]*[）)]", "", label).strip() or name


def field_value(name: str, value: float) -> str:
    if name in RATIO_FIELDS:
        return percent(value)
    if name in COUNT_UNITS:
        return f"{value:g}{COUNT_UNITS[name]}"
    if name.startswith("quantities."):
        return f"{value:g}"
    return money(value)


# --- conditions ---------------------------------------------------------------------------


def _simple_condition(c: Any) -> str:
    if isinstance(c, HonourCondition):
        return f"获评{'或'.join(c.levels) if c.levels else ''}{c.name}"
    if isinstance(c, QualificationCondition):
        names = "或".join([c.name, *(c.any_of or [])])
        kind = re.search(r"(?:产业|企业|单位|机构|主体|平台|中心|基地|项目|方|商)$", c.name)  # what the firm is, or what it has
        return ("属于" if kind else "具备") + names
    if isinstance(c, IndustryCondition):
        return f"属于{'、'.join(c.any)}领域"
    if isinstance(c, JurisdictionCondition):
        return f"位于{'、'.join(c.any)}"
    return _unknown_part(c)


def _unknown_part(x: Any) -> str:
    """A condition or formula type this module does not know yet: shown as data, never hidden."""
    data = x.model_dump(mode="json", exclude={"type"}) if hasattr(x, "model_dump") else x
    return f"〔{getattr(x, 'type', '?')}：{json.dumps(data, ensure_ascii=False)}〕"


def condition_zh(c: Any) -> str:
    """One condition as a phrase: 获评国家级专精特新“小巨人”企业, 设备投入2000万元以上, 不属于先导产业."""
    if isinstance(c, ThresholdCondition):
        if c.text:
            return c.text.removeprefix("对").strip()
        return field_zh(c.field) + OP_ZH[c.op].format(field_value(c.field, c.value))
    if isinstance(c, NotCondition):
        names = [_simple_condition(x).removeprefix("属于").removeprefix("获评") for x in c.any]
        return "不属于" + "、".join(names)
    return _simple_condition(c)


def subject_zh(conditions: list[Any], who: str) -> str:
    """对属于先导产业的企业（设备投入2000万元以上）: qualities before the noun, thresholds in brackets.

    An undetermined condition (支持对象未能识别) is said first: 对象待定（…）：对符合条件的企业."""
    undetermined = [c for c in conditions if getattr(c, "type", None) == "undetermined"]
    rest = [c for c in conditions if c not in undetermined]
    qualities = [condition_zh(c).removesuffix("的") for c in rest if not isinstance(c, ThresholdCondition)]
    thresholds = [condition_zh(c) for c in rest if isinstance(c, ThresholdCondition)]
    text = "对" + ("、".join(qualities) + "的" if qualities else "符合条件的") + who
    if thresholds:
        text += "（" + "，".join(thresholds) + "）"
    if undetermined:
        text = "对象待定（" + "；".join(getattr(c, "reason", "") or "原文未写明" for c in undetermined) + "）：" + text
    return text


# --- formulas -----------------------------------------------------------------------------


def _cap(cap: int | None) -> str:
    return f"，最高{money(cap)}" if cap is not None else ""


def formula_zh(f: Any) -> str:
    """The amount: 给予最高1000万元 / 按设备投资额的12%给予，最高1000万元 / 金额未定（一事一议）."""
    if isinstance(f, FixedFormula):
        if f.at_least:
            return f"给予不低于{money(f.amount)}"
        return f"给予{'最高' if f.upto else ''}{money(f.amount)}"
    if isinstance(f, RateFormula):
        rate = percent(f.rate) + (f"～{percent(f.rate_max)}" if f.rate_max is not None else "")
        return f"按{field_zh(f.base)}的{'比例最高' if f.upto else ''}{rate}给予{_cap(f.cap)}"
    if isinstance(f, StepFormula):
        base = field_zh(f.base)
        lead = f"{base}超过{money(f.threshold)}的部分，" if f.threshold else f"按{base}，"
        return f"{lead}每{money(f.step)}给予{money(f.step_amount)}{_cap(f.cap)}"
    if isinstance(f, PerUnitFormula):
        return f"按{field_zh(f.quantity)}每{f.unit}给予{'最高' if f.upto else ''}{money(f.amount)}{_cap(f.cap)}"
    if isinstance(f, UnknownFormula):
        return REASON_ZH.get(f.reason, f"金额未定（{f.reason}）")
    if isinstance(f, AlternativesFormula):
        return "；".join(option_zh(o, "企业") for o in f.options)
    return _unknown_part(f)


def option_zh(o: Option, who: str) -> str:
    """One alternative: its label (unless its conditions already say it), conditions and amount."""
    amount = formula_zh(o.formula)
    if not o.conditions:
        return f"{o.label}：{amount}"
    subject = subject_zh(o.conditions, who)
    label = "" if o.label in subject else f"{o.label}："
    return f"{label}{subject}，{amount}"


# --- the whole rule -----------------------------------------------------------------------


def _period(rule: Rule) -> str:
    parts = []
    if rule.first_year is not None:
        parts.append(f"自第{rule.first_year}年起")
    if rule.period:
        parts.append(PERIOD_ZH.get(rule.period, rule.period))
    text = "".join(parts)
    if rule.max_years is not None:
        text += ("，" if text else "") + f"最多{rule.max_years}年"
    return text


def _validity(rule: Rule) -> str:
    a, b = rule.valid_from, rule.valid_until
    if a and b:
        text = f"有效期{a.isoformat()}至{b.isoformat()}"
    elif a:
        text = f"{a.isoformat()}起施行"
    elif b:
        text = f"有效期至{b.isoformat()}"
    else:
        text = ""
    if rule.validity_note:
        text = (text + "，" if text else "") + rule.validity_note
    return text or "有效期未写明"


def describe_rule(rule: Rule) -> str:
    """The machine's reading of one rule, in plain Chinese, every part that affects who gets what."""
    who = BENEFICIARY_ZH.get(rule.beneficiary_class, rule.beneficiary_class)
    parts: list[str] = []
    if rule.beneficiary_class != "enterprise":
        parts.append(f"对象：{who}")
    f = rule.formula
    if isinstance(f, AlternativesFormula):
        options = "；".join(option_zh(o, who) for o in f.options)
        if rule.conditions:
            parts.append(f"{subject_zh(rule.conditions, who)}，按下列情形之一给予（不叠加）：{options}")
        else:
            parts.append(options)
    else:
        parts.append(f"{subject_zh(rule.conditions, who)}，{formula_zh(f)}")
    if period := _period(rule):
        parts.append(period)
    if rule.cap_per_year is not None:
        parts.append(f"每年最高{money(rule.cap_per_year)}")
    if rule.cap_total is not None:
        parts.append(f"累计最高{money(rule.cap_total)}")
    if rule.document_cap is not None:
        parts.append(f"本文件各项支持合计最高{money(rule.document_cap)}")
    if rule.stacking_group:
        parts.append(f"与“{rule.stacking_group}”类支持就高不重复")
    if rule.jurisdiction:
        parts.append(f"适用地区：{rule.jurisdiction}")
    parts.append(_validity(rule))
    return "；".join(parts)


# --- the quote, highlighted ---------------------------------------------------------------

NUMBER = r"[0-9０-９.．,，]+|[零〇一二两三四五六七八九十百千]+"
AMOUNT_RE = re.compile(rf"(?:最高|不超过|不低于|不少于)?(?:{NUMBER})\s*(?:亿元|万元|千元|元|亿|万)")
RATE_RE = re.compile(rf"(?:{NUMBER})\s*(?:[%％‰]|个百分点)(?:\s*[～~\-—至]\s*(?:{NUMBER})\s*[%％‰])?")
WORDS_RE = re.compile(r"一事一议|按相关政策|就高不重复|累计不超过|每年|一次性|最多\S年|连续\S年")


def _rule_words(rule: Rule) -> list[str]:
    words: list[str] = []

    def add_conditions(conds: list[Any]) -> None:
        for c in conds:
            if isinstance(c, HonourCondition | QualificationCondition):
                words.append(c.name)
            elif isinstance(c, IndustryCondition | JurisdictionCondition):
                words.extend(c.any)
            elif isinstance(c, NotCondition):
                add_conditions(list(c.any))
            elif isinstance(c, ThresholdCondition) and c.text:
                words.append(c.text.removeprefix("对"))

    add_conditions(rule.conditions)
    if isinstance(rule.formula, AlternativesFormula):
        for o in rule.formula.options:
            words.append(o.label)
            add_conditions(o.conditions)
    return [w for w in words if len(w) >= 2]


def quote_segments(rule: Rule) -> list[dict[str, Any]]:
    """The quote cut into ``{"text", "mark"}`` pieces; ``mark`` is amount / rate / condition / term or ""."""
    quote = rule.citation.quote
    marks: list[tuple[int, int, str]] = []
    for rx, kind in ((AMOUNT_RE, "amount"), (RATE_RE, "rate"), (WORDS_RE, "term")):
        marks.extend((m.start(), m.end(), kind) for m in rx.finditer(quote))
    for w in _rule_words(rule):
        start = quote.find(w)
        while start != -1:
            marks.append((start, start + len(w), "condition"))
            start = quote.find(w, start + len(w))
    marks.sort(key=lambda m: (m[0], -(m[1] - m[0])))
    segments: list[dict[str, Any]] = []
    pos = 0
    for start, end, kind in marks:
        if start < pos:  # overlaps an earlier, longer mark
            continue
        if start > pos:
            segments.append({"text": quote[pos:start], "mark": ""})
        segments.append({"text": quote[start:end], "mark": kind})
        pos = end
    if pos < len(quote):
        segments.append({"text": quote[pos:], "mark": ""})
    return segments
