"""Fact schemas (pydantic). Every fact cites its document, line, span and exact quote.

The JSON of each fact is ``model_dump(mode="json")``; README documents it.
Benefit fields shared with the gold use the gold's names.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

FactKind = Literal["benefit", "condition", "stacking", "target", "task", "deadline", "penalty"]
FACT_KINDS: tuple[str, ...] = FactKind.__args__  # type: ignore[attr-defined]


def check_fact_kind(kind: str | None) -> str | None:
    """``kind`` if it names a fact kind (empty means none); ValueError with the choices otherwise."""
    if not kind:
        return None
    if kind not in FACT_KINDS:
        raise ValueError(f"unknown fact kind {kind!r}; choose one of {', '.join(FACT_KINDS)}")
    return kind


class Fact(BaseModel):
    """Provenance shared by every fact."""

    model_config = ConfigDict(extra="forbid")

    fact_kind: FactKind
    doc_id: str
    file: str
    line: int  # 1-based line of the original file where the quote starts
    end_line: int
    start: int  # character offsets of the quote in the original file
    end: int
    quote: str  # exactly text[start:end]
    path: str = ""  # article/heading path, e.g. 第二章 › 第五条


class Benefit(Fact):
    """A grant, reward, subsidy, interest subsidy, voucher or fee refund (one per tier)."""

    fact_kind: Literal["benefit"] = "benefit"
    kind: Literal["fixed", "rate", "step", "interest", "unknown"]
    amount_yuan: int | None = None  # the amount, or the per-grant cap of a rate/step
    amount_is_cap: bool = False  # 最高…: up to the amount
    floor_yuan: int | None = None  # 不低于…
    rate: float | None = None
    rate_max: float | None = None  # ranges: rate … rate_max (10%～30%)
    base: str | None = None  # what the rate applies to
    step_yuan: int | None = None  # step functions: the spending increment (每增加10万元)
    cap_total_yuan: int | None = None  # 累计不超过
    cap_scope: str | None = None  # per_enterprise | per_project | per_year | per_item … where the text says
    period: Literal["per_year", "per_month", "one_off"] | None = None
    max_years: int | None = None
    first_year: int | None = None  # phased periods: 前3年…后2年 → phase 2 has first_year 4 (max_years 2)
    cap_per_year_yuan: int | None = None  # 年度最高不超过… of a rate or per-unit amount
    cap_yuan: int | None = None  # the per-grant cap of a per-unit amount (按每平方米800元…，最高300万元)
    per_unit: str | None = None  # the unit of a per-unit amount: 家, 平方米·月, TEU, 人·月 …
    rate_is_cap: bool = False  # 补助比例最高不超过20%: up to the rate
    tier: int | None = None  # 1-based position in 分别给予A、B、C
    tiers: int | None = None
    tier_label: str | None = None  # what distinguishes this tier: 国家级 / 先导产业 / 50人和1000万元
    beneficiary: str | None = None
    # who receives the money: 企业 / 县级市（区）、管委会 / 人才、个人 / 银行、保险、担保机构 / 高校、协会、医院
    beneficiary_class: Literal[
        "enterprise", "government", "individual", "financial_institution", "organisation"
    ] = "enterprise"
    departments: list[str] = Field(default_factory=list)  # canonical names
    lead_departments: list[str] = Field(default_factory=list)
    unknown_reason: str | None = None  # 按相关政策 | 一事一议 | delegated | unspecified | 一定比例 | 适当 | 定额
    currency: Literal["CNY"] = "CNY"


class Condition(Fact):
    """An eligibility condition: honour, industry or numeric threshold."""

    fact_kind: Literal["condition"] = "condition"
    kind: Literal["honour", "industry", "threshold", "jurisdiction"]
    name: str  # canonical honour/industry name, or the threshold's indicator
    level: str | None = None  # 国家级 / 省级 / 市级
    operator: Literal[">=", ">", "<=", "<", "=="] | None = None
    value: float | None = None
    unit: str | None = None


class Stacking(Fact):
    """Stacking, scope, precedence, exclusion and document-cap rules."""

    fact_kind: Literal["stacking"] = "stacking"
    kind: Literal["highest_only", "document_cap", "precedence", "exclusion", "no_double_claim"]
    scope: str | None = None  # same_subject_same_category | any_policy | same_project | document
    cap_total_yuan: int | None = None
    detail: str | None = None


class Target(Fact):
    fact_kind: Literal["target"] = "target"
    indicator: str
    unit: str | None = None
    base_value: str | None = None
    base_year: int | None = None
    target_value: str | None = None
    target_number: float | None = None
    target_year: int | None = None
    actual_value: str | None = None  # 完成值 reported for the target year (a plan's 执行情况 table)
    attribute: Literal["预期性", "约束性"] | None = None
    comparator: Literal[">=", "<=", "=="] | None = None
    category: str | None = None


class Task(Fact):
    fact_kind: Literal["task"] = "task"
    title: str
    number: str | None = None
    lead_departments: list[str] = Field(default_factory=list)
    departments: list[str] = Field(default_factory=list)
    group: str | None = None
    plan: str | None = None  # the concrete plan text (table column 5)
    status_words: list[str] = Field(default_factory=list)
    main_text_line: int | None = None  # 004: the main-text paragraph the table row implements


class Deadline(Fact):
    fact_kind: Literal["deadline"] = "deadline"
    kind: Literal["working_days", "days", "recurring", "calendar"]
    amount: int | None = None
    unit: str | None = None
    text: str


class Penalty(Fact):
    fact_kind: Literal["penalty"] = "penalty"
    min_yuan: int | None = None
    max_yuan: int | None = None
    refers_to: str | None = None  # the articles/paragraphs/items whose violation is fined, as written
    refers_to_lines: list[int] = Field(default_factory=list)  # the lines of those articles in this document


AnyFact = Benefit | Condition | Stacking | Target | Task | Deadline | Penalty
