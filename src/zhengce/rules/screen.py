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

from zhengce.rules.compile import STATUS_NAMES, compiled, places_used, result_columns, with_stages
from zhengce.rules.expr import decode_fields, place_columns
from zhengce.rules.model import Rule, in_force, offered_to_enterprises
from zhengce.rules.profile import (
    CREDIT_CODE_RE,
    LEVELS,
    LIST_FIELDS,
    NUMERIC_FIELDS,
    ROW_FIELDS,
    honour_names,
    industry_names,
    location_chain,
    place_error,
    qualification_vocab,
    resolve_place,
    value_range,
)

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
    df = _with_location(df, rejects)
    tokens = sorted(honour_names() | {f"{h}@{lv}" for h in honour_names() for lv in LEVELS})
    vocab = (("honours", tokens), ("industries", sorted(industry_names())), ("qualifications", sorted(qualification_vocab())))
    for col, known in vocab:
        bad_list = pl.col(col).is_not_null() & ~pl.col(col).list.eval(pl.element().is_in(known)).list.all()
        df = _reject(df, bad_list, f"{col}: unknown value (see README for the vocabulary)", rejects)
    for col in NUMERIC_FIELDS:  # the profile's ranges (value_range): no NaN, no Infinity, no 1e308
        lo, hi = value_range(col)
        c = pl.col(col)
        df = _reject(df, c.is_nan() | c.is_infinite(), f"{col}: not a finite number", rejects)
        df = _reject(df, (c < lo) | (c > hi), f"{col}: out of range ({lo:g} to {hi:g})", rejects)
    df = _reject(df, pl.col("registration_date") > pl.lit(date.today()), "registration_date: in the future", rejects)
    return df


PLACE_SCHEMA = {"jurisdiction": pl.String, "_place": pl.String, "location_chain": pl.List(pl.String)}


def place_table(names: list[str]) -> pl.DataFrame:
    """jurisdiction as written → canonical place and its chain 中国 → … → place (null when unknown)."""
    rows = [(n, resolve_place(n), location_chain(n)) for n in names]
    return pl.DataFrame(rows, schema=PLACE_SCHEMA, orient="row")


def _with_location(df: pl.DataFrame, rejects: list[tuple[int, str]]) -> pl.DataFrame:
    """Reject unknown places; canonicalise the rest and add ``location_chain`` (one lookup per distinct place)."""
    names = df["jurisdiction"].drop_nulls().unique().to_list()
    table = place_table(names)
    df = df.join(table, on="jurisdiction", how="left")
    bad = table.filter(pl.col("_place").is_null())["jurisdiction"].to_list()
    errors = pl.DataFrame({"jurisdiction": bad, "_why": [f"jurisdiction: {place_error(b)}" for b in bad]},
                          schema={"jurisdiction": pl.String, "_why": pl.String})  # fmt: skip
    df = df.join(errors, on="jurisdiction", how="left")
    df = _reject(df, pl.col("_why").is_not_null(), pl.col("_why"), rejects)
    return df.with_columns(pl.col("_place").alias("jurisdiction")).drop("_place", "_why").sort("row")


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
    return Registry(df.select("row", *SCHEMA, "location_chain"), sorted(rejects), rows_in)


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
    return Registry(df.select("row", *SCHEMA, "location_chain"), sorted(rejects), rows_in)


def rows_to_frame(rows: list[dict]) -> pl.DataFrame:
    """Flat profile rows (``EnterpriseProfile.to_row``) as a registry frame."""
    data = {c: [r.get(c) for r in rows] for c in (*ROW_FIELDS, "location_chain")}
    df = pl.DataFrame(data, schema={**SCHEMA, "location_chain": pl.List(pl.String)})
    return df.with_row_index("row", offset=1).with_columns(pl.col("row").cast(pl.Int64))


# --- screening ----------------------------------------------------------------------------


def active_rules(rules: list[Rule], as_of: date, include_expired: bool = False) -> list[Rule]:
    """Rules offered to enterprises and in force on ``as_of`` (all enterprise rules with ``include_expired``)."""
    return [r for r in rules if offered_to_enterprises(r) and (include_expired or in_force(r, as_of)[0])]


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


LONG_SCHEMA = {
    "credit_code": pl.String, "status": pl.UInt8, "amount_min_yuan": pl.Int64, "amount_max_yuan": pl.Int64,
    "missing_mask": pl.Int64, "option": pl.String, "rule_idx": pl.UInt32,
}  # fmt: skip


