"""Generate rules from benefit facts, one rule per benefit, and merge with reviewed rule files.

Generated rules are ``extracted``. A person checks a rule against its quote,
edits it if needed and sets ``status: "reviewed"``; regenerating keeps
reviewed rules exactly as they are and replaces only extracted ones.
"""

from __future__ import annotations

import re
from collections import defaultdict
from functools import lru_cache
from pathlib import Path

from zhengce.corpus.ingest import ParsedDocument, bundled_corpus, parse_source

from zhengce.corpus.text import SourceText, clean, read_source
from zhengce.datafiles import load_json
from zhengce.extract.conditions import honours_in, industries_in
from zhengce.extract.model import Benefit, Condition, Stacking
from zhengce.extract.pipeline import extract_document
from zhengce.rules.model import (
    Citation,
    FixedFormula,
    HonourCondition,
    IndustryCondition,
    JurisdictionCondition,
    QualificationCondition,
    RateFormula,
    Rule,
    RuleFile,
    StepFormula,
    ThresholdCondition,
    UnknownFormula,
    rule_file_name,
    rules_dir,
    write_rule_file,
)

LEVEL_LIST_RE = re.compile(r"((?:国家级|省级|市级)(?:[、和及](?:国家级|省级|市级))+)")
BENEFICIARY_NOISE_RE = re.compile(r"^(?:新?获评的?|新?获批的?|经认定的?|认定的?|符合条件的?|获得|入选|对)+|(?:的|等)$")


@lru_cache(maxsize=1)
def _vocab() -> dict:
    return load_json("rule_vocab.json")


def _first_match(pairs: list, text: str) -> list | None:
    return next((p for p in pairs if re.search(p[0], text)), None)


def base_field(base: str | None) -> str | None:
    hit = _first_match(_vocab()["base_fields"], clean(base or ""))
    return hit[1] if hit else None


def stacking_category(text: str) -> str | None:
    hit = _first_match(_vocab()["stacking_categories"], clean(text))
    return hit[1] if hit else None


def _threshold(c: Condition) -> ThresholdCondition | None:
    hit = _first_match(_vocab()["threshold_fields"], c.name + c.quote)
    if hit is None or c.value is None or c.operator not in (">=", ">", "<=", "<"):
        return None
    value = c.value * hit[2] if c.unit == "%" else c.value
    return ThresholdCondition(field=hit[1], op=c.operator, value=value, text=c.quote)


def _qualification(b: Benefit) -> str:
    who = clean(b.beneficiary or "")
    who = BENEFICIARY_NOISE_RE.sub("", who).lstrip("的")
    if len(who) < 2:
        return (clean(b.path.split(" › ")[-1]) or "本条") + "支持对象"
    if b.tiers and b.tier:
        who = tier_recipient(who, b.tier, b.tiers)
    return who[:40]


def tier_recipient(who: str, tier: int, tiers: int) -> str:
    """The recipient of one tier in 分别给予A、B: 国家级、省级工业设计中心 → 省级工业设计中心 (tier 2).

    Works when the list has as many items as there are tiers and is a level list or a plain list
    of like items (牵头申报主体、联合申报主体、合作申报主体); otherwise the phrase is kept whole.
    """
    levels = LEVEL_LIST_RE.search(who)
    if levels:
        items = re.split(r"[、和及]", levels.group(1))
        if len(items) == tiers:
            return who[: levels.start()] + items[tier - 1] + who[levels.end() :]
    parts = who.split("、")
    if len(parts) != tiers or tiers < 2:
        return who
    cut = parts[0].rfind("的") + 1  # a shared prefix ends with 的
    prefix, first = parts[0][:cut], parts[0][cut:]
    items = [first, *parts[1:]]
    if len(first) < 2 or any(len(x) != len(first) for x in items):
        return who  # only a plain list of like items is split; anything else stays whole for review
    return prefix + items[tier - 1]


