"""Run every extractor over a document, or over the bundled corpus.

Duplicates (a second copy of a plan) and 解读 sections are skipped, so no
benefit is extracted twice.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from zhengce.corpus.parse import ParsedDocument, bundled_corpus, parse_source
from zhengce.corpus.text import SourceText, read_source
from zhengce.extract.benefits import extract_benefits
from zhengce.extract.clauses import rule_lines
from zhengce.extract.conditions import extract_conditions
from zhengce.extract.model import FACT_KINDS, Fact
from zhengce.extract.penalties import extract_deadlines, extract_penalties
from zhengce.extract.stacking import extract_stacking
from zhengce.extract.targets import extract_prose_targets, targets_from_cell_tables, targets_from_tab_table
from zhengce.extract.tasks import extract_tasks, tasks_from_table

LINE_EXTRACTORS = {
    "benefit": extract_benefits,
    "condition": extract_conditions,
    "stacking": extract_stacking,
    "target": extract_prose_targets,
    "task": extract_tasks,
    "deadline": extract_deadlines,
    "penalty": extract_penalties,
}


def extract_document(src: SourceText, doc: ParsedDocument, kinds: Iterable[str] = FACT_KINDS) -> list[Fact]:
    """All facts of the requested kinds in one document, in text order."""
    if doc.span.duplicate_of is not None:
        return []
    kinds = set(kinds)
    doc_id = doc.doc_id(src.name)
    facts: list[Fact] = []
    lines = list(rule_lines(src, doc))
    for kind, extractor in LINE_EXTRACTORS.items():
        if kind in kinds:
            for ln in lines:
                facts.extend(extractor(ln, doc_id))
    tables = [n for n in doc.tree.walk() if n.kind == "table"]
    if "target" in kinds:
        for table in tables:
            facts.extend(targets_from_tab_table(src, doc_id, table))
        facts.extend(targets_from_cell_tables(src, doc_id, doc.span.start, doc.span.end))
    if "task" in kinds:
        for table in tables:
            facts.extend(tasks_from_table(src, doc_id, table, lines))
    return sorted(facts, key=lambda f: (f.start, f.fact_kind))


def extract_corpus(folder: Path | None = None, kinds: Iterable[str] = FACT_KINDS) -> list[Fact]:
    facts: list[Fact] = []
    for f in sorted((folder or bundled_corpus()).glob("*.txt")):
        src = read_source(f)
        for doc in parse_source(src):
            facts.extend(extract_document(src, doc, kinds))
    return facts
