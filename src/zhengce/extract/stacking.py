"""Stacking and scope rules: 就高不重复 with its scope, document caps,
precedence (按照本《措施》执行 / 从其规定) and exclusions (已享受…的企业不列入).
"""

from __future__ import annotations

import re

from zhengce.extract.amounts import find_money
from zhengce.extract.clauses import RuleLine
from zhengce.extract.model import Stacking

HIGHEST_RE = re.compile(r"就高不重复|就高不叠加|就高原则|不重复享受|不得重复申报|不重复支持|不可叠加|不叠加享受")
DOC_CAP_RE = re.compile(r"(?:单个|每家)(?:企业|单位|主体)[^。；]{0,20}(?:依据|根据|按照)本[《〈]?[^》〉，。]{0,10}[》〉]?[^。；]{0,12}累计(?:不超过|最高)")
THIS_PREVAILS_RE = re.compile(r"与本[《〈]?[^》〉，。]{0,10}[》〉]?不一致的[，,]?(?:以|按照?)本[《〈]?[^》〉，。]{0,10}[》〉]?(?:为准|执行)")
OTHER_PREVAILS_RE = re.compile(r"从其规定")
EXCLUSION_RE = re.compile(r"已享受[^。；]{2,120}?(?:的企业|的单位|的项目)?(?:不列入|不再享受|不得申报|不予支持|不再支持)")


def _scope(sentence: str) -> str:
    if re.search(r"同一项目|同一事项", sentence):
        return "same_project"
    if re.search(r"同类|同一类", sentence):
        return "same_subject_same_category" if "同一主体" in sentence or "同一企业" in sentence else "same_category"
    if re.search(r"同一主体|同一企业", sentence):
        return "same_subject_any_policy"
    return "any_policy"


def extract_stacking(line: RuleLine, doc_id: str) -> list[Stacking]:
    out: list[Stacking] = []
    text = line.text

    def fact(a: int, b: int, **kw) -> Stacking:
        return Stacking(**line.cite(doc_id, a, b), **kw)

    for s0, s1 in line.sentences():
        s = text[s0:s1]
        if HIGHEST_RE.search(s):
            kind = "highest_only" if "就高" in s else "no_double_claim"
            out.append(fact(s0, s1, kind=kind, scope=_scope(s)))
        if DOC_CAP_RE.search(s):
            money = [m for m in find_money(s) if "累计" in s[max(0, m.start - 8) : m.start]]
            out.append(fact(s0, s1, kind="document_cap", scope="document", cap_total_yuan=money[0].yuan if money else None))
        if THIS_PREVAILS_RE.search(s):
            out.append(fact(s0, s1, kind="precedence", scope="this_document_prevails", detail="与本文件不一致的，按本文件执行"))
        elif OTHER_PREVAILS_RE.search(s):
            out.append(fact(s0, s1, kind="precedence", scope="other_rules_prevail", detail="另有规定或政策调整的，从其规定"))
        if EXCLUSION_RE.search(s):
            out.append(fact(s0, s1, kind="exclusion", detail=EXCLUSION_RE.search(s).group(0)))
    return out
