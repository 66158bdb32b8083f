"""One rule compiler for the calculator and the screen: each rule becomes polars expressions.

A rule is compiled once into column expressions over a frame of flat profile
rows (:data:`zhengce.rules.profile.ROW_FIELDS` plus ``location_chain``). The
registry screen evaluates them over millions of rows; the calculator
evaluates the very same trees on one row and reads the checks (which
condition failed, which fields are missing), so a new rule form is written
once and both always agree.

Rules are compiled to :mod:`zhengce.rules.expr` trees, which become polars
expressions for the screen and are evaluated in plain Python for the
calculator's one row: one semantics, two fast backends. Three-valued logic:
every check has a ``known`` and an ``ok`` expression; a null cell is unknown
(``needs-info``), a present cell is known.

Status codes: 0 not-eligible, 1 needs-info, 2 eligible, 3 superseded.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import polars as pl

from zhengce.rules.expr import (
    FALSE,
    NULL_INT,
    TRUE,
    And,
    Coalesce,
    Col,
    Fields,
    FloorMul,
    InPlace,
    IsIn,
    ListContains,
    Lit,
    MaxH,
    MinH,
    Node,
    Not,
    Or,
    Shared,
    Steps,
    When,
)
from zhengce.rules.model import (
    AlternativesFormula,
    FixedFormula,
    HonourCondition,
    IndustryCondition,
    JurisdictionCondition,
    NotCondition,
    PerUnitFormula,
    QualificationCondition,
    RateFormula,
    Rule,
    StepFormula,
    ThresholdCondition,
    UndeterminedCondition,
    UnknownFormula,
)

NOT_ELIGIBLE, NEEDS_INFO, ELIGIBLE, SUPERSEDED = 0, 1, 2, 3
STATUS_NAMES = {0: "not-eligible", 1: "needs-info", 2: "eligible", 3: "superseded"}
DOCUMENT_JURISDICTION = "document.jurisdiction"  # "missing field" of a document whose place the text does not give


@dataclass
class Check:
    """One condition: known / ok, the field it reads, and words for explanations."""

    known: Node
    ok: Node  # only meaningful where known
    field: str
    words: str
    fails: Node = field(init=False)
    unknown: Node = field(init=False)

    def __post_init__(self) -> None:  # built once, so trees share them (and the Python backend's memo hits)
        self.fails = (self.known & Not(self.ok.fill_null(False))).fill_null(False)
        self.unknown = Not(self.known.fill_null(False))


@dataclass
class Amount:
    """What a formula pays: base known, applies (pays more than 0), min, max (null: open or unknown)."""

    known: Node
    applies: Node
    lo: Node
    hi: Node
    fields: list[str] = field(default_factory=list)


@dataclass
class Compiled:
    """A compiled rule: result expressions for the screen and checks for the calculator's explanations."""

    rule: Rule
    status: Node
    lo: Node
    hi: Node
    missing: Node  # bit mask of the profile fields that would decide it (expr.decode_fields)
    option: Node  # label of the option paid (alternatives), else null
    checks: list[Check]  # in order, for explanations
    stages: list[list[Shared]] = field(default_factory=list)  # computed as columns first, stage by stage
    _stage_exprs: list[list[pl.Expr]] | None = field(default=None, repr=False)  # polars forms, built once
    _columns: list[pl.Expr] | None = field(default=None, repr=False)


def places_used(rule: Rule) -> set[str]:
    """Places a rule's checks look up (for the screen's precomputed ``in@<place>`` columns)."""
    out = {rule.jurisdiction} if rule.jurisdiction not in (None, "中国") else set()
    conds = list(rule.conditions)
    if isinstance(rule.formula, AlternativesFormula):
        conds += [c for o in rule.formula.options for c in o.conditions]
    for c in conds:
        if isinstance(c, JurisdictionCondition):
            out.update(c.any)
    return out


def _level_words(levels: list[str] | None) -> str:
    return "/".join(levels) if levels else ""


