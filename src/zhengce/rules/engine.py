"""Evaluate rules for one enterprise (政策计算器), as of a date, with cited explanations.

Per rule the status is ``eligible`` (with an amount or a range),
``needs-info`` (naming the profile fields that would decide it),
``not-eligible`` (naming the failing condition) or ``superseded`` (lost to a
higher rule of its 就高不重复 group). The calculator and the whole-registry
screen (:mod:`zhengce.rules.screen`) evaluate the same compiled expressions
(:mod:`zhengce.rules.compile`), so they cannot disagree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import polars as pl

from zhengce.rules.expr import decode_fields
from zhengce.rules.compile import DOCUMENT_JURISDICTION, ELIGIBLE, NEEDS_INFO, NOT_ELIGIBLE, STATUS_NAMES, compiled, row_result
from zhengce.rules.model import AlternativesFormula, Rule, UnknownFormula, in_force, offered_to_enterprises
from zhengce.rules.profile import age_years, location_chain
from zhengce.rules.screen import LONG_SCHEMA, resolve_stacking, rules_frame


@dataclass
class RuleResult:
    rule: Rule
    status: str  # eligible | needs-info | not-eligible | superseded
    amount_min_yuan: int | None = None
    amount_max_yuan: int | None = None
    missing_fields: list[str] = field(default_factory=list)
    reason: str = ""
    option: str | None = None  # the option paid by a tiered or class-keyed rule
    cap_note: str | None = None  # how a document cap was shared out

    def to_json(self) -> dict[str, Any]:
        r, c = self.rule, self.rule.citation
        return {
            "rule_id": r.rule_id,
            "status": self.status,
            "amount_min_yuan": self.amount_min_yuan,
            "amount_max_yuan": self.amount_max_yuan,
            "missing_fields": self.missing_fields,
            "reason": self.reason,
            "option": self.option,
            "review_status": r.status,
            "doc_id": c.doc_id,
            "doc_title": c.doc_title,
            "path": c.path,
            "file": c.file,
            "line": c.line,
            "quote": c.quote,
            "departments": r.departments,
            "beneficiary": r.beneficiary,
            "jurisdiction": r.jurisdiction,
            "period": r.period,
            "max_years": r.max_years,
            "first_year": r.first_year,
            "cap_per_year_yuan": r.cap_per_year,
            "cap_total_yuan": r.cap_total,
            "stacking_group": r.stacking_group,
            "document_cap_yuan": r.document_cap,
            "cap_note": self.cap_note,
            "valid_from": r.valid_from.isoformat() if r.valid_from else None,
            "valid_until": r.valid_until.isoformat() if r.valid_until else None,
            "validity_note": r.validity_note,  # e.g. relative validity with no date stated: in force is not certain
        }


NOT_PROFILE_FIELDS = {DOCUMENT_JURISDICTION, "review"}


def _reason(rule: Rule, compiled_words: list[str], states: list[int], status: int, missing: list[str]) -> str:
    if status == NOT_ELIGIBLE:
        failed = [w for w, st in zip(compiled_words, states) if st == 0]
        if failed:
            if isinstance(rule.formula, AlternativesFormula):
                return "各档均不满足：" + "；".join(failed)
            return failed[0]
        return "金额基数未达到给付条件"
    if status == NEEDS_INFO:
        words = [w for w, st in zip(compiled_words, states) if st == 1 and ("文件未写明" in w or w.startswith("需人工确认"))]
        return "；".join(([words[0]] if words else []) + (["缺少：" + "、".join(missing)] if missing else []))
    return ""


@dataclass
class Evaluation:
    as_of: date
    results: list[RuleResult]
    excluded_expired: int = 0
    excluded_not_enterprise: int = 0  # rules for governments, individuals, banks: never offered to a firm

    def totals(self) -> tuple[int, int, int]:
        """(total min, total max, eligible rules whose amount is open-ended).

        An open-ended amount (unknown, or 不低于 with no maximum) adds its known minimum to both.
        """
        eligible = [r for r in self.results if r.status == "eligible"]
        lo = sum(r.amount_min_yuan or 0 for r in eligible)
        hi = sum(r.amount_max_yuan if r.amount_max_yuan is not None else (r.amount_min_yuan or 0) for r in eligible)
        return lo, hi, sum(1 for r in eligible if r.amount_max_yuan is None)


def evaluate(row: dict[str, Any], rules: list[Rule], as_of: date, *, include_expired: bool = False) -> Evaluation:
    """All rules for one enterprise row, with stacking and document caps resolved.

    The row is evaluated by the same compiled expression trees as the registry screen
    (:mod:`zhengce.rules.compile`), in Python; explanations come from that same evaluation.
    """
    offered = [r for r in rules if offered_to_enterprises(r)]
    force = {id(r): in_force(r, as_of) for r in offered}  # (in force, why not), once per rule
    shown = [r for r in offered if include_expired or force[id(r)][0]]
    expired = len(offered) - len(shown)
    if not shown:
        return Evaluation(as_of, [], expired, len(rules) - len(offered))
    if "location_chain" not in row:  # a registry row read without the screen's place lookup
        row = {**row, "location_chain": location_chain(row.get("jurisdiction"))}
    if "age_years" not in row:
        row = {**row, "age_years": age_years(row.get("registration_date"), as_of)}
    rows, checks = [], []
    for i, rule in enumerate(shown):
        c = compiled(rule)
        rec = row_result(c, row)
        if not force[id(rule)][0]:  # shown on request, never paid
            rec.update(status=NOT_ELIGIBLE, amount_min_yuan=None, amount_max_yuan=None, option=None)
        checks.append((c, rec.pop("checks")))
        rows.append({"credit_code": row.get("credit_code") or "", **rec, "rule_idx": i})
    eligible = [shown[r["rule_idx"]] for r in rows if r["status"] == ELIGIBLE]
    capped = any(x.document_cap is not None for x in eligible)
    grouped = [x.stacking_group for x in eligible if x.stacking_group]
    if capped or len(grouped) != len(set(grouped)):  # a cap or 就高不重复 may change something: the screen's resolution
        long = pl.DataFrame(rows, schema=LONG_SCHEMA, orient="row")
        records = list(resolve_stacking(long, rules_frame(shown)).sort("rule_idx").iter_rows(named=True))
    else:  # no document cap and no group with two eligible rules: nothing to resolve
        records = [{**r, "superseded_by": None, "cap_note": None} for r in rows]
    results: list[RuleResult] = []
    for rec in records:
        i = rec["rule_idx"]
        rule = shown[i]
        status = rec["status"]
        # what the firm could add; a document's unstated place or a recipient nobody could read is not its to add
        missing = [m for m in decode_fields(rec["missing_mask"]).split(",") if m and m not in NOT_PROFILE_FIELDS]
        ok, why = force[id(rule)]
        c, states = checks[i]
        reason = why if not ok else _reason(rule, [ch.words for ch in c.checks], states, status, missing)
        if status == 3:
            reason = f"就高不重复：同组保留金额更高的 {rec['superseded_by']}"
        elif status == ELIGIBLE:
            notes = []
            if rec["option"]:
                notes.append(f"按“{rec['option']}”档给付")
            if missing:
                notes.append("补充" + "、".join(missing) + "后可能适用更高档")
            if isinstance(rule.formula, UnknownFormula):
                notes.append("金额未定：" + rule.formula.reason)
            if rec["cap_note"]:
                notes.append(rec["cap_note"])
            reason = "；".join(notes)
        results.append(
            RuleResult(rule, STATUS_NAMES[status], rec["amount_min_yuan"], rec["amount_max_yuan"],
                       missing if status in (NEEDS_INFO, ELIGIBLE) else [], reason, rec["option"], rec["cap_note"])
        )  # fmt: skip
    return Evaluation(as_of, results, expired, len(rules) - len(offered))


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
        "excluded_not_enterprise_rules": ev.excluded_not_enterprise,
        "unreviewed_rules": sorted({r.rule.rule_id for r in shown if r.rule.status != "reviewed"}),
    }