def evaluate_frame(df: pl.DataFrame, active: list[Rule], as_of: date, *, keep_not_eligible: bool = False) -> pl.DataFrame:
    """Long (enterprise, rule) results before stacking: one compiled select per rule."""
    parts = []
    for i, rule in enumerate(active):
        c = compiled(rule)
        part = with_stages(df.lazy(), c).select(pl.col("credit_code"), *result_columns(c), pl.lit(i, pl.UInt32).alias("rule_idx"))
        if not in_force(rule, as_of)[0]:  # shown on request, never paid
            part = part.with_columns(status=pl.lit(0, pl.UInt8), amount_min_yuan=None, amount_max_yuan=None, option=None)
        if not keep_not_eligible:
            part = part.filter(pl.col("status") != 0)
        parts.append(part)
    if not parts:
        return pl.DataFrame(schema=LONG_SCHEMA)
    return pl.concat(parts).collect()


def screen_frame(df: pl.DataFrame, rules: list[Rule], as_of: date, *, keep_not_eligible: bool = False,
                 include_expired: bool = False) -> pl.DataFrame:  # fmt: skip
    """(enterprise, rule) results for one chunk of a registry frame."""
    active = active_rules(rules, as_of, include_expired)
    if "location_chain" not in df.columns:  # a frame built by hand (synth, tests): add the firms' places
        names = df["jurisdiction"].drop_nulls().unique().to_list()
        df = df.join(place_table(names).select("jurisdiction", "location_chain"), on="jurisdiction", how="left")
    df = df.with_columns(place_columns(set().union(*(places_used(r) for r in active))) if active else [])
    df = df.with_columns(((pl.lit(as_of) - pl.col("registration_date")).dt.total_days() / 365.25).alias("age_years"))
    long = evaluate_frame(df, active, as_of, keep_not_eligible=keep_not_eligible)
    if long.is_empty():
        return _empty_results()
    return _output(resolve_stacking(long, rules_frame(active)))


def _empty_results() -> pl.DataFrame:
    return pl.DataFrame(schema={"credit_code": pl.String, "rule_id": pl.String, "status": pl.String,
                                "amount_min_yuan": pl.Int64, "amount_max_yuan": pl.Int64, "missing_fields": pl.String,
                                "option": pl.String, "superseded_by": pl.String, "cap_note": pl.String})  # fmt: skip


def missing_names(mask: pl.Expr, masks: pl.Series) -> pl.Expr:
    """Missing-field masks as comma-joined names (one decode per distinct mask)."""
    uniq = masks.drop_nulls().unique().to_list()
    return mask.replace_strict(uniq, [decode_fields(m) for m in uniq], default="", return_dtype=pl.String)


def _output(long: pl.DataFrame) -> pl.DataFrame:
    return long.select(
        "credit_code", "rule_id",
        pl.col("status").replace_strict(STATUS_NAMES, return_dtype=pl.String).alias("status"),
        "amount_min_yuan", "amount_max_yuan", missing_names(pl.col("missing_mask"), long["missing_mask"]).alias("missing_fields"),
        "option", "superseded_by", "cap_note",
    ).sort(["credit_code", "rule_id"])  # fmt: skip


def _share(amount: pl.Expr, scale: pl.Expr, total: pl.Expr, key: pl.Expr) -> pl.Expr:
    """``floor(amount × scale)`` per member, the rounding remainder given to the group's first member,
    so that the shares add up exactly to ``total``."""
    floor = (amount.cast(pl.Float64) * scale).floor().cast(pl.Int64)
    first = pl.int_range(pl.len()).over(key) == 0
    return floor + pl.when(first).then(total - floor.sum().over(key)).otherwise(0)