def condition_check(cond) -> Check:
    """Compile one condition."""
    if isinstance(cond, HonourCondition):
        need = [f"{cond.name}@{lv}" for lv in cond.levels] if cond.levels else [cond.name]
        ok = Or([ListContains("honours", t) for t in need])
        return Check(Col("honours").is_not_null(), ok, "honours", f"需具备{_level_words(cond.levels)}{cond.name}")
    if isinstance(cond, QualificationCondition):
        names = [cond.name, *(cond.any_of or [])]
        declared = [ListContains("qualifications", n) for n in names]
        shown = [Col(f).cmp(">", 0) for f in (_evidence().get(n) for n in names) if f]  # 独立站 spend shows 独立站
        known = Or([Col("qualifications").is_not_null(), *[s.fill_null(False) for s in shown]])
        ok = Or([*declared, *shown]) if len(declared) + len(shown) > 1 else declared[0]
        return Check(known, ok.fill_null(False) if shown else ok, "qualifications", f"需为{'或'.join(names)}")
    if isinstance(cond, IndustryCondition):
        ok = Or([ListContains("industries", i) for i in cond.any])
        return Check(Col("industries").is_not_null(), ok, "industries", f"需属于{'/'.join(cond.any)}领域")
    if isinstance(cond, JurisdictionCondition):
        return place_check(cond.any)
    if isinstance(cond, ThresholdCondition):
        col = Col(cond.field)
        words = cond.text or f"{cond.field} {cond.op} {cond.value:g}"
        return Check(col.is_not_null(), col.cmp(cond.op, cond.value), cond.field, f"需满足{words}")
    if isinstance(cond, UndeterminedCondition):
        return Check(FALSE, FALSE, "review", f"需人工确认：{cond.reason}")
    if isinstance(cond, NotCondition):
        inner = [condition_check(c) for c in cond.any]
        known = And([c.known for c in inner])
        ok = Not(Or([c.ok.fill_null(False) & c.known for c in inner]))
        names = "、".join(getattr(c, "name", None) or "/".join(getattr(c, "any", [])) for c in cond.any)
        return Check(known, ok, inner[0].field if inner else "qualifications", f"需不属于{names}")
    raise TypeError(f"unknown condition {cond!r}")


def place_check(places: list[str]) -> Check:
    """The firm is located within any of ``places`` (the place itself or any place inside it).

    Unknown when the firm names only a wider place that contains one of them (苏州市 for a 常熟市 rule).
    """
    ok = Or([InPlace(p) for p in places])
    wider = sorted({w for p in places for w in _chain(p)[:-1]})
    vague = IsIn("jurisdiction", wider) if wider else FALSE
    known = Col("location_chain").is_not_null() & Not(vague & Not(ok.fill_null(False)))
    return Check(known, ok, "jurisdiction", f"需位于{'、'.join(places)}")


@lru_cache(maxsize=1)
def _evidence() -> dict[str, str]:
    from zhengce.rules.profile import status_evidence

    return status_evidence()


@lru_cache(maxsize=4096)
def _chain(place: str) -> tuple[str, ...]:
    from zhengce.rules.profile import location_chain

    return tuple(location_chain(place) or ())


def _capped(x: Node, cap: int | None) -> Node:
    return x if cap is None else MinH([x, Lit(cap, pl.Int64)])


def formula_amount(f, cap_per_year: int | None = None) -> Amount:
    """Compile a simple formula (not alternatives)."""
    if isinstance(f, FixedFormula):
        amount = Lit(f.amount, pl.Int64)
        if f.at_least:
            return Amount(TRUE, TRUE, amount, NULL_INT)
        return Amount(TRUE, TRUE, NULL_INT if f.upto else amount, amount)
    if isinstance(f, UnknownFormula):
        return Amount(TRUE, TRUE, NULL_INT, NULL_INT)
    if isinstance(f, RateFormula):
        base = Col(f.base)
        lo = _capped(FloorMul(base, f.rate), f.cap)
        hi = _capped(FloorMul(base, f.rate_max if f.rate_max is not None else f.rate), f.cap)
        if f.upto:
            lo = NULL_INT
        fields = [f.base]
    elif isinstance(f, StepFormula):
        base = Col(f.base)
        hi = _capped(FloorMul(Steps(base, f.threshold, f.step), f.step_amount), f.cap)
        lo, fields = hi, [f.base]
    elif isinstance(f, PerUnitFormula):
        base = Col(f.quantity)
        hi = _capped(FloorMul(base, f.amount), f.cap)
        lo, fields = (NULL_INT if f.upto else hi), [f.quantity]
    else:
        raise TypeError(f"unknown formula {f!r}")
    if cap_per_year is not None:
        hi = _capped(hi, cap_per_year)
        lo = lo if lo is NULL_INT else _capped(lo, cap_per_year)
    return Amount(base.is_not_null(), hi.cmp(">", 0), lo, hi, fields)


