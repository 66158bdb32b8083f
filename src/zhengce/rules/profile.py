"""The enterprise profile (pydantic) and its flat form, one row of a registry.

A field that is absent or null is *unknown*: rules that need it answer
``needs-info`` and name it. A field that is present is *known*, so an empty
``honours`` list means "holds no honours". The same flat row feeds both the
one-enterprise calculator and the whole-registry screen, so they agree.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt, ValidationError, create_model, field_validator

from zhengce.datafiles import load_json

LEVELS = ("国家级", "省级", "市级")
CREDIT_CODE_RE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")

SPEND_FIELDS: dict[str, str] = {
    "equipment_investment": "设备投资额",
    "certification_cost": "认证费用",
    "compute_cost": "算力费用（使用方实际支付）",
    "compute_contract": "算力合同金额（供给方）",
    "model_compute_cost": "大模型项目算力使用成本",
    "warehouse_cost": "仓储及仓内服务费用",
    "rd_investment": "研发投入（项目/实验室/技术提供方）",
    "service_fee": "服务费用（跨境电商服务企业）",
    "project_investment": "项目或平台建设总投资",
    "testing_fee": "检测费",
    "platform_usage_fee": "云控平台使用费",
    "ai_procurement": "人工智能产品及服务采购金额",
    "event_cost": "举办活动费用",
    "sales_amount": "产品销售价格或销售总额",
    "software_investment": "项目软件投入",
    "platform_investment": "平台投入",
    "new_investment": "年度新增投资额",
    "purchase_price": "首购产品购买价格",
    "independent_site_spend": "独立站建设推广费用",
    "loan_amount": "设备购置贷款余额",
    "subsidy_paid": "县级市（区）已兑付补助金额",
    "economic_contribution": "退出环节新增地方经济贡献",
}
NUMERIC_FIELDS: dict[str, str] = {
    "revenue": "上年度营业收入（元）",
    "revenue_growth": "营业收入增长率（小数，5% 写 0.05）",
    "rd_spend": "上年度研发投入（元）",
    "rd_ratio": "研发投入占营业收入比重（小数）",
    "insured_headcount": "参保（缴纳社保）人数",
    "patents.invention": "有效发明专利数",
    "patents.foreign_filed": "境外申请发明专利数",
    "patents.foreign_granted": "境外授权发明专利数",
    **{f"spend.{k}": v for k, v in SPEND_FIELDS.items()},
}
LIST_FIELDS = ("industries", "honours", "qualifications")
ROW_FIELDS = ("credit_code", "name", "jurisdiction", "registration_date", *LIST_FIELDS, *NUMERIC_FIELDS)


def quantity_units() -> dict[str, dict]:
    """Per-unit quantities a rule can count (data/quantities.json): key → {label, units}."""
    return {q["key"]: q for q in load_json("quantities.json")["quantities"]}


for _key, _q in quantity_units().items():  # per-unit amounts count these (元/TEU, 元/平方米/月…)
    NUMERIC_FIELDS[f"quantities.{_key}"] = _q["label"]
ROW_FIELDS = ("credit_code", "name", "jurisdiction", "registration_date", *LIST_FIELDS, *NUMERIC_FIELDS)


# fields computed from others as of the evaluation date, never given directly
DERIVED_FIELDS: dict[str, str] = {"age_years": "成立年限（评估日与注册日期之差，年）"}


def age_years(registration_date: dt.date | None, as_of: dt.date) -> float | None:
    """Years from registration to ``as_of`` (新投资设立且2年内 reads this)."""
    return None if registration_date is None else (as_of - registration_date).days / 365.25


def resolve_place(name: str) -> str | None:
    """The canonical place (data/places.json) a firm's location names, or None."""
    from zhengce import places

    return places.resolve(name)


def location_chain(name: str | None) -> list[str] | None:
    """中国 → 省 → 市 → 县/区 for a firm located in ``name`` (None when unknown or not a place)."""
    if name is None:
        return None
    from zhengce import places

    canonical = places.resolve(name)
    return places.chain(canonical) if canonical else None


def place_error(name: str) -> str:
    from zhengce import places

    close = places.suggest(name)
    return f"unknown place {name!r}" + (f"; did you mean {', '.join(close)}?" if close else "; see src/zhengce/data/places.json")


