"""Structure tree of one document: 篇/章/节/条/款/项, numbered headings and tables.

Headings are recognised on a cleaned copy of each line; node spans always
point into the original text. Ranks, outermost first:

    篇 part, 章 chapter, 节 section, 条 article,
    一、 h1, （一） h2, 1． h3, （1） h4, ① h5

Inside an article, （一） items are 项 (``item``) and plain paragraphs are 款
(``clause``). A 解读 heading opens an ``interpretation`` node that holds the
rest of the document. Tab-separated tables become ``table`` nodes with ``row``
children whose cells are named after the header row, first column
forward-filled and HTML remnants removed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import cn2an

from zhengce.corpus.text import HTML_TAG_RE, SourceText, is_noise_line, normalise

CN_NUM = "一二三四五六七八九十百零〇两"
HEADING_PATTERNS: tuple[tuple[str, int, re.Pattern[str]], ...] = (
    ("part", 0, re.compile(rf"^第([{CN_NUM}\d]+)篇")),
    ("chapter", 1, re.compile(rf"^第([{CN_NUM}\d]+)章")),
    ("section", 2, re.compile(rf"^第([{CN_NUM}\d]+)节")),
    ("article", 3, re.compile(rf"^第([{CN_NUM}\d]+)条")),
    ("h1", 4, re.compile(rf"^([{CN_NUM}]+)[、.．](?!\d)")),
    ("h2", 5, re.compile(rf"^[（(]([{CN_NUM}]+)[)）]")),
    ("h3", 6, re.compile(r"^(\d{1,2})(?:[.．、](?!\d))")),
    ("h4", 7, re.compile(r"^[（(](\d{1,2})[)）]")),
    ("h5", 8, re.compile(r"^([①-⑳])")),
)
ROOT_RANK = -2
INTERPRETATION_RANK = -1
LEAF_RANK = 99
MIN_TABLE_TABS = 3


@dataclass
class Node:
    kind: str  # document | title | part | chapter | section | article | clause | item | h1..h5 | paragraph | interpretation | table | row
    start: int
    end: int
    start_line: int
    end_line: int
    label: str = ""  # the numbering as printed: 第三条, （一）, 1．
    number: int | None = None
    heading: str = ""  # the heading words, without numbering
    columns: dict[str, str] | None = None  # table rows: header name → cell text
    rank: int = LEAF_RANK
    children: list[Node] = field(default_factory=list)

    def walk(self):
        yield self
        for c in self.children:
            yield from c.walk()


def numeral_value(token: str) -> int | None:
    if token.isdigit():
        return int(token)
    if "①" <= token <= "⑳":
        return ord(token) - ord("①") + 1
    try:
        return int(cn2an.cn2an(token, "smart"))
    except (ValueError, KeyError):
        return None


def _heading_words(rest: str) -> str:
    words = re.split(r"[。：:]", rest, maxsplit=1)[0]
    return words[:60]


def build_tree(
    src: SourceText,
    start: int,
    end: int,
    *,
    title_spans: list[tuple[int, int]] | None = None,
    interpretation_start: int | None = None,
) -> Node:
    """Build the structure tree of the document at ``src.text[start:end]``."""
    root = Node("document", start, end, src.line_of(start), src.line_of(max(start, end - 1)), rank=ROOT_RANK)
    stack: list[Node] = [root]
    title_spans = title_spans or []
    table: Node | None = None
    header: list[str] = []
    last_first_col = ""

    def attach(node: Node) -> None:
        while stack[-1].rank >= node.rank:
            stack.pop()
        stack[-1].children.append(node)
        if node.rank < LEAF_RANK:
            stack.append(node)

    first, last = src.line_of(start), src.line_of(max(start, end - 1))
    for no in range(first, last + 1):
        ls, le = src.line_span(no)
        ls, le = max(ls, start), min(le, end)
        raw = src.text[ls:le]
        if le <= ls or is_noise_line(raw):
            continue
        if any(ts <= ls < te or ls <= ts < le for ts, te in title_spans):
            if not any(n.kind == "title" for n in root.children):
                ts = min(s for s, _ in title_spans)
                te = max(e for _, e in title_spans)
                root.children.append(Node("title", ts, te, src.line_of(ts), src.line_of(te - 1), heading=""))
            continue
        norm = normalise(raw, ls)
        text = norm.text
        if not text:
            continue
        s0, _ = norm.to_original(0, 1)
        node_start, node_end = s0, le

        if raw.count("\t") >= MIN_TABLE_TABS:
            cells = [_cell(c) for c in raw.split("\t")]
            if table is None:
                header = []
                table = Node("table", node_start, node_end, no, no, rank=LEAF_RANK - 1)
                attach(table)
            table.end, table.end_line = node_end, no
            if not header or cells == header:
                header = header or cells
                continue  # a (repeated) header row
            if cells[0]:
                last_first_col = cells[0]
            else:
                cells[0] = last_first_col  # forward-fill the merged first column
            names = header + [f"col{k + 1}" for k in range(len(header), len(cells))]
            columns = {names[k]: cells[k] for k in range(len(cells))}
            table.children.append(Node("row", node_start, node_end, no, no, columns=columns, label=cells[1] if len(cells) > 1 else ""))
            continue
        table = None

        if interpretation_start is not None and ls <= interpretation_start < le + 1 and text == "解读":
            stack[:] = [root]
            attach(Node("interpretation", node_start, node_end, no, no, heading="解读", rank=INTERPRETATION_RANK))
            continue

        kind, rank, label, number, heading = "paragraph", LEAF_RANK, "", None, ""
        for k, r, rx in HEADING_PATTERNS:
            m = rx.match(text)
            if m:
                kind, rank, label, number = k, r, m.group(0), numeral_value(m.group(1))
                heading = _heading_words(text[m.end() :])
                break
        in_article = any(n.kind == "article" for n in stack)
        if kind == "h2" and in_article:
            kind = "item"  # 项
        elif kind == "paragraph" and in_article:
            kind = "clause"  # 款
        attach(Node(kind, node_start, node_end, no, no, label=label, number=number, heading=heading, rank=rank))

    _close(root)
    return root


def _cell(raw: str) -> str:
    """A table cell without HTML remnants (<p>, unclosed <ol>…) or runs of spaces."""
    return re.sub(r"\s+", " ", HTML_TAG_RE.sub(" ", raw)).strip()


def _close(node: Node) -> None:
    for c in node.children:
        _close(c)
    if node.children and node.kind != "document":
        last = node.children[-1]
        if last.end > node.end:
            node.end, node.end_line = last.end, last.end_line

