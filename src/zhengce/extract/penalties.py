"""Deadlines (N个工作日, 每半年, 每年4月底前) and fines (处A元以上B元以下罚款),
each fine linked to the article, paragraph and item whose violation it punishes.
"""

from __future__ import annotations

import re

from zhengce.corpus.structure import Node, numeral_value
from zhengce.extract.amounts import NUM, parse_number
from zhengce.extract.clauses import RuleLine
from zhengce.extract.model import Deadline, Penalty

WORKING_DAYS_RE = re.compile(rf"(?P<n>{NUM})个工作日")
DAYS_RE = re.compile(rf"(?P<n>{NUM})(?:日|天)(?:内|以内|前)")
RECURRING_RE = re.compile(r"每(?:半年|季度|月|年|两年)(?:度)?[^，。；]{0,10}?(?:报送|报告|兑付|申报|开展|评估|复核|组织|考核|发布|更新)")
CALENDAR_RE = re.compile(r"(?:每年|于每年)?\d{1,2}月(?:\d{1,2}日|底|末|中旬|上旬|下旬)(?:前|以前|之前)")
FINE_RE = re.compile(
    rf"处(?:以)?(?P<lo>{NUM})(?P<lu>万)?元以上(?P<hi>{NUM})(?P<hu>万)?元以下(?:的)?罚款|处(?:以)?(?P<only>{NUM})(?P<ou>万)?元以下(?:的)?罚款"
)
REFERS_RE = re.compile(
    r"违反本(?:办法|规定|条例)(?P<ref>第[一二三四五六七八九十百零]+条[^，。；]{0,80}?)规定"
)
CN_ARTICLE_RE = re.compile(r"第([一二三四五六七八九十百零]+)条")


def _yuan(num: str | None, wan: str | None) -> int | None:
    if num is None:
        return None
    n = parse_number(num)
    if n is None:
        return None
    return int(n * (10_000 if wan else 1))


def extract_deadlines(line: RuleLine, doc_id: str) -> list[Deadline]:
    out = []
    taken: list[tuple[int, int]] = []
    for rx, kind in ((WORKING_DAYS_RE, "working_days"), (CALENDAR_RE, "calendar"), (DAYS_RE, "days"), (RECURRING_RE, "recurring")):
        for m in rx.finditer(line.text):
            if any(a < m.end() and m.start() < b for a, b in taken):
                continue
            taken.append((m.start(), m.end()))
            amount = None
            if "n" in rx.groupindex and m.group("n"):
                n = parse_number(m.group("n"))
                amount = int(n) if n is not None else None
            out.append(
                Deadline(
                    **line.cite(doc_id, m.start(), m.end()), kind=kind, amount=amount,
                    unit={"working_days": "工作日", "days": "日"}.get(kind), text=m.group(0),
                )
            )
    return out


def _article(doc_tree: Node, number: int) -> Node | None:
    return next((n for n in doc_tree.walk() if n.kind == "article" and n.number == number), None)


def extract_penalties(line: RuleLine, doc_id: str) -> list[Penalty]:
    out = []
    for s0, s1 in line.sentences():
        sentence = line.text[s0:s1]
        for m in FINE_RE.finditer(sentence):
            ref = REFERS_RE.search(sentence) or REFERS_RE.search(line.text)
            refers_to = ref.group("ref") if ref else None
            ref_lines: list[int] = []
            for am in CN_ARTICLE_RE.finditer(refers_to or ""):
                art = _article(line.doc.tree, numeral_value(am.group(1)) or -1)
                if art is not None:
                    ref_lines.append(art.start_line)
            lo = _yuan(m.group("lo"), m.group("lu"))
            hi = _yuan(m.group("hi"), m.group("hu")) if m.group("hi") else _yuan(m.group("only"), m.group("ou"))
            out.append(
                Penalty(
                    **line.cite(doc_id, s0, s1), min_yuan=lo, max_yuan=hi, refers_to=refers_to, refers_to_lines=ref_lines
                )
            )
    return out
