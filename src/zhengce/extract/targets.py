"""Plan targets: indicator tables (000 tab tables; 002's cell-per-line tables) and
prose targets (到2027年…达到…).

A target has indicator, unit, base value and year, target value and year, and
attribute (预期性/约束性). Values that are not numbers ("—", "完成市下达任务",
"与GDP增长同步", "90以上") are kept as written; ``target_number`` is set only
when the value is a plain number (with 以上/左右 read into ``comparator``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from zhengce.corpus.structure import Node
from zhengce.corpus.text import SourceText, clean
from zhengce.extract.amounts import NUM, parse_number
from zhengce.extract.clauses import RuleLine, citation
from zhengce.extract.model import Target

YEAR_RE = re.compile(r"(\d{4})\s*年")
UNIT_IN_NAME_RE = re.compile(r"[（(]([^（）()]{1,12})[）)]$")
PROSE_TARGET_RE = re.compile(
    rf"(?:到|至)(?P<year>20\d\d)年(?:底)?[，,]?(?P<body>[^。；]*?)"
    rf"(?P<ind>[\u4e00-\u9fa5A-Za-z“”]{{2,24}}?)(?P<verb>达到|突破|超过|力争达到|保持在|提高到|提升至|达|累计达)(?P<num>{NUM})(?P<unit>亿美元|亿元|万元|万人|万户|万|亿|家|个|%|人|项|件|倍|平方公里)?(?P<post>以上|左右)?"
)


def _number(value: str) -> tuple[float | None, str | None]:
    v = clean(value).replace("%", "")
    m = re.fullmatch(rf"({NUM})(以上|左右|以下)?", v)
    if not m:
        return None, None
    n = parse_number(m.group(1))
    comparator = {"以上": ">=", "以下": "<=", "左右": "=="}.get(m.group(2) or "", "==")
    return (float(n) if n is not None else None), comparator


def _target_from_cells(
    src: SourceText, doc_id: str, start: int, end: int, columns: dict[str, str], category: str | None
) -> Target | None:
    names = list(columns)
    ind_col = next((c for c in names if "指标" in c and "属性" not in c), None)
    if ind_col is None or not columns.get(ind_col):
        return None
    indicator = clean(columns[ind_col])
    years = [(c, int(YEAR_RE.search(c).group(1))) for c in names if YEAR_RE.search(c)]
    if not years:
        return None
    target_col = next((c for c, _ in years if "目标" in c), max(years, key=lambda x: x[1])[0])
    base_col = next((c for c, _ in years if c != target_col and ("完成" in c or "基" in c)), None)
    if base_col is None:
        base_col = next((c for c, _ in years if c != target_col), None)
    unit = columns.get("单位") or (UNIT_IN_NAME_RE.search(indicator).group(1) if UNIT_IN_NAME_RE.search(indicator) else None)
    attribute = next((v for v in columns.values() if clean(v) in ("预期性", "约束性")), None)
    number, comparator = _number(columns[target_col])
    actual = None
    if base_col is not None and dict(years)[base_col] == dict(years)[target_col]:
        actual, base_col = clean(columns[base_col]), None  # 2020年目标值 vs 2020年完成值: an outcome, not a base
    return Target(
        **citation(src, doc_id, start, end), indicator=indicator, unit=unit,
        base_value=clean(columns[base_col]) if base_col else None,
        base_year=dict(years).get(base_col) if base_col else None,
        target_value=clean(columns[target_col]), target_number=number, comparator=comparator,
        target_year=dict(years)[target_col], actual_value=actual, attribute=clean(attribute) if attribute else None, category=category,
    )  # fmt: skip


def targets_from_tab_table(src: SourceText, doc_id: str, table: Node) -> Iterator[Target]:
    """Rows of a tab-separated table node whose header has 指标 and year columns."""
    category = None
    for row in table.children:
        cols = dict(row.columns or {})
        if cols.get("类别"):
            category = cols["类别"]
        t = _target_from_cells(src, doc_id, row.start, row.end, cols, category)
        if t:
            yield t


def targets_from_cell_tables(src: SourceText, doc_id: str, start: int, end: int) -> Iterator[Target]:
    """002-style tables: after a 表N caption, one cell per line starting with TAB,
    continuation lines without TAB, records separated by blank lines, an empty
    first cell meaning "same category as above"."""
    first, last = src.line_of(start), src.line_of(max(start, end - 1))
    no = first
    while no <= last:
        if not re.match(r"^表\d", clean(src.line(no))):
            no += 1
            continue
        records: list[tuple[int, int, list[str]]] = []
        cells: list[str] = []
        rec_start = None
        no += 1
        while no <= last:
            raw = src.line(no)
            ls, le = src.line_span(no)
            if raw.startswith("\t"):
                if rec_start is None:
                    rec_start = ls
                cells.append(raw[1:])
                rec_end = le
            elif raw.strip() == "":
                if cells:
                    records.append((rec_start, rec_end, cells))
                    cells, rec_start = [], None
            elif cells:
                cells[-1] += raw  # a continuation line
                rec_end = le
            else:
                break
            no += 1
        if cells:
            records.append((rec_start, rec_end, cells))
        if not records:
            continue
        header = [clean(c) for c in records[0][2]]
        category = None
        for rs, re_, values in records[1:]:
            if len(values) != len(header):
                continue
            cols = dict(zip(header, values))
            if clean(cols.get("类别", "")):
                category = clean(cols["类别"])
            t = _target_from_cells(src, doc_id, rs, re_, cols, category)
            if t:
                yield t


def extract_prose_targets(line: RuleLine, doc_id: str) -> list[Target]:
    out = []
    for s0, s1 in line.sentences():
        sentence = line.text[s0:s1]
        for m in PROSE_TARGET_RE.finditer(sentence):
            n = parse_number(m.group("num"))
            out.append(
                Target(
                    **line.cite(doc_id, s0 + m.start(), s0 + m.end()), indicator=m.group("ind").strip("，,"),
                    unit=m.group("unit"), target_value=m.group("num") + (m.group("unit") or "") + (m.group("post") or ""),
                    target_number=float(n) if n is not None else None,
                    comparator=">=" if m.group("post") == "以上" or m.group("verb") in ("突破", "超过") else "==",
                    target_year=int(m.group("year")),
                )
            )  # fmt: skip
    return out
