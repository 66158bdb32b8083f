"""Parse: one source text → its documents, each with metadata and a structure tree (pure, no storage).

The first stage of the flow text → documents → structure → facts → rules → evaluations;
:mod:`zhengce.ingest` runs the stages and stores what they produce.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from zhengce.corpus.metadata import Metadata, apply_jurisdiction, extract_metadata
from zhengce.corpus.segment import DocumentSpan, segment
from zhengce.corpus.structure import Node, build_tree
from zhengce.corpus.text import SourceText, clean, is_noise_line

TEXT_SUFFIXES = {".txt", ".text", ".md"}


def bundled_corpus() -> Path:
    """The embedded default corpus (a verbatim copy of shared/corpus/suzhou)."""
    return Path(str(resources.files("zhengce") / "data" / "corpus" / "suzhou"))


@dataclass
class ParsedDocument:
    ordinal: int
    span: DocumentSpan
    metadata: Metadata
    tree: Node

    def doc_id(self, file_name: str) -> str:
        return f"{Path(file_name).stem}:{self.ordinal:02d}"


def parse_source(src: SourceText, jurisdiction: str | None = None) -> list[ParsedDocument]:
    """Segment a file and read each document's metadata and structure.

    ``jurisdiction`` (a canonical place) is given to documents whose text does not state one.
    """
    out = []
    for k, span in enumerate(segment(src), 1):
        rule_end = span.interpretation_start if span.interpretation_start is not None else span.end
        body = src.text[span.start : span.end]
        lines = [clean(x) for x in body.split("\n") if not is_noise_line(x)]
        md = extract_metadata(span.title, lines, src.text[span.start : rule_end])
        if jurisdiction is not None:
            apply_jurisdiction(md, jurisdiction)
        tree = build_tree(
            src, span.start, span.end, title_spans=span.title_spans, interpretation_start=span.interpretation_start
        )
        out.append(ParsedDocument(k, span, md, tree))
    return out