def rule_for(
    b: Benefit,
    k: int,
    doc: ParsedDocument,
    conditions: list[Condition],
    stacking: list[Stacking],
    siblings: list[Benefit],
) -> Rule:
    doc_id, md, title = b.doc_id, doc.metadata, doc.span.title
    conds: list = []
    if md.jurisdiction != "苏州市":
        conds.append(JurisdictionCondition(any=[md.jurisdiction]))
    # honours named in this benefit's quote; a tier list pairs honours (or levels) with tiers
    honours = honours_in(clean(b.quote))
    levels = LEVEL_LIST_RE.search(clean(b.quote))
    level_list = re.split(r"[、和及]", levels.group(1)) if levels else []
    if honours:
        if b.tiers and len(honours) == b.tiers:
            _, _, name, level = honours[b.tier - 1]
            conds.append(HonourCondition(name=name, levels=[level] if level else None))
        elif b.tiers and len(honours) == 1 and len(level_list) == b.tiers:
            conds.append(HonourCondition(name=honours[0][2], levels=[level_list[b.tier - 1]]))
        else:
            # any of the honours named
            names = list(dict.fromkeys(h[2] for h in honours))
            conds.append(HonourCondition(name=names[0], levels=[honours[0][3]] if honours[0][3] else None))
    else:
        conds.append(QualificationCondition(name=_qualification(b)))
    inds = [name for _, _, name in industries_in(clean(title or ""))]
    if inds:
        conds.append(IndustryCondition(any=inds))
    for c in conditions:
        if c.kind == "threshold" and b.start <= c.start < c.end <= b.end:
            t = _threshold(c)
            if t is not None:
                conds.append(t)

    formula = _formula(b, siblings, conditions)
    highest = [s for s in stacking if s.kind == "highest_only"]
    doc_cap = next((s.cap_total_yuan for s in stacking if s.kind == "document_cap"), None)
    note = None
    if md.effective_relative:
        note = md.effective_relative + "施行" + (f"，有效期{md.validity_years}年" if md.validity_years else "") + "（未写明日期）"
    return Rule(
        rule_id=f"{doc_id}/L{b.line}/{k}",
        conditions=conds,
        formula=formula,
        period=b.period,
        max_years=b.max_years,
        cap_total=b.cap_total_yuan,
        valid_from=md.effective,
        valid_until=md.expires,
        validity_note=note,
        stacking_group=stacking_category(b.quote) if highest else None,
        stacking_scope=highest[0].scope if highest else None,
        document_cap=doc_cap,
        departments=b.departments,
        beneficiary=b.beneficiary,
        citation=Citation(doc_id=doc_id, doc_title=title, file=b.file, line=b.line, path=b.path, quote=b.quote),
    )


def _formula(b: Benefit, siblings: list[Benefit], conditions: list[Condition]):
    if b.kind == "unknown":
        return UnknownFormula(reason=b.unknown_reason or "unspecified")
    if b.kind in ("rate", "interest"):
        field = base_field(b.base) or base_field(b.quote)  # 按照实际投入的20%: the quote names what was invested
        if field is None or b.rate is None:
            return UnknownFormula(reason=f"按比例给付，基数未能对应到企业画像字段：{b.base or '未写明'}")
        return RateFormula(rate=b.rate, rate_max=b.rate_max, base=field, cap=b.amount_yuan if b.amount_is_cap else None)
    if b.kind == "step" and b.step_yuan and b.amount_yuan:
        field = base_field(b.quote) or base_field(" ".join(s.quote for s in siblings))
        over = next((c for c in conditions if c.kind == "threshold" and c.operator in (">", ">=") and c.unit == "元" and c.end <= b.start), None)
        if field and over is not None:
            return StepFormula(base=field, threshold=int(over.value), step=b.step_yuan, step_amount=b.amount_yuan)
        return UnknownFormula(reason="阶梯给付，基数或起点未能识别")
    if b.amount_yuan is None and b.floor_yuan is not None:
        return FixedFormula(amount=b.floor_yuan, at_least=True)
    if b.amount_yuan is None:
        return UnknownFormula(reason="仅写明累计上限" if b.cap_total_yuan else "unspecified")
    return FixedFormula(amount=b.amount_yuan, upto=b.amount_is_cap)


def generate_for_document(src: SourceText, doc: ParsedDocument) -> RuleFile | None:
    """Rules of one document (None when it grants nothing)."""
    facts = extract_document(src, doc, kinds={"benefit", "condition", "stacking"})
    benefits = [f for f in facts if isinstance(f, Benefit)]
    if not benefits:
        return None
    conditions = [f for f in facts if isinstance(f, Condition)]
    stacking = [f for f in facts if isinstance(f, Stacking)]
    per_line: dict[int, int] = defaultdict(int)
    rules = []
    for b in benefits:
        per_line[b.line] += 1
        siblings = [x for x in benefits if x.line == b.line and x is not b]
        rules.append(rule_for(b, per_line[b.line], doc, conditions, stacking, siblings))
    return RuleFile(doc_id=doc.doc_id(src.name), doc_title=doc.span.title, rules=rules)


def merge_reviewed(new: RuleFile, old: RuleFile | None) -> RuleFile:
    """Keep reviewed rules as they are; take generated ones for the rest."""
    if old is None:
        return new
    reviewed = {r.rule_id: r for r in old.rules if r.status == "reviewed"}
    merged = [reviewed.pop(r.rule_id, r) for r in new.rules]
    merged += list(reviewed.values())  # reviewed rules whose fact is gone stay until a person removes them
    return RuleFile(doc_id=new.doc_id, doc_title=new.doc_title, rules=merged)


def build_rules(corpus: Path | None = None, out: Path | None = None) -> list[Path]:
    """Regenerate rule files for a corpus folder, preserving reviewed rules."""
    out = out or rules_dir()
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for f in sorted((corpus or bundled_corpus()).glob("*.txt")):
        src = read_source(f)
        for doc in parse_source(src):
            rf = generate_for_document(src, doc)
            if rf is None:
                continue
            path = out / rule_file_name(rf.doc_id)
            old = RuleFile.model_validate_json(path.read_text(encoding="utf-8")) if path.exists() else None
            written.append(write_rule_file(out, merge_reviewed(rf, old)))
    return written