def local_areas() -> list[str]:
    """Counties and districts offered in forms: those of the places the bundled rules apply to."""
    from zhengce import places

    return [p for p in places.known_places() if places.level(p) in ("county", "district") and places.contains("苏州市", p)]


def qualification_vocab() -> dict[str, dict]:
    """Declared statuses rules may ask for (data/qualifications.json): name → {label, …}."""
    return {q["name"]: q for q in load_json("qualifications.json")["qualifications"]}


def status_evidence() -> dict[str, str]:
    """Statuses a profile field shows without a declaration: name → field (data/qualification_concepts.json)."""
    return {c["name"]: c["decided_by"] for c in load_json("qualification_concepts.json")["concepts"] if c.get("decided_by")}


def qualification_error(name: str) -> str:
    import difflib

    vocab = qualification_vocab()
    close = difflib.get_close_matches(name, list(vocab), n=3, cutoff=0.3)
    close += [n for n in vocab if (name in n or n in name) and n not in close][: 3 - len(close)]
    hint = f"; did you mean {', '.join(close)}?" if close else "; `zhengce rules list --qualifications` lists them"
    return f"unknown qualification {name!r}{hint}"


def honour_names() -> set[str]:
    return {h["canonical"] for h in load_json("honours.json")["honours"]}


def industry_names() -> set[str]:
    return {i["canonical"] for i in load_json("industries.json")["industries"]}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)  # NaN and Infinity are bad input


# Value ranges, one place for the profile (calculator, web, API) and the registry screen.
AMOUNT_MAX = 1e15  # yuan: 一千万亿, far above any firm's figure; larger is a unit mistake or an overflow
COUNT_MAX = 1e9
RANGES: dict[str, tuple[float, float]] = {
    "revenue_growth": (-1.0, 100.0),  # a decimal: -100% … +10000%
    "rd_ratio": (0.0, 1.0),  # a share of revenue: 5% is 0.05
    "insured_headcount": (0.0, COUNT_MAX),
}
Amount = Annotated[float, Field(ge=0, le=AMOUNT_MAX)]
Count = Annotated[StrictInt, Field(ge=0, le=int(COUNT_MAX))]  # true is not 1


def value_range(field: str) -> tuple[float, float]:
    """The accepted range of a numeric profile or registry field."""
    if field in RANGES:
        return RANGES[field]
    return (0.0, COUNT_MAX) if field.startswith(("patents.", "quantities.")) else (0.0, AMOUNT_MAX)


class Honour(_Strict):
    name: str
    level: Literal["国家级", "省级", "市级"] | None = None
    date: dt.date | None = None  # when it was awarded; later than the as-of date means not yet held

    @field_validator("name")
    @classmethod
    def _known_honour(cls, v: str) -> str:
        if v not in honour_names():
            raise ValueError(f"unknown honour {v!r}; see src/zhengce/data/honours.json")
        return v


class Financials(_Strict):
    year: Annotated[StrictInt, Field(ge=1900, le=2100)]
    revenue: Amount | None = None
    revenue_growth: Annotated[float, Field(ge=RANGES["revenue_growth"][0], le=RANGES["revenue_growth"][1])] | None = None
    rd_spend: Amount | None = None
    rd_ratio: Annotated[float, Field(ge=0, le=1, description="a decimal: 5% is 0.05")] | None = None


class Patents(_Strict):
    invention: Count | None = None
    foreign_filed: Count | None = None
    foreign_granted: Count | None = None


Spend = create_model(  # one optional amount in yuan per spend item that benefits are computed on
    "Spend", __base__=_Strict, **{k: (Amount | None, Field(None, description=v)) for k, v in SPEND_FIELDS.items()}
)


Quantities = create_model(  # counts that per-unit amounts multiply (元/TEU, 元/平方米/月, 万元/家)
    "Quantities", __base__=_Strict,
    **{k: (Annotated[float, Field(ge=0, le=COUNT_MAX)] | None, Field(None, description=q["label"])) for k, q in quantity_units().items()},
)


