"""Run every extractor over a document, or over the bundled corpus.

Duplicates (a second copy of a plan) and 解读 sections are skipped, so no
benefit is extracted twice.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from zhengce.corpus.ingest import ParsedDocument, bundled_corpus, parse_source
from zhengce.corpus.text import SourceText, read_source
from zhengce.extract.benefits import extract_benefits
from zhengce.extract.clauses import rule_lines
from zhengce.extract.model import FACT_KINDS, Fact


def extract_document(src: SourceText, doc: ParsedDocument, kinds: Iterable[str] = FACT_KINDS) -> list[Fact]:
    """All facts of the requested kinds in one document, in text order."""
    if doc.span.duplicate_of is not None:
        return []
    kinds = set(kinds)
    doc_id = doc.doc_id(src.name)
    facts: list[Fact] = []
    lines = list(rule_lines(src, doc))
    if "benefit" in kinds:
        for ln in lines:
            facts.extend(extract_benefits(ln, doc_id))
    return sorted(facts, key=lambda f: (f.start, f.fact_kind))


def extract_corpus(folder: Path | None = None, kinds: Iterable[str] = FACT_KINDS) -> list[Fact]:
    facts: list[Fact] = []
    for f in sorted((folder or bundled_corpus()).glob("*.txt")):
        src = read_source(f)
        for doc in parse_source(src):
            facts.extend(extract_document(src, doc, kinds))
    return facts
