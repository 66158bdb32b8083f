"""Rules as data: one rule per benefit fact, stored as JSON beside the text it implements.

A rule is an eligibility predicate (all conditions must hold), an amount
formula, a validity window, stacking information, a citation and a review
status. Rule files live in ``src/zhengce/data/rules/<doc id>.json``, one per
document, so a review shows up as a small diff.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from zhengce.datafiles import package_data_dir

ReviewStatus = Literal["extracted", "reviewed"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class HonourCondition(_Strict):
    type: Literal["honour"] = "honour"
    name: str  # canonical honour (data/honours.json)
    levels: list[str] | None = None  # any of 国家级/省级/市级; None: any level


class QualificationCondition(_Strict):
    """A status not in the honours vocabulary (e.g. 公共海外仓使用方): the enterprise declares it."""

    type: Literal["qualification"] = "qualification"
    name: str


class IndustryCondition(_Strict):
    type: Literal["industry"] = "industry"
    any: list[str]


class JurisdictionCondition(_Strict):
    type: Literal["jurisdiction"] = "jurisdiction"
    any: list[str]  # enterprise jurisdictions that qualify


class ThresholdCondition(_Strict):
    type: Literal["threshold"] = "threshold"
    field: str  # a numeric profile field, see profile.NUMERIC_FIELDS
    op: Literal[">=", ">", "<=", "<"]
    value: float
    text: str = ""  # the condition as written


Condition = Annotated[
    HonourCondition | QualificationCondition | IndustryCondition | JurisdictionCondition | ThresholdCondition,
    Field(discriminator="type"),
]


class FixedFormula(_Strict):
    type: Literal["fixed"] = "fixed"
    amount: int
    upto: bool = False  # 最高…: any amount up to ``amount``
    at_least: bool = False  # 不低于/不少于…: ``amount`` or more, no stated maximum


class RateFormula(_Strict):
    type: Literal["rate"] = "rate"
    rate: float
    rate_max: float | None = None  # a range 10%～30%
    base: str  # a numeric profile field (the spend the rate applies to)
    cap: int | None = None  # per-grant cap in yuan


class StepFormula(_Strict):
    """``step_amount`` for each full ``step`` of ``base`` above ``threshold``."""

    type: Literal["step"] = "step"
    base: str
    threshold: int
    step: int
    step_amount: int
    cap: int | None = None


class UnknownFormula(_Strict):
    type: Literal["unknown"] = "unknown"
    reason: str  # 按相关政策 | 一事一议 | delegated | unspecified


Formula = Annotated[FixedFormula | RateFormula | StepFormula | UnknownFormula, Field(discriminator="type")]


class Citation(_Strict):
    doc_id: str
    doc_title: str | None
    file: str
    line: int
    path: str
    quote: str


class Rule(_Strict):
    rule_id: str  # <doc id>/L<line>/<n>: stable across re-extraction of unchanged text
    status: ReviewStatus = "extracted"
    review_note: str | None = None
    conditions: list[Condition] = Field(default_factory=list)
    formula: Formula
    period: Literal["per_year", "one_off"] | None = None
    max_years: int | None = None
    cap_total: int | None = None  # cumulative cap (累计不超过)
    valid_from: date | None = None
    valid_until: date | None = None
    validity_note: str | None = None  # e.g. 自发布之日起实施，有效期为三年 (no date stated)
    stacking_group: str | None = None  # 就高不重复: only the highest rule of a group is paid
    stacking_scope: str | None = None
    document_cap: int | None = None  # cap on all of the document's rules together (800万)
    departments: list[str] = Field(default_factory=list)
    beneficiary: str | None = None
    citation: Citation


class RuleFile(_Strict):
    doc_id: str
    doc_title: str | None
    rules: list[Rule]


def rules_dir() -> Path:
    return package_data_dir() / "rules"


def rule_file_name(doc_id: str) -> str:
    return doc_id.replace(":", "_") + ".json"


def load_rules(folder: Path | None = None) -> list[Rule]:
    """Every rule in a folder of rule files (default: the bundled, reviewed set)."""
    folder = folder or rules_dir()
    rules: list[Rule] = []
    for path in sorted(folder.glob("*.json")):
        rules.extend(RuleFile.model_validate_json(path.read_text(encoding="utf-8")).rules)
    return rules


def write_rule_file(folder: Path, rf: RuleFile) -> Path:
    """Write a rule file atomically (a reader never sees half a file)."""
    path = folder / rule_file_name(rf.doc_id)
    data = rf.model_dump(mode="json", exclude_none=True)
    tmp = path.with_name(path.name + ".partial")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    tmp.replace(path)
    return path
