"""Plan tasks with lead and cooperating units.

* Table rows (004's 5-column task table): one task per row, departments from
  the 责任分工 column, status words (已建立/下一步/年内) from the plan column,
  linked to the main-text paragraph it implements where one is found.
* Task paragraphs: any rule-text line carrying a responsibility tag is a task
  of the units named there (牵头 units are leads).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from zhengce.corpus.structure import Node
from zhengce.corpus.text import SourceText, clean
from zhengce.extract.clauses import RuleLine, citation
from zhengce.extract.departments import _split_units, find_tags, registry
from zhengce.extract.model import Task

STATUS_WORDS = ("已建立", "已出台", "已完成", "已实现", "下一步", "年内", "持续推进", "正在")
TASK_COLUMN_HINTS = {"title": ("具体举措", "任务", "措施"), "departments": ("责任", "分工", "单位"), "plan": ("落实计划", "计划")}


def _bigrams(s: str) -> set[str]:
    s = clean(s)
    return {s[i : i + 2] for i in range(len(s) - 1)}


def _column(columns: dict[str, str], role: str) -> str | None:
    for name in columns:
        if any(h in name for h in TASK_COLUMN_HINTS[role]) and not (role == "title" and "试点任务" == name):
            return name
    return None


def tasks_from_table(src: SourceText, doc_id: str, table: Node, main_lines: list[RuleLine]) -> Iterator[Task]:
    reg = registry()
    grams = [(ln, _bigrams(ln.text)) for ln in main_lines if len(ln.text) > 20]
    for row in table.children:
        cols = row.columns or {}
        title_col, dept_col, plan_col = _column(cols, "title"), _column(cols, "departments"), _column(cols, "plan")
        if title_col is None or dept_col is None:
            continue
        title = cols[title_col]
        units = _split_units(cols[dept_col])
        plan = cols.get(plan_col) if plan_col else None
        best, best_score = None, 0.0
        g = _bigrams(title)
        for ln, lg in grams:
            if g and lg:
                score = len(g & lg) / len(g)
                if score > best_score:
                    best, best_score = ln, score
        yield Task(
            **citation(src, doc_id, row.start, row.end, "附件 › " + (row.label or "")), title=clean(title)[:200],
            number=row.label or None, departments=list(dict.fromkeys(reg.canonical(u) for u in units)),
            group=clean(next(iter(cols.values()), "")) or None, plan=plan,
            status_words=[w for w in STATUS_WORDS if plan and w in plan],
            main_text_line=best.line if best is not None and best_score >= 0.5 else None,
        )  # fmt: skip


def extract_tasks(line: RuleLine, doc_id: str) -> list[Task]:
    tags = find_tags(line.text, place=line.doc.metadata.jurisdiction)
    if not tags:
        return []
    out = []
    start = 0
    for tag in tags:
        body = line.text[start : tag.start].strip()
        if len(body) >= 4:
            title = line.node.heading or re.split(r"[。；]", re.sub(r"^[（(]?[一二三四五六七八九十\d]+[)）、.．]", "", body))[0]
            out.append(
                Task(
                    **line.cite(doc_id, start, tag.end), title=title[:120], number=line.node.label or None,
                    lead_departments=list(tag.lead), departments=list(tag.all),
                )
            )
        start = tag.end
    return out