def _all_known(checks: list[Check]) -> Node:
    return And([c.known for c in checks]) if checks else TRUE


def _any_fails(checks: list[Check]) -> Node:
    return Or([c.fails for c in checks]) if checks else FALSE


def _missing_pairs(checks: list[Check], amt: Amount | None, when: Node = TRUE) -> dict[str, list[Node]]:
    """field → conditions under which it is missing."""
    out: dict[str, list[Node]] = {}
    for c in checks:
        out.setdefault(c.field, []).append(when & c.unknown)
    if amt is not None:
        for fld in amt.fields:
            out.setdefault(fld, []).append(when & Not(amt.known))
    return out


def _fields(pairs: dict[str, list[Node]]) -> Node:
    return Fields([(f, Or(conds) if len(conds) > 1 else conds[0]) for f, conds in pairs.items()])


def compile_rule(rule: Rule) -> Compiled:
    """Compile one rule (jurisdiction, conditions, formula) into result and explanation expressions."""
    checks: list[Check] = []
    if rule.jurisdiction is None:
        # the text does not say where it applies: never applied silently
        checks.append(Check(FALSE, FALSE, DOCUMENT_JURISDICTION, "文件未写明适用地区，无法判断是否适用"))
    elif rule.jurisdiction != "中国":
        checks.append(place_check([rule.jurisdiction]))
    checks.extend(condition_check(c) for c in rule.conditions)
    fails, known = _any_fails(checks), _all_known(checks)
    f = rule.formula
    if isinstance(f, AlternativesFormula):
        return _compile_alternatives(rule, f, checks, fails, known)
    amt = formula_amount(f, rule.cap_per_year)
    status = Shared(When(
        [
            (fails, Lit(NOT_ELIGIBLE)),
            (amt.known & Not(amt.applies.fill_null(False)), Lit(NOT_ELIGIBLE)),
            (Not(known) | Not(amt.known), Lit(NEEDS_INFO)),
        ],
        Lit(ELIGIBLE),
    ))  # fmt: skip
    c = _finish(rule, status, amt.lo, amt.hi, _fields(_missing_pairs(checks, amt)), Lit(None, pl.String), checks)
    c.stages = [[status]]
    return c


def _compile_alternatives(rule: Rule, f: AlternativesFormula, checks: list[Check], fails: Node, known: Node) -> Compiled:
    """Options are alternatives: the first option whose conditions hold is paid.

    An earlier option still undecided (a field unknown) widens the maximum and is named in
    ``missing_fields``: the firm is sure of the option that holds and might earn the earlier one.
    """
    passes, unknowns, amounts, per_option = [], [], [], []
    option_checks: list[Check] = []
    for opt in f.options:
        oc = [condition_check(c) for c in opt.conditions]
        amt = formula_amount(opt.formula, rule.cap_per_year)
        o_fail = _any_fails(oc) | (amt.known & Not(amt.applies.fill_null(False)))
        o_pass = Shared(Not(o_fail) & _all_known(oc) & amt.known)
        passes.append(o_pass)
        unknowns.append(Shared(Not(o_fail) & Not(o_pass)))
        amounts.append(amt)
        per_option.append(oc)
        option_checks.extend(Check(c.known, c.ok, c.field, f"〔{opt.label}〕{c.words}") for c in oc)
    n = len(f.options)
    idx = Shared(Coalesce([When([(passes[k], Lit(k))], Lit(None, pl.Int32)) for k in range(n)]))
    lo = When([(idx.cmp("==", k), amounts[k].lo) for k in range(n)])
    hi_chosen = When([(idx.cmp("==", k), amounts[k].hi) for k in range(n)])
    later = [idx.is_null() | idx.cmp(">", j) for j in range(n)]  # option j could still beat the one paid
    hi_earlier = [When([(unknowns[j] & later[j], amounts[j].hi)]) for j in range(n)]
    open_earlier = Or([unknowns[j] & later[j] & amounts[j].hi.is_null() for j in range(n)])
    hi = When([(open_earlier, NULL_INT)], MaxH([hi_chosen, *hi_earlier]))
    status = Shared(When(
        [
            (fails, Lit(NOT_ELIGIBLE)),
            (Not(known), Lit(NEEDS_INFO)),
            (idx.is_not_null(), Lit(ELIGIBLE)),
            (Or(unknowns), Lit(NEEDS_INFO)),
        ],
        Lit(NOT_ELIGIBLE),
    ))  # fmt: skip
    # missing: the rule's own unknown fields, and those of undecided options that could beat the one paid
    opt_pairs = _missing_pairs(checks, None)
    for j, oc in enumerate(per_option):
        for fld, conds in _missing_pairs(oc, amounts[j], unknowns[j] & later[j]).items():
            opt_pairs.setdefault(fld, []).extend(conds)
    option = When([(idx.cmp("==", k), Lit(o.label, pl.String)) for k, o in enumerate(f.options)], Lit(None, pl.String))
    c = _finish(rule, status, lo, hi, _fields(opt_pairs), option, checks + option_checks)
    c.stages = [[*passes], [*unknowns, idx], [status]]
    return c