def resolve_stacking(long: pl.DataFrame, rf: pl.DataFrame) -> pl.DataFrame:
    """就高不重复 within stacking groups, then document caps shared out, as window functions.

    Stacking: within a group only the highest eligible amount is paid (ties: rule order).

    Document caps (单个企业依据本措施奖励金额累计不超过800万元): the document's eligible rules together
    get at most the cap. Guaranteed minimums are shared first (each scaled by cap / their sum when
    they exceed it), then the room left is shared over the rules' headroom (max − min) in proportion.
    So the document's total minimum is min(cap, Σ min) and its total maximum min(cap, Σ max): when
    fixed amounts alone exceed the cap both are the cap, and no rule is cut to 0. ``cap_note`` says how.
    """
    long = long.join(rf, on="rule_idx", how="left").with_columns(
        pl.lit(None, pl.String).alias("superseded_by"), pl.lit(None, pl.String).alias("cap_note")
    )
    in_group = (pl.col("status") == 2) & pl.col("amount_max_yuan").is_not_null() & pl.col("stacking_group").is_not_null()
    long = _on_subset(long, in_group, _highest_only)
    capped = (pl.col("status") == 2) & pl.col("document_cap").is_not_null()
    return _on_subset(long, capped, _share_document_cap)


def _on_subset(long: pl.DataFrame, mask: pl.Expr, step: Callable[[pl.DataFrame], pl.DataFrame]) -> pl.DataFrame:
    """Apply ``step`` to the rows ``mask`` selects only (window functions over a few rows, not millions)."""
    flags = long.select(mask.fill_null(False)).to_series()
    if not flags.any():
        return long
    return pl.concat([long.filter(~flags), step(long.filter(flags)).select(long.columns)])


def _highest_only(g: pl.DataFrame) -> pl.DataFrame:
    """就高不重复 among a firm's eligible rules of one group: the highest is paid (ties: rule order)."""
    key = ["credit_code", "stacking_group"]
    g = g.sort(["credit_code", "stacking_group", "amount_max_yuan", "rule_idx"], descending=[False, False, True, False])
    rank = pl.int_range(pl.len()).over(key)
    return g.with_columns(
        pl.when(rank > 0).then(3).otherwise(pl.col("status")).cast(pl.UInt8).alias("status"),
        pl.when(rank > 0).then(pl.col("rule_id").first().over(key)).otherwise(None).alias("superseded_by"),
    )


def _share_document_cap(g: pl.DataFrame) -> pl.DataFrame:
    """A document cap shared out over a firm's eligible rules of that document (see resolve_stacking)."""
    g = g.sort(["credit_code", "doc_id", "amount_max_yuan", "rule_idx"], descending=[False, False, True, False], nulls_last=True)
    ck = pl.concat_str(["credit_code", "doc_id"], separator="\x1f")
    cap = pl.col("document_cap")
    lo0 = pl.col("amount_min_yuan").fill_null(0)
    sum_lo = lo0.sum().over(ck)
    g = g.with_columns(
        _share(lo0, pl.min_horizontal(pl.lit(1.0), cap / pl.max_horizontal(sum_lo, 1)), pl.min_horizontal(cap, sum_lo), ck).alias("_lo"),
        sum_lo.alias("_sum_lo"),
        pl.col("amount_max_yuan").sum().over(ck).alias("_sum_hi"),
    )
    has_hi = pl.col("amount_max_yuan").is_not_null()
    room = cap - pl.col("_lo").sum().over(ck)
    head = pl.when(has_hi).then(pl.max_horizontal(pl.col("amount_max_yuan") - pl.col("_lo"), 0)).otherwise(0)
    hkey = pl.when(has_hi).then(ck).otherwise(pl.lit(None))
    sum_head = head.sum().over(hkey)
    scale_hi = pl.min_horizontal(pl.lit(1.0), room / pl.max_horizontal(sum_head, 1))
    g = g.with_columns(
        pl.when(has_hi).then(pl.col("_lo") + _share(head, scale_hi, pl.min_horizontal(room, sum_head), hkey))
        .otherwise(pl.col("amount_max_yuan")).alias("_hi"),
    )  # fmt: skip
    note = pl.format("文件累计上限{}元：本文件可得合计{}～{}元，超出部分按各项金额比例分摊", cap, pl.col("_sum_lo"), pl.col("_sum_hi"))
    cut = (pl.col("_sum_lo") > cap) | (pl.col("_sum_hi") > cap).fill_null(False)
    return g.with_columns(
        pl.when(pl.col("amount_min_yuan").is_not_null()).then(pl.col("_lo")).otherwise(pl.col("amount_min_yuan")).alias("amount_min_yuan"),
        pl.col("_hi").alias("amount_max_yuan"),
        pl.when(cut).then(note).otherwise(None).alias("cap_note"),
    ).drop("_lo", "_hi", "_sum_lo", "_sum_hi")


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
