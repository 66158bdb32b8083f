"""Rule-text lines and sentences with offsets back to the original file.

Every extractor reads the same units: the lines of a document's
structure tree that are rule text (not 解读, not the title), each normalised
once, split into sentences. Spans found in the normalised copy map back to
exact original character offsets.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from zhengce.corpus.parse import ParsedDocument
from zhengce.corpus.structure import Node
from zhengce.corpus.text import Normalised, SourceText, normalise

SENTENCE_END_RE = re.compile(r"[。；;！？]")


def citation(src: SourceText, doc_id: str, start: int, end: int, path: str = "") -> dict:
    """Provenance fields every fact carries, for the original span ``start:end``."""
    return {
        "doc_id": doc_id,
        "file": src.name,
        "line": src.line_of(start),
        "end_line": src.line_of(max(start, end - 1)),
        "start": start,
        "end": end,
        "quote": src.text[start:end],
        "path": path,
    }


@dataclass(frozen=True)
class RuleLine:
    """One line of rule text, normalised, with its tree node."""

    src: SourceText
    doc: ParsedDocument
    node: Node
    path: tuple[Node, ...]  # ancestors, outermost first (without the document root)
    norm: Normalised

    @property
    def text(self) -> str:
        return self.norm.text

    @property
    def line(self) -> int:
        return self.node.start_line

    def cite(self, doc_id: str, start: int, end: int) -> dict:
        """Provenance of a span of the normalised text (see :func:`citation`)."""
        s, e = self.norm.to_original(start, end)
        return citation(self.src, doc_id, s, e, self.article_path())

    def article_path(self) -> str:
        """Citation path of headings, e.g. 第二章 › 第五条 › （三）."""
        parts = [n.label or n.heading for n in (*self.path, self.node) if n.kind not in ("paragraph", "clause", "row", "table")]
        return " › ".join(p for p in parts if p)

    def sentences(self) -> Iterator[tuple[int, int]]:
        """Sentence spans in the normalised text (the end mark excluded)."""
        start = 0
        for m in SENTENCE_END_RE.finditer(self.text):
            if m.start() > start:
                yield start, m.start()
            start = m.end()
        if start < len(self.text):
            yield start, len(self.text)


CUT_END_RE = re.compile(r"[\d０-９.万亿千百]\s*$")  # a line that stops inside an amount
CONTINUES_RE = re.compile(r"^\s*(?:[万亿千百]?元|[%％‰]|万|亿)")  # …and the unit on the next line


def _continuation(src: SourceText, node: Node, nxt: Node | None, end: int) -> Node | None:
    """The paragraph that finishes an amount ``node``'s own line stops inside (给予50 万 / 空行 / 元:
    a PDF or web-scrape line break), or None. Only a plain paragraph line is taken."""
    if nxt is None or nxt.kind != "paragraph" or nxt.children:
        return None
    line = src.text[node.start : end]
    if SENTENCE_END_RE.search(line[-1:] or "。") or not CUT_END_RE.search(line):
        return None
    next_end = min(nxt.end, src.line_span(nxt.start_line)[1])
    return nxt if CONTINUES_RE.match(src.text[nxt.start : next_end]) else None


def rule_lines(src: SourceText, doc: ParsedDocument, *, include_tables: bool = False) -> Iterator[RuleLine]:
    """Lines of rule text in document order: no title, no 解读, no table rows unless asked.

    A line that stops inside an amount is read together with the paragraph that finishes it.
    """
    taken: set[int] = set()  # paragraphs already read as the end of the line before

    def visit(node: Node, path: tuple[Node, ...]) -> Iterator[RuleLine]:
        for i, child in enumerate(node.children):
            if child.kind in ("title", "interpretation") or id(child) in taken:
                continue
            if child.kind == "table" and not include_tables:
                continue
            if child.kind != "table":
                # a node's own line; its children are the following lines
                end = min(child.end, src.line_span(child.start_line)[1])
                nxt = child.children[0] if child.children else (node.children[i + 1] if i + 1 < len(node.children) else None)
                rest = _continuation(src, child, nxt, end)
                if rest is not None:
                    taken.add(id(rest))
                    end = min(rest.end, src.line_span(rest.start_line)[1])
                    norm = normalise(src.text[child.start : end], child.start, drop_newlines=True)
                else:
                    norm = normalise(src.text[child.start : end], child.start)
                yield RuleLine(src, doc, child, path, norm)
            if child.children:
                yield from visit(child, (*path, child))

    yield from visit(doc.tree, ())
