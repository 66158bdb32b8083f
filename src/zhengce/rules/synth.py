"""A synthetic Suzhou enterprise registry for tests and benchmarks.

Skewed like the real thing: most firms are small (log-normal revenue and
headcount), honours are rare and nested (高新技术企业 ≈ 12%, 专精特新 ≈ 4%,
“小巨人” ≈ 0.6%, 单项冠军 ≈ 0.1%), industries and districts follow rough
shares of Suzhou's economy, and a few per cent of cells are unknown (null) so
that ``needs-info`` appears as it would with real data.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from zhengce.rules.model import Rule
from zhengce.rules.profile import SPEND_FIELDS, qualification_vocab, quantity_units
from zhengce.rules.screen import SCHEMA

DISTRICTS = {
    "苏州工业园区": 0.17, "昆山市": 0.16, "吴江区": 0.11, "吴中区": 0.1, "常熟市": 0.1, "张家港市": 0.09,
    "相城区": 0.08, "苏州高新区": 0.07, "太仓市": 0.06, "姑苏区": 0.06,
}  # fmt: skip
INDUSTRIES = {
    "制造业": 0.35, "外贸": 0.12, "软件": 0.07, "人工智能": 0.05, "生物医药": 0.05, "跨境电商": 0.04,
    "智能车联网/新能源汽车": 0.04, "第三代半导体": 0.03, "具身智能机器人": 0.015, "工业设计": 0.01,
    "服务贸易": 0.02, "数字贸易": 0.015, "银发经济": 0.01, "数据": 0.02, "生产性服务业": 0.05, "金融": 0.01,
}  # fmt: skip
HONOURS = [  # (name, level, share)
    ("高新技术企业", "国家级", 0.12), ("科技型中小企业", None, 0.2), ("专精特新中小企业", "省级", 0.04),
    ("专精特新“小巨人”企业", "国家级", 0.006), ("制造业单项冠军", "国家级", 0.001), ("制造业单项冠军", "省级", 0.003),
    ("瞪羚企业", "市级", 0.01), ("独角兽培育企业", "市级", 0.002), ("创新联合体", "市级", 0.002),
    ("工程研究中心", "国家级", 0.0005), ("企业技术中心", "国家级", 0.001), ("企业技术中心", "省级", 0.01),
    ("重点实验室", "省级", 0.001), ("重点实验室", "市级", 0.005), ("首台（套）重大技术装备", "市级", 0.004),
    ("首台（套）重大技术装备", "省级", 0.002), ("首版次软件", "省级", 0.002), ("先进技术研究院", "市级", 0.0008),
    ("工业设计中心", "省级", 0.003), ("上市企业", None, 0.002),
]  # fmt: skip
NULL_SHARE = 0.03
BASE31 = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def credit_codes(n: int, rng: np.random.Generator) -> list[str]:
    """Unique, well-formed unified social credit codes (not real ones)."""
    ids = rng.permutation(n).astype(np.int64) + 31**6
    digits = np.empty((n, 10), dtype=np.int64)
    for k in range(9, -1, -1):
        ids, digits[:, k] = np.divmod(ids, 31)
    tail = np.array(list(BASE31))[digits].view("<U10").ravel()
    area = rng.integers(320500, 320599, size=n).astype(str)
    return np.char.add(np.char.add("91", area), tail).tolist()


def _lists(hits: np.ndarray, labels: list[list[str]]) -> pl.Series:
    """Row i gets labels[j] for every j with hits[i, j] (a sparse boolean matrix), with no Python loop per row."""
    n = hits.shape[0]
    rows, cols = np.nonzero(hits)
    per_col = np.array([len(labs) for labs in labels], dtype=np.int64)
    flat = np.array([lab for labs in labels for lab in labs] or [""], dtype=object)
    starts = np.concatenate([[0], np.cumsum(per_col)[:-1]])
    reps = per_col[cols]
    row_rep = np.repeat(rows, reps)
    offsets = np.arange(reps.sum()) - np.repeat(np.cumsum(reps) - reps, reps)
    lab_rep = flat[np.repeat(starts[cols], reps) + offsets] if len(row_rep) else np.array([], dtype=object)
    long = pl.DataFrame({"i": row_rep.astype(np.int64), "lab": pl.Series(lab_rep.tolist(), dtype=pl.String)})
    grouped = long.group_by("i").agg(pl.col("lab").unique().sort())
    full = pl.DataFrame({"i": np.arange(n, dtype=np.int64)}).join(grouped, on="i", how="left")
    return full.select(pl.col("lab").fill_null(pl.lit([], dtype=pl.List(pl.String))))["lab"]


def synth_registry(n: int, rules: list[Rule] | None = None, seed: int = 20261124) -> pl.DataFrame:
    """``n`` synthetic enterprises in the registry schema (see ``screen.SCHEMA``)."""
    rng = np.random.default_rng(seed)
    size = rng.lognormal(mean=0.0, sigma=1.6, size=n)  # firm size factor, heavy right tail
    revenue = np.round(size * 8e6 * rng.lognormal(0, 0.3, n), -3)
    districts = list(DISTRICTS)
    jurisdiction = rng.choice(districts, size=n, p=np.array(list(DISTRICTS.values())) / sum(DISTRICTS.values()))
    industry_names = list(INDUSTRIES)
    industries = _lists(rng.random((n, len(industry_names))) < np.array(list(INDUSTRIES.values())), [[x] for x in industry_names])
    big = np.clip(size / 4, 0.2, 6.0)  # larger firms hold more honours
    honour_hits = rng.random((n, len(HONOURS))) < (np.array([h[2] for h in HONOURS]) * big[:, None])
    honours = _lists(honour_hits, [[name] + ([f"{name}@{level}"] if level else []) for name, level, _ in HONOURS])
    vocab = qualification_vocab()
    quals = sorted({c.name for r in (rules or []) for c in r.conditions if c.type == "qualification" and c.name in vocab})
    qualifications = _lists(rng.random((n, len(quals))) < 0.01, [[q] for q in quals])
    data: dict[str, object] = {
        "credit_code": credit_codes(n, rng),
        "name": [f"苏州合成企业{i:07d}有限公司" for i in range(n)],
        "jurisdiction": jurisdiction.tolist(),
        "registration_date": (np.datetime64("2000-01-01") + rng.integers(0, 9000, n).astype("timedelta64[D]")),
        "industries": industries,
        "honours": honours,
        "qualifications": qualifications,
        "revenue": revenue,
        "revenue_growth": np.round(rng.normal(0.06, 0.15, n), 4),
        "rd_spend": np.round(revenue * rng.beta(2, 40, n), -2),
        "rd_ratio": None,
        "insured_headcount": np.maximum(1, np.round(size * 25)).astype(float),
        "patents.invention": rng.negative_binomial(1, 1 / (1 + size * 2), n).astype(float),
        "patents.foreign_filed": rng.poisson(size * 0.2, n).astype(float),
        "patents.foreign_granted": rng.poisson(size * 0.08, n).astype(float),
    }
    data["rd_ratio"] = np.round(data["rd_spend"] / np.maximum(revenue, 1), 4)  # type: ignore[operator]
    for key in SPEND_FIELDS:
        spends = rng.random(n) < 0.15  # most firms have no spend of a given kind this year
        amount = np.round(size * rng.lognormal(13, 1.2, n), -2) * spends
        data[f"spend.{key}"] = amount
    for key in quantity_units():  # per-unit quantities (TEU, 平方米·月…): rare, small counts
        data[f"quantities.{key}"] = np.where(rng.random(n) < 0.03, np.round(size * rng.lognormal(3, 1, n)), 0.0)
    df = pl.DataFrame({k: data[k] for k in SCHEMA}, schema_overrides={k: v for k, v in SCHEMA.items()}, strict=False)
    # unknown cells: a few per cent of every optional column
    mask_cols = [c for c in SCHEMA if c not in ("credit_code", "name")]
    nulls = rng.random((n, len(mask_cols))) < NULL_SHARE
    return df.with_columns(
        pl.when(pl.Series(nulls[:, j])).then(None).otherwise(pl.col(c)).alias(c) for j, c in enumerate(mask_cols)
    )