_CACHE: dict[int, tuple[Rule, Compiled]] = {}


def compiled(rule: Rule) -> Compiled:
    """``compile_rule``, cached per rule object (rules are loaded once per generation of the rules folder)."""
    hit = _CACHE.get(id(rule))
    if hit is not None and hit[0] is rule:
        return hit[1]
    if len(_CACHE) > 20_000:
        _CACHE.clear()
    c = compile_rule(rule)
    _CACHE[id(rule)] = (rule, c)
    return c


def _finish(rule: Rule, status: Node, lo: Node, hi: Node, missing: Node, option: Node, checks: list[Check]) -> Compiled:
    eligible = status.cmp("==", ELIGIBLE)
    return Compiled(
        rule,
        status,
        When([(eligible, lo)], NULL_INT),
        When([(eligible, hi)], NULL_INT),
        When([(status.cmp("==", NOT_ELIGIBLE), Lit(0, pl.Int64))], missing),
        When([(eligible, option)], Lit(None, pl.String)),
        checks,
    )


def with_stages(lf: pl.LazyFrame, c: Compiled) -> pl.LazyFrame:
    """Add a compiled rule's shared subexpressions as columns, stage by stage."""
    if c._stage_exprs is None:
        c._stage_exprs = [[sh.x.polars().alias(sh.name) for sh in stage] for stage in c.stages]
    for exprs in c._stage_exprs:
        lf = lf.with_columns(exprs)
    return lf


def result_columns(c: Compiled) -> list[pl.Expr]:
    """The screen's columns for one rule (after :func:`with_stages`), built once per compiled rule."""
    if c._columns is None:
        c._columns = _result_columns(c)
    return c._columns


def _result_columns(c: Compiled) -> list[pl.Expr]:
    return [
        c.status.polars().cast(pl.UInt8).alias("status"),
        c.lo.polars().cast(pl.Int64).alias("amount_min_yuan"),
        c.hi.polars().cast(pl.Int64).alias("amount_max_yuan"),
        c.missing.polars().cast(pl.Int64).alias("missing_mask"),
        c.option.polars().cast(pl.String).alias("option"),
    ]


def row_result(c: Compiled, row: dict[str, Any]) -> dict[str, Any]:
    """The same columns for one row, evaluated in Python, plus each check's state (0 fails, 1 unknown,
    2 holds; only for rules not eligible, whose explanations need them). Amounts are computed only
    for an eligible rule and missing fields only for one that is not rejected: the rest is null."""
    memo: dict[int, Any] = {}
    status = c.status.value(row, memo)
    eligible = status == ELIGIBLE
    return {
        "status": status,
        "amount_min_yuan": c.lo.value(row, memo) if eligible else None,
        "amount_max_yuan": c.hi.value(row, memo) if eligible else None,
        "missing_mask": c.missing.value(row, memo) if status != NOT_ELIGIBLE else 0,
        "option": c.option.value(row, memo) if eligible else None,
        "checks": [] if eligible else _check_states(c, row, memo, first_failure=status == NOT_ELIGIBLE),
    }


def _check_states(c: Compiled, row: dict[str, Any], memo: dict[int, Any], *, first_failure: bool) -> list[int]:
    """Each check's state; for a rejected simple rule only up to the first that fails (its reason)."""
    states = []
    stop = first_failure and not isinstance(c.rule.formula, AlternativesFormula)
    for ch in c.checks:
        st = 0 if ch.fails.value(row, memo) else (1 if ch.unknown.value(row, memo) else 2)
        states.append(st)
        if stop and st == 0:
            break
    return states
