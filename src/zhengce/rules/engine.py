"""Evaluate rules for one enterprise (政策计算器), as of a date, with cited explanations.

Per rule the status is ``eligible`` (with an amount or a range),
``needs-info`` (naming the profile fields that would decide it),
``not-eligible`` (naming the failing condition) or ``superseded`` (lost to a
higher rule of its 就高不重复 group). The whole-registry screen
(:mod:`zhengce.rules.screen`) implements the same semantics column-wise.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from zhengce.rules.model import (
    FixedFormula,
    HonourCondition,
    IndustryCondition,
    JurisdictionCondition,
    QualificationCondition,
    RateFormula,
    Rule,
    StepFormula,
    ThresholdCondition,
    UnknownFormula,
)

OPS = {">=": lambda a, b: a >= b, ">": lambda a, b: a > b, "<=": lambda a, b: a <= b, "<": lambda a, b: a < b}


@dataclass
class RuleResult:
    rule: Rule
    status: str  # eligible | needs-info | not-eligible | superseded
    amount_min_yuan: int | None = None
    amount_max_yuan: int | None = None
    missing_fields: list[str] = field(default_factory=list)
    reason: str = ""

    def to_json(self) -> dict[str, Any]:
        r, c = self.rule, self.rule.citation
        return {
            "rule_id": r.rule_id,
            "status": self.status,
            "amount_min_yuan": self.amount_min_yuan,
            "amount_max_yuan": self.amount_max_yuan,
            "missing_fields": self.missing_fields,
            "reason": self.reason,
            "review_status": r.status,
            "doc_id": c.doc_id,
            "doc_title": c.doc_title,
            "path": c.path,
            "file": c.file,
            "line": c.line,
            "quote": c.quote,
            "departments": r.departments,
            "beneficiary": r.beneficiary,
            "period": r.period,
            "max_years": r.max_years,
            "cap_total_yuan": r.cap_total,
            "stacking_group": r.stacking_group,
            "valid_from": r.valid_from.isoformat() if r.valid_from else None,
            "valid_until": r.valid_until.isoformat() if r.valid_until else None,
            "validity_note": r.validity_note,  # e.g. relative validity with no date stated: in force is not certain
        }


def condition_state(row: dict[str, Any], cond: Any) -> tuple[bool | None, str, str]:
    """(True/False, or None when unknown; the field it reads; words for explanations)."""
    if isinstance(cond, HonourCondition):
        tokens = row.get("honours")
        need = [f"{cond.name}@{lv}" for lv in cond.levels] if cond.levels else [cond.name]
        words = f"需具备{'/'.join(cond.levels) if cond.levels else ''}{cond.name}"
        return (None if tokens is None else any(t in tokens for t in need)), "honours", words
    if isinstance(cond, QualificationCondition):
        quals = row.get("qualifications")
        return (None if quals is None else cond.name in quals), "qualifications", f"需为{cond.name}"
    if isinstance(cond, IndustryCondition):
        inds = row.get("industries")
        return (None if inds is None else any(i in inds for i in cond.any)), "industries", f"需属于{'/'.join(cond.any)}领域"
    if isinstance(cond, JurisdictionCondition):
        j = row.get("jurisdiction")
        return (None if j is None else j in cond.any), "jurisdiction", f"需在{'、'.join(cond.any)}"
    if isinstance(cond, ThresholdCondition):
        v = row.get(cond.field)
        words = cond.text or f"{cond.field} {cond.op} {cond.value:g}"
        return (None if v is None else OPS[cond.op](v, cond.value)), cond.field, f"需满足{words}"
    raise TypeError(f"unknown condition {cond!r}")


def formula_amount(row: dict[str, Any], rule: Rule) -> tuple[bool | None, int | None, int | None, str | None]:
    """(applies: True / False / None when the base is unknown, min, max, the base field)."""
    f = rule.formula
    if isinstance(f, FixedFormula):
        if f.at_least:
            return True, f.amount, None, None
        return True, (None if f.upto else f.amount), f.amount, None
    if isinstance(f, UnknownFormula):
        return True, None, None, None
    base = row.get(f.base)
    if base is None:
        return None, None, None, f.base
    if isinstance(f, RateFormula):
        lo = math.floor(f.rate * base)
        hi = math.floor((f.rate_max if f.rate_max is not None else f.rate) * base)
        if f.cap is not None:
            lo, hi = min(lo, f.cap), min(hi, f.cap)
        return hi > 0, lo, hi, f.base
    if isinstance(f, StepFormula):
        steps = math.floor((base - f.threshold) / f.step) if base > f.threshold else 0
        amount = steps * f.step_amount
        if f.cap is not None:
            amount = min(amount, f.cap)
        return amount > 0, amount, amount, f.base
    raise TypeError(f"unknown formula {f!r}")


def in_force(rule: Rule, as_of: date) -> tuple[bool, str]:
    if rule.valid_until is not None and as_of > rule.valid_until:
        return False, f"已失效（有效期至{rule.valid_until.isoformat()}）"
    if rule.valid_from is not None and as_of < rule.valid_from:
        return False, f"尚未施行（{rule.valid_from.isoformat()}起施行）"
    return True, ""


def evaluate_rule(row: dict[str, Any], rule: Rule) -> RuleResult:
    """One rule for one flat row, before stacking and document caps."""
    missing: list[str] = []
    for cond in rule.conditions:
        ok, fld, words = condition_state(row, cond)
        if ok is False:
            return RuleResult(rule, "not-eligible", reason=words)
        if ok is None and fld not in missing:
            missing.append(fld)
    applies, lo, hi, base = formula_amount(row, rule)
    if applies is False:
        return RuleResult(rule, "not-eligible", reason=f"{base} 未达到给付条件")
    if applies is None and base not in missing:
        missing.append(base)
    if missing:
        return RuleResult(rule, "needs-info", missing_fields=missing, reason="缺少：" + "、".join(missing))
    reason = "金额未定：" + rule.formula.reason if isinstance(rule.formula, UnknownFormula) else ""
    return RuleResult(rule, "eligible", lo, hi, reason=reason)


def resolve_stacking(results: list[RuleResult], order: dict[str, int]) -> None:
    """就高不重复 within stacking groups, then document caps, over eligible results (in place)."""
    groups: dict[str, list[RuleResult]] = {}
    for r in results:
        if r.status == "eligible" and r.rule.stacking_group and r.amount_max_yuan is not None:
            groups.setdefault(r.rule.stacking_group, []).append(r)
    for members in groups.values():
        members.sort(key=lambda r: (-r.amount_max_yuan, order[r.rule.rule_id]))  # type: ignore[operator]
        winner = members[0]
        for loser in members[1:]:
            loser.status = "superseded"
            loser.reason = f"就高不重复：同组保留金额更高的 {winner.rule.rule_id}"
    docs: dict[str, list[RuleResult]] = {}
    for r in results:
        if r.status == "eligible" and r.rule.document_cap is not None and r.amount_max_yuan is not None:
            docs.setdefault(r.rule.citation.doc_id, []).append(r)
    for members in docs.values():
        cap = members[0].rule.document_cap
        members.sort(key=lambda r: (-r.amount_max_yuan, order[r.rule.rule_id]))  # type: ignore[operator]
        used = 0
        for r in members:
            room = max(cap - used, 0)  # type: ignore[operator]
            if r.amount_max_yuan > room:  # type: ignore[operator]
                r.amount_max_yuan = room
                if r.amount_min_yuan is not None:
                    r.amount_min_yuan = min(r.amount_min_yuan, room)
                r.reason = (r.reason + "；" if r.reason else "") + f"受文件累计上限{cap}元限制"
            used += r.amount_max_yuan  # type: ignore[operator]


@dataclass
class Evaluation:
    as_of: date
    results: list[RuleResult]
    excluded_expired: int = 0

    def totals(self) -> tuple[int, int, int]:
        """(total min, total max, eligible rules whose amount is open-ended).

        An open-ended amount (unknown, or 不低于 with no maximum) adds its known minimum to both.
        """
        eligible = [r for r in self.results if r.status == "eligible"]
        lo = sum(r.amount_min_yuan or 0 for r in eligible)
        hi = sum(r.amount_max_yuan if r.amount_max_yuan is not None else (r.amount_min_yuan or 0) for r in eligible)
        return lo, hi, sum(1 for r in eligible if r.amount_max_yuan is None)


def evaluate(row: dict[str, Any], rules: list[Rule], as_of: date, *, include_expired: bool = False) -> Evaluation:
    """All rules for one enterprise row, with stacking and document caps resolved."""
    order = {r.rule_id: i for i, r in enumerate(rules)}
    results: list[RuleResult] = []
    expired = 0
    for rule in rules:
        ok, why = in_force(rule, as_of)
        if not ok and not include_expired:
            expired += 1
            continue
        res = evaluate_rule(row, rule)
        if not ok:  # shown on request, never paid
            res.status, res.amount_min_yuan, res.amount_max_yuan = "not-eligible", None, None
            res.reason = why
        results.append(res)
    resolve_stacking(results, order)
    return Evaluation(as_of, results, expired)


def match_report(profile: Any, rules: list[Rule], as_of: date, *, include_expired: bool = False, show_all: bool = False) -> dict[str, Any]:
    """The JSON of `zhengce match --json` and `POST /api/match` for one validated profile."""
    ev = evaluate(profile.to_row(as_of), rules, as_of, include_expired=include_expired)
    lo, hi, open_ended = ev.totals()
    shown = [r for r in ev.results if show_all or r.status != "not-eligible"]
    return {
        "as_of": as_of.isoformat(),
        "enterprise": {"credit_code": profile.credit_code, "name": profile.name},
        "results": [r.to_json() for r in shown],
        "total_min_yuan": lo,
        "total_max_yuan": hi,
        "open_ended_count": open_ended,
        "excluded_expired_rules": ev.excluded_expired,
        "unreviewed_rules": sorted({r.rule.rule_id for r in shown if r.rule.status != "reviewed"}),
    }
