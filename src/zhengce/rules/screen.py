"""免申即享: evaluate every rule for every enterprise of a registry, column-wise with polars.

The semantics are those of :mod:`zhengce.rules.engine` (a property test checks
that both agree on every rule): a null cell is unknown (``needs-info``), a
present cell is known. No Python code runs per enterprise; each rule becomes a
handful of column expressions, evaluated in chunks of enterprises to bound
memory, and 就高不重复 and document caps are window functions over the
(enterprise, rule) pairs that are not ``not-eligible``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import polars as pl

from zhengce.rules.engine import in_force
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
from zhengce.rules.profile import (
    CREDIT_CODE_RE,
    LEVELS,
    LIST_FIELDS,
    NUMERIC_FIELDS,
    ROW_FIELDS,
    SUZHOU_AREAS,
    honour_names,
    industry_names,
)

STATUS_CODES = {"not-eligible": 0, "needs-info": 1, "eligible": 2, "superseded": 3}
STATUS_NAMES = {v: k for k, v in STATUS_CODES.items()}
REQUIRED_COLUMNS = ("credit_code", "name")
CHUNK_ROWS = 250_000

SCHEMA: dict[str, pl.DataType] = {
    "credit_code": pl.String(),
    "name": pl.String(),
    "jurisdiction": pl.String(),
    "registration_date": pl.Date(),
    **{f: pl.List(pl.String()) for f in LIST_FIELDS},
    **{f: pl.Float64() for f in NUMERIC_FIELDS},
}


class RegistryError(ValueError):
    """The registry file as a whole cannot be read (one line)."""


@dataclass
class Registry:
    frame: pl.DataFrame  # valid rows, with a ``row`` column: the 1-based data row number in the file
    rejects: list[tuple[int, str]] = field(default_factory=list)  # (row number, reason)
    rows_in: int = 0


# --- reading and validating a registry --------------------------------------------------


def _check_columns(columns: list[str]) -> None:
    unknown = [c for c in columns if c not in SCHEMA]
    if unknown:
        raise RegistryError(f"unknown column {unknown[0]!r}; known columns are listed in README (registry format)")
    for c in REQUIRED_COLUMNS:
        if c not in columns:
            raise RegistryError(f"missing required column {c!r}")


def read_registry(path: Path) -> Registry:
    """Read a CSV or Parquet registry; bad rows are rejected with their row number and reason."""
    if not path.exists():
        raise RegistryError(f"{path}: no such file")
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            raw = path.read_bytes()
            if not raw.strip():
                raise RegistryError(f"{path}: file is empty")
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError:
                raise RegistryError(f"{path}: not UTF-8 text (a GBK export? save it as UTF-8)") from None
            df = pl.read_csv(raw, infer_schema=False)
            _check_columns(df.columns)
            return _from_strings(df)
        if suffix == ".parquet":
            df = pl.read_parquet(path)
            _check_columns(df.columns)
            return _from_typed(df)
    except RegistryError:
        raise
    except (pl.exceptions.PolarsError, OSError) as exc:
        raise RegistryError(f"{path}: unreadable {suffix[1:]} ({str(exc).splitlines()[0][:160]})") from None
    raise RegistryError(f"{path}: a registry is .csv or .parquet")


def _reject(df: pl.DataFrame, bad: pl.Expr, reason: pl.Expr | str, rejects: list[tuple[int, str]]) -> pl.DataFrame:
    reason_expr = pl.lit(reason) if isinstance(reason, str) else reason
    bad = bad.fill_null(False)  # a null test is not a failure: the row is kept
    hit = df.filter(bad).select("row", reason_expr.alias("reason"))
    rejects.extend(zip(hit["row"].to_list(), hit["reason"].to_list()))
    return df.filter(~bad)


def _validate(df: pl.DataFrame, rejects: list[tuple[int, str]]) -> pl.DataFrame:
    """Row checks shared by CSV and Parquet input, on typed columns."""
    df = _reject(df, pl.col("credit_code").is_null() | ~pl.col("credit_code").str.contains(CREDIT_CODE_RE.pattern),
                 pl.lit("credit_code: not an 18-character unified social credit code"), rejects)  # fmt: skip
    df = _reject(df, pl.col("name").is_null() | (pl.col("name").str.strip_chars() == ""), "name: empty", rejects)
    dupe = pl.col("credit_code").is_duplicated() & (pl.int_range(pl.len()).over("credit_code") > 0)
    df = _reject(df, dupe, "credit_code: duplicate of an earlier row", rejects)
    df = _reject(df, pl.col("jurisdiction").is_not_null() & ~pl.col("jurisdiction").is_in(list(SUZHOU_AREAS)),
                 pl.format("jurisdiction: unknown area {}", pl.col("jurisdiction")), rejects)  # fmt: skip
    tokens = sorted(honour_names() | {f"{h}@{lv}" for h in honour_names() for lv in LEVELS})
    for col, known in (("honours", tokens), ("industries", sorted(industry_names()))):
        bad_list = pl.col(col).is_not_null() & ~pl.col(col).list.eval(pl.element().is_in(known)).list.all()
        df = _reject(df, bad_list, f"{col}: unknown value (see README for the vocabulary)", rejects)
    for col in NUMERIC_FIELDS:
        if col != "revenue_growth":  # growth may be negative; amounts and counts may not
            df = _reject(df, pl.col(col) < 0, f"{col}: negative", rejects)
    return df


def _from_strings(df: pl.DataFrame) -> Registry:
    rows_in = df.height
    df = df.with_row_index("row", offset=1).with_columns(pl.col("row").cast(pl.Int64))
    rejects: list[tuple[int, str]] = []
    for col in SCHEMA:
        if col not in df.columns:
            df = df.with_columns(pl.lit(None, dtype=pl.String()).alias(col))
    blank = {c: pl.when(pl.col(c).str.strip_chars() == "").then(None).otherwise(pl.col(c).str.strip_chars()) for c in SCHEMA}
    df = df.with_columns(**blank)
    for col in NUMERIC_FIELDS:
        parsed = pl.col(col).cast(pl.Float64, strict=False)
        df = _reject(df, pl.col(col).is_not_null() & parsed.is_null(), pl.format(f"{col}: not a number ({{}})", pl.col(col)), rejects)
        df = df.with_columns(parsed.alias(col))
    parsed_date = pl.col("registration_date").str.to_date("%Y-%m-%d", strict=False)
    df = _reject(df, pl.col("registration_date").is_not_null() & parsed_date.is_null(),
                 pl.format("registration_date: not a YYYY-MM-DD date ({})", pl.col("registration_date")), rejects)  # fmt: skip
    df = df.with_columns(parsed_date.alias("registration_date"))
    for col in LIST_FIELDS:  # "" → unknown, "-" → known and empty, else ;-separated
        df = df.with_columns(
            pl.when(pl.col(col) == "-").then(pl.lit([], dtype=pl.List(pl.String())))
            .otherwise(pl.col(col).str.split(";").list.eval(pl.element().str.strip_chars()).list.filter(pl.element() != ""))
            .alias(col)
        )  # fmt: skip
    df = _validate(df, rejects)
    return Registry(df.select("row", *SCHEMA), sorted(rejects), rows_in)


def _from_typed(df: pl.DataFrame) -> Registry:
    rows_in = df.height
    df = df.with_row_index("row", offset=1).with_columns(pl.col("row").cast(pl.Int64))
    for col, dtype in SCHEMA.items():
        if col not in df.columns:
            df = df.with_columns(pl.lit(None, dtype=dtype).alias(col))
        elif df.schema[col] != dtype:
            try:
                df = df.with_columns(pl.col(col).cast(dtype))
            except pl.exceptions.PolarsError:
                raise RegistryError(f"column {col!r} has type {df.schema[col]}, expected {dtype}") from None
    rejects: list[tuple[int, str]] = []
    df = _validate(df, rejects)
    return Registry(df.select("row", *SCHEMA), sorted(rejects), rows_in)


def rows_to_frame(rows: list[dict]) -> pl.DataFrame:
    """Flat profile rows (``EnterpriseProfile.to_row``) as a registry frame."""
    data = {c: [r.get(c) for r in rows] for c in ROW_FIELDS}
    df = pl.DataFrame(data, schema=SCHEMA)
    return df.with_row_index("row", offset=1).with_columns(pl.col("row").cast(pl.Int64))


# --- compiling rules to expressions -----------------------------------------------------

_OPS = {">=": "__ge__", ">": "__gt__", "<=": "__le__", "<": "__lt__"}


def _condition(cond) -> tuple[pl.Expr, pl.Expr, str]:
    """(known, ok, field) expressions for one condition."""
    if isinstance(cond, HonourCondition):
        need = [f"{cond.name}@{lv}" for lv in cond.levels] if cond.levels else [cond.name]
        col = pl.col("honours")
        return col.is_not_null(), pl.any_horizontal([col.list.contains(t) for t in need]), "honours"
    if isinstance(cond, QualificationCondition):
        col = pl.col("qualifications")
        return col.is_not_null(), col.list.contains(cond.name), "qualifications"
    if isinstance(cond, IndustryCondition):
        col = pl.col("industries")
        return col.is_not_null(), pl.any_horizontal([col.list.contains(i) for i in cond.any]), "industries"
    if isinstance(cond, JurisdictionCondition):
        col = pl.col("jurisdiction")
        return col.is_not_null(), col.is_in(cond.any), "jurisdiction"
    if isinstance(cond, ThresholdCondition):
        col = pl.col(cond.field)
        return col.is_not_null(), getattr(col, _OPS[cond.op])(cond.value), cond.field
    raise TypeError(cond)


def _formula(rule: Rule) -> tuple[pl.Expr, pl.Expr, pl.Expr, pl.Expr, str | None]:
    """(base known, applies, min, max, base field) expressions."""
    f = rule.formula
    null_int = pl.lit(None, dtype=pl.Int64)
    if isinstance(f, FixedFormula):
        if f.at_least:
            return pl.lit(True), pl.lit(True), pl.lit(f.amount, pl.Int64), null_int, None
        return pl.lit(True), pl.lit(True), (null_int if f.upto else pl.lit(f.amount, pl.Int64)), pl.lit(f.amount, pl.Int64), None
    if isinstance(f, UnknownFormula):
        return pl.lit(True), pl.lit(True), null_int, null_int, None
    base = pl.col(f.base)
    if isinstance(f, RateFormula):
        lo = (base * f.rate).floor().cast(pl.Int64)
        hi = (base * (f.rate_max if f.rate_max is not None else f.rate)).floor().cast(pl.Int64)
        if f.cap is not None:
            lo, hi = pl.min_horizontal(lo, pl.lit(f.cap, pl.Int64)), pl.min_horizontal(hi, pl.lit(f.cap, pl.Int64))
        return base.is_not_null(), hi > 0, lo, hi, f.base
    if isinstance(f, StepFormula):
        steps = pl.when(base > f.threshold).then(((base - f.threshold) / f.step).floor()).otherwise(0.0)
        amount = (steps * f.step_amount).cast(pl.Int64)
        if f.cap is not None:
            amount = pl.min_horizontal(amount, pl.lit(f.cap, pl.Int64))
        return base.is_not_null(), amount > 0, amount, amount, f.base
    raise TypeError(f)


def rule_expressions(rule: Rule) -> list[pl.Expr]:
    """status code, amount min/max and missing fields of one rule, for every row."""
    fail = pl.lit(False)
    missing_parts: list[pl.Expr] = []
    seen: list[str] = []
    unknown = pl.lit(False)
    for cond in rule.conditions:
        known, ok, fld = _condition(cond)
        fail = fail | (known & ~ok)
        unknown = unknown | ~known
        if fld not in seen:
            seen.append(fld)
            missing_parts.append(pl.when(~known).then(pl.lit(fld + ",")).otherwise(pl.lit("")))
    base_known, applies, lo, hi, base = _formula(rule)
    if base is not None and base not in seen:
        missing_parts.append(pl.when(~base_known).then(pl.lit(base + ",")).otherwise(pl.lit("")))
    fail = fail.fill_null(False)
    status = (
        pl.when(fail).then(0)
        .when(base_known & ~applies.fill_null(False)).then(0)
        .when(unknown | ~base_known).then(1)
        .otherwise(2)
    ).cast(pl.UInt8)  # fmt: skip
    missing = pl.concat_str(missing_parts).str.strip_chars_end(",") if missing_parts else pl.lit("")
    eligible = status == 2
    return [
        status.alias("status"),
        pl.when(eligible).then(lo).otherwise(None).cast(pl.Int64).alias("amount_min_yuan"),
        pl.when(eligible).then(hi).otherwise(None).cast(pl.Int64).alias("amount_max_yuan"),
        pl.when(status == 1).then(missing).otherwise(pl.lit("")).alias("missing_fields"),
    ]


# --- screening ----------------------------------------------------------------------------


def active_rules(rules: list[Rule], as_of: date, include_expired: bool = False) -> list[Rule]:
    return [r for r in rules if include_expired or in_force(r, as_of)[0]]


def rules_frame(rules: list[Rule]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "rule_idx": list(range(len(rules))),
            "rule_id": [r.rule_id for r in rules],
            "stacking_group": [r.stacking_group for r in rules],
            "doc_id": [r.citation.doc_id for r in rules],
            "document_cap": [r.document_cap for r in rules],
        },
        schema={"rule_idx": pl.UInt32, "rule_id": pl.String, "stacking_group": pl.String, "doc_id": pl.String, "document_cap": pl.Int64},
    )


def screen_frame(df: pl.DataFrame, rules: list[Rule], as_of: date, *, keep_not_eligible: bool = False,
                 include_expired: bool = False) -> pl.DataFrame:  # fmt: skip
    """(enterprise, rule) results for one chunk of a registry frame."""
    active = active_rules(rules, as_of, include_expired)
    expired = {i for i, r in enumerate(active) if not in_force(r, as_of)[0]}
    parts = []
    for i, rule in enumerate(active):
        exprs = rule_expressions(rule)
        part = df.lazy().select(pl.col("credit_code"), *exprs, pl.lit(i, pl.UInt32).alias("rule_idx"))
        if i in expired:  # shown on request, never paid
            part = part.with_columns(status=pl.lit(0, pl.UInt8), amount_min_yuan=None, amount_max_yuan=None)
        if not keep_not_eligible:
            part = part.filter(pl.col("status") != 0)
        parts.append(part)
    if not parts:
        return _empty_results()
    long = pl.concat(parts).collect()
    long = resolve_stacking(long, rules_frame(active))
    return long


def _empty_results() -> pl.DataFrame:
    return pl.DataFrame(schema={"credit_code": pl.String, "rule_id": pl.String, "status": pl.String,
                                "amount_min_yuan": pl.Int64, "amount_max_yuan": pl.Int64, "missing_fields": pl.String,
                                "superseded_by": pl.String})  # fmt: skip


def resolve_stacking(long: pl.DataFrame, rf: pl.DataFrame) -> pl.DataFrame:
    """就高不重复 within groups, then document caps, as window functions (same order as the engine)."""
    long = long.join(rf, on="rule_idx", how="left")
    elig = (pl.col("status") == 2) & pl.col("amount_max_yuan").is_not_null()
    in_group = elig & pl.col("stacking_group").is_not_null()
    key = ["credit_code", "stacking_group"]
    long = long.sort(["credit_code", pl.col("amount_max_yuan"), "rule_idx"], descending=[False, True, False], nulls_last=True)
    rank = pl.int_range(pl.len()).over(pl.when(in_group).then(pl.concat_str(key, separator="\x1f")).otherwise(pl.lit(None)))
    winner = pl.col("rule_id").first().over(pl.when(in_group).then(pl.concat_str(key, separator="\x1f")).otherwise(pl.lit(None)))
    long = long.with_columns(
        pl.when(in_group & (rank > 0)).then(3).otherwise(pl.col("status")).cast(pl.UInt8).alias("status"),
        pl.when(in_group & (rank > 0)).then(winner).otherwise(None).alias("superseded_by"),
    )
    capped = (pl.col("status") == 2) & pl.col("amount_max_yuan").is_not_null() & pl.col("document_cap").is_not_null()
    ck = pl.when(capped).then(pl.concat_str(["credit_code", "doc_id"], separator="\x1f")).otherwise(pl.lit(None))
    cum = pl.col("amount_max_yuan").cum_sum().over(ck)
    new_hi = pl.min_horizontal(cum, pl.col("document_cap")) - pl.min_horizontal(cum - pl.col("amount_max_yuan"), pl.col("document_cap"))
    long = long.with_columns(
        pl.when(capped).then(new_hi).otherwise(pl.col("amount_max_yuan")).alias("amount_max_yuan"),
    ).with_columns(
        pl.when(capped & pl.col("amount_min_yuan").is_not_null())
        .then(pl.min_horizontal("amount_min_yuan", "amount_max_yuan")).otherwise(pl.col("amount_min_yuan"))
        .alias("amount_min_yuan"),
    )  # fmt: skip
    return long.select(
        "credit_code", "rule_id",
        pl.col("status").replace_strict(STATUS_NAMES, return_dtype=pl.String).alias("status"),
        "amount_min_yuan", "amount_max_yuan", "missing_fields", "superseded_by",
    ).sort(["credit_code", "rule_id"])  # fmt: skip


def chunks(df: pl.DataFrame, size: int = CHUNK_ROWS) -> Iterator[pl.DataFrame]:
    for start in range(0, df.height, size):
        yield df.slice(start, size)


@dataclass
class ScreenReport:
    rows_in: int
    screened: int
    rejects: list[tuple[int, str]]
    pairs_written: int
    eligible_pairs: int
    departments: list[tuple[str, int, int, int]]  # (department, firms, total min, total max)


def screen_registry(
    registry: Registry,
    rules: list[Rule],
    as_of: date,
    out: Path,
    *,
    departments_dir: Path | None = None,
    keep_not_eligible: bool = False,
    include_expired: bool = False,
    progress: Callable[[int], None] | None = None,
) -> ScreenReport:
    """Screen a registry chunk by chunk; write results and per-department payment lists."""
    import pyarrow.parquet as pq  # polars writes each chunk; pyarrow appends them to one file

    active = active_rules(rules, as_of, include_expired)
    dept_rows: list[pl.DataFrame] = []
    rule_depts = pl.DataFrame({"rule_id": [r.rule_id for r in active], "department": [r.departments or ["（未注明责任单位）"] for r in active]})
    tmp = out.with_name(out.name + ".partial")
    writer = None
    pairs = eligible = 0
    try:
        for chunk in chunks(registry.frame):
            res = screen_frame(chunk, rules, as_of, keep_not_eligible=keep_not_eligible, include_expired=include_expired)
            table = res.to_arrow()
            if writer is None:
                writer = pq.ParquetWriter(tmp, table.schema)
            writer.write_table(table)
            pairs += res.height
            elig = res.filter(pl.col("status") == "eligible")
            eligible += elig.height
            dept_rows.append(
                elig.join(rule_depts, on="rule_id").explode("department")
                .join(chunk.select("credit_code", "name"), on="credit_code")
                .group_by("department", "credit_code", "name")
                .agg(pl.col("rule_id").sort().str.join(";").alias("rules"),
                     pl.col("amount_min_yuan").fill_null(0).sum(),
                     pl.coalesce("amount_max_yuan", "amount_min_yuan").fill_null(0).sum().alias("amount_max_yuan"),
                     pl.col("amount_max_yuan").is_null().sum().alias("open_amounts"))
            )  # fmt: skip
            if progress:
                progress(chunk.height)
        if writer is None:
            writer = pq.ParquetWriter(tmp, _empty_results().to_arrow().schema)
        writer.close()
        writer = None
        tmp.replace(out)
    finally:
        if writer is not None:
            writer.close()
        tmp.unlink(missing_ok=True)
    summary = _write_departments(dept_rows, departments_dir or out.with_name(out.stem + "_departments"))
    return ScreenReport(registry.rows_in, registry.frame.height, registry.rejects, pairs, eligible, summary)


def _safe_name(dept: str) -> str:
    return re.sub(r"[\\/:*?\"<>|\s]", "_", dept)


def _write_departments(parts: list[pl.DataFrame], folder: Path) -> list[tuple[str, int, int, int]]:
    folder.mkdir(parents=True, exist_ok=True)
    if not parts:
        return []
    allrows = pl.concat(parts)
    summary = []
    for (dept,), rows in allrows.sort("department", "credit_code").group_by("department", maintain_order=True):
        rows = rows.drop("department").sort("amount_max_yuan", descending=True)
        rows.write_csv(folder / f"{_safe_name(dept)}.csv")
        summary.append((dept, rows.height, int(rows["amount_min_yuan"].sum()), int(rows["amount_max_yuan"].sum())))
    pl.DataFrame(summary, schema=["department", "firms", "total_min_yuan", "total_max_yuan"], orient="row").write_csv(
        folder / "_summary.csv"
    )
    return summary