class EnterpriseProfile(_Strict):
    """One enterprise, as the calculator and the registry screen see it."""

    credit_code: str = Field(description="统一社会信用代码, 18 characters")
    name: str
    jurisdiction: str | None = Field(None, description="where the firm is registered: a 县级市/区 (常熟市, 苏州工业园区) or any place in data/places.json")
    registration_date: dt.date | None = None
    industries: list[str] | None = None
    honours: list[Honour] | None = None
    qualifications: list[str] | None = Field(None, description="other statuses rules ask for; see `zhengce rules --qualifications`")
    financials: list[Financials] | None = None
    insured_headcount: Count | None = None
    spend: Spend | None = None  # type: ignore[valid-type]
    patents: Patents | None = None
    quantities: Quantities | None = None  # type: ignore[valid-type]

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("empty")
        if any("\ud800" <= ch <= "\udfff" or ch < " " for ch in v):
            raise ValueError("contains a lone surrogate or a control character")
        return v

    @field_validator("registration_date")
    @classmethod
    def _registered_already(cls, v: dt.date | None) -> dt.date | None:
        if v is not None and v > dt.date.today():
            raise ValueError(f"registration date {v.isoformat()} is in the future")
        return v

    @field_validator("credit_code")
    @classmethod
    def _credit_code(cls, v: str) -> str:
        if not CREDIT_CODE_RE.match(v):
            raise ValueError("not an 18-character unified social credit code")
        return v

    @field_validator("jurisdiction")
    @classmethod
    def _jurisdiction(cls, v: str | None) -> str | None:
        if v is None:
            return v
        canonical = resolve_place(v)
        if canonical is None:
            raise ValueError(place_error(v))
        return canonical

    @field_validator("qualifications")
    @classmethod
    def _qualifications(cls, v: list[str] | None) -> list[str] | None:
        vocab = qualification_vocab()
        for x in v or []:
            if x not in vocab:
                raise ValueError(qualification_error(x))
        return v

    @field_validator("industries")
    @classmethod
    def _industries(cls, v: list[str] | None) -> list[str] | None:
        known = industry_names()
        for x in v or []:
            if x not in known:
                raise ValueError(f"unknown industry {x!r}; see src/zhengce/data/industries.json")
        return v

    def to_row(self, as_of: dt.date) -> dict[str, Any]:
        """The flat registry row this profile stands for on ``as_of``."""
        row: dict[str, Any] = {
            "credit_code": self.credit_code,
            "name": self.name,
            "jurisdiction": self.jurisdiction,
            "registration_date": self.registration_date,
            "industries": list(self.industries) if self.industries is not None else None,
            "qualifications": list(self.qualifications) if self.qualifications is not None else None,
            "honours": None,
            "insured_headcount": self.insured_headcount,
            "location_chain": location_chain(self.jurisdiction),
            "age_years": age_years(self.registration_date, as_of),
        }
        if self.honours is not None:
            tokens: list[str] = []
            for h in self.honours:
                if h.date is None or h.date <= as_of:
                    tokens.append(h.name)
                    if h.level:
                        tokens.append(f"{h.name}@{h.level}")
            row["honours"] = tokens
        last_year = next((f for f in (self.financials or []) if f.year == as_of.year - 1), None)  # 上年度
        for key in ("revenue", "revenue_growth", "rd_spend", "rd_ratio"):
            row[key] = getattr(last_year, key) if last_year else None
        for key in ("invention", "foreign_filed", "foreign_granted"):
            row[f"patents.{key}"] = getattr(self.patents, key) if self.patents else None
        for key in SPEND_FIELDS:
            row[f"spend.{key}"] = getattr(self.spend, key) if self.spend else None
        for key in quantity_units():
            row[f"quantities.{key}"] = getattr(self.quantities, key) if self.quantities else None
        return row


PROFILE_ERRORS = {
    "en": ("profile", "unknown field {!r} in profile", "missing required field {!r} in profile", "field {!r}: {}"),
    "zh": ("画像", "画像中有未知字段“{}”", "画像缺少必填字段“{}”", "字段“{}”有误：{}"),  # the web calculator
}


def profile_error(exc: ValidationError, lang: str = "en") -> str:
    """One line naming the first bad field."""
    whole, unknown, missing, other = PROFILE_ERRORS[lang]
    err = exc.errors()[0]
    where = ".".join(str(p) for p in err["loc"]) or whole
    if err["type"] == "extra_forbidden":
        return unknown.format(where)
    if err["type"] == "missing":
        return missing.format(where)
    return other.format(where, err["msg"])
