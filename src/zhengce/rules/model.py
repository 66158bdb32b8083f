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

ReviewStatus = Literal["extracted", "reviewed", "rejected"]
# who receives the money; only ``enterprise`` rules are offered to an enterprise profile
BeneficiaryClass = Literal["enterprise", "government", "individual", "financial_institution", "organisation"]
BENEFICIARY_CLASS_ZH = {
    "enterprise": "企业",
    "government": "地方政府（县级市、区）",
    "individual": "个人（人才、毕业生等）",
    "financial_institution": "金融机构（银行、保险、担保）",
    "organisation": "高校、科研院所、协会等机构",
}
Period = Literal["per_year", "one_off", "per_month"]


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
    any_of: list[str] | None = None  # 或: the firm declares ``name`` or any of these


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


class UndeterminedCondition(_Strict):
    """Who qualifies could not be read from the text (支持对象未能识别): never decided, always needs-info,
    so a rule is never paid to every firm by default. A reviewer replaces it with real conditions."""

    type: Literal["undetermined"] = "undetermined"
    reason: str


class NotCondition(_Strict):
    """Holds when none of ``any`` holds: 其他产业 is neither 先导产业 nor 高新技术产业."""

    type: Literal["none_of"] = "none_of"
    any: list[QualificationCondition | HonourCondition | IndustryCondition]


Condition = Annotated[
    HonourCondition | QualificationCondition | IndustryCondition | JurisdictionCondition | ThresholdCondition
    | NotCondition | UndeterminedCondition,
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
    upto: bool = False  # 比例最高不超过20%: any rate up to ``rate`` (the minimum is 0)


class StepFormula(_Strict):
    """``step_amount`` for each full ``step`` of ``base`` above ``threshold``."""

    type: Literal["step"] = "step"
    base: str
    threshold: int
    step: int
    step_amount: int
    cap: int | None = None


class PerUnitFormula(_Strict):
    """``amount`` yuan per unit of a profile quantity (20万元/家, 40元/平方米/月, 元/TEU), up to ``cap``."""

    type: Literal["per_unit"] = "per_unit"
    amount: int
    unit: str  # as written: 家, 平方米·月, TEU, 件, 人·月
    quantity: str  # a numeric profile field, e.g. quantities.teu
    cap: int | None = None
    upto: bool = False  # 每…最高X元


class UnknownFormula(_Strict):
    type: Literal["unknown"] = "unknown"
    reason: str  # 按相关政策 | 一事一议 | delegated | unspecified


SimpleFormula = Annotated[
    FixedFormula | RateFormula | StepFormula | PerUnitFormula | UnknownFormula, Field(discriminator="type")
]


class Option(_Strict):
    """One alternative of a tiered or class-keyed rule: its own conditions and amount."""

    label: str  # 先导产业 / 100人和2000万元 / 国家级
    conditions: list[Condition] = Field(default_factory=list)
    formula: SimpleFormula


class AlternativesFormula(_Strict):
    """分别给予…: at most one option is paid, the first whose conditions hold (tiers are listed
    highest first; a class list ends with its catch-all class). Options are alternatives, never summed."""

    type: Literal["alternatives"] = "alternatives"
    options: list[Option]


Formula = Annotated[
    FixedFormula | RateFormula | StepFormula | PerUnitFormula | UnknownFormula | AlternativesFormula,
    Field(discriminator="type"),
]


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
    reviewed_by: str | None = None
    reviewed_at: str | None = None  # ISO timestamp of the last review decision
    replaces: list[str] = Field(default_factory=list)  # rule ids a reviewer merged into this one (tiers → alternatives)
    beneficiary_class: BeneficiaryClass = "enterprise"
    # the place whose firms the document applies to (data/places.json); None: the text does not say
    jurisdiction: str | None = None
    conditions: list[Condition] = Field(default_factory=list)
    formula: Formula
    period: Period | None = None
    max_years: int | None = None
    first_year: int | None = None  # a later phase of a phased period: 后2年 → first_year 4
    cap_per_year: int | None = None  # 年度最高不超过
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


def in_force(rule: Rule, as_of: date) -> tuple[bool, str]:
    """Whether the rule's document is in force on ``as_of``, and why not."""
    if rule.valid_until is not None and as_of > rule.valid_until:
        return False, f"已失效（有效期至{rule.valid_until.isoformat()}）"
    if rule.valid_from is not None and as_of < rule.valid_from:
        return False, f"尚未施行（{rule.valid_from.isoformat()}起施行）"
    return True, ""


def offered_to_enterprises(rule: Rule) -> bool:
    """Only rules whose beneficiary is an enterprise are offered to enterprise profiles (rejected never)."""
    return rule.beneficiary_class == "enterprise" and rule.status != "rejected"


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
    import os
    import tempfile

    fd, name = tempfile.mkstemp(prefix=path.name + ".", suffix=".partial", dir=folder)  # unique: writers never collide
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(json.dumps(data, ensure_ascii=False, indent=1) + "\n")
        os.replace(name, path)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
    return path
