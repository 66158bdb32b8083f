"""Structure tree of one document: 篇/章/节/条/款/项, numbered headings and tables.

Headings are recognised on a cleaned copy of each line; node spans always
point into the original text. Ranks, outermost first:

    篇 part, 章 chapter, 节 section, 条 article,
    一、 h1, （一） h2, 1． h3, （1） h4, ① h5

Inside an article, （一） items are 项 (``item``) and plain paragraphs are 款
(``clause``). A 解读 heading opens an ``interpretation`` node that holds the
rest of the document. Tab-separated tables become ``table`` nodes with ``row``
children whose cells are named after the header row, first column
forward-filled and HTML remnants removed. Tables exported one cell per line
(序号, header cells, then rows numbered 1, 2, 3…) become ``table`` nodes too, so
their cells are never read as headings or titles.

Heading numerals as real text prints them are all read, and none can crash the
parser: ①…㊿ (h5), ⑴…⒇ and 1） (h4), ⒈…⒛ (h3), 第 1 0 条 with spaces, 第十一条之一.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

import cn2an

from zhengce.corpus.text import HTML_TAG_RE, SourceText, clean, is_noise_line, normalise

CN_NUM = "一二三四五六七八九十百零〇两"
CIRCLED = "①-⑳㉑-㉟㊱-㊿"  # ① … ㊿
PAREN_DIGITS = "⑴-⒇"  # ⑴ … ⒇, one character each
STOP_DIGITS = "⒈-⒛"  # ⒈ … ⒛
HEADING_PATTERNS: tuple[tuple[str, int, re.Pattern[str]], ...] = (
    ("part", 0, re.compile(rf"^第([{CN_NUM}0-9]+)篇")),
    ("chapter", 1, re.compile(rf"^第([{CN_NUM}0-9]+)章")),
    ("section", 2, re.compile(rf"^第([{CN_NUM}0-9]+)节")),
    # 第十一条之一: an article inserted by an amendment
    ("article", 3, re.compile(rf"^第([{CN_NUM}0-9]+)条(?:之[{CN_NUM}0-9]+)?")),
    # 一、 and, in sloppy text, 一, / 一，
    ("h1", 4, re.compile(rf"^([{CN_NUM}]+)[、.．,，](?![0-9])")),
    ("h2", 5, re.compile(rf"^[（(]([{CN_NUM}]+)[)）]")),
    ("h3", 6, re.compile(r"^([0-9]{1,2})(?:[.．、](?![0-9]))")),
    ("h3", 6, re.compile(rf"^([{STOP_DIGITS}])")),
    ("h4", 7, re.compile(r"^[（(]([0-9]{1,2})[)）]")),
    ("h4", 7, re.compile(rf"^([{PAREN_DIGITS}])")),
    ("h4", 7, re.compile(r"^([0-9]{1,2})[)）]")),  # 1） / 1)
    ("h5", 8, re.compile(rf"^([{CIRCLED}])")),
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
    """The value of a heading number as printed: 12, 十二, ⑫, ⑿, ⒓; None when unreadable.

    Never raises: ``"①".isdigit()`` is true but ``int("①")`` fails, so digits are
    read by their Unicode value, not by ``int``.
    """
    if not token:
        return None
    if len(token) == 1:
        ch = token
        if "⑴" <= ch <= "⒇":
            return ord(ch) - ord("⑴") + 1
        if "⒈" <= ch <= "⒛":
            return ord(ch) - ord("⒈") + 1
        value = unicodedata.numeric(ch, None)  # ①…⑳, ㉑…㊿, 0-9, 一…十
        if value is not None and value == int(value):
            return int(value)
    if all(unicodedata.decimal(ch, None) is not None for ch in token):
        return int("".join(str(unicodedata.decimal(ch)) for ch in token))
    try:
        return int(cn2an.cn2an(token, "smart"))
    except Exception:  # cn2an raises assorted errors on odd numerals; a heading keeps no number then
        return None


def _heading_words(rest: str) -> str:
    words = re.split(r"[。：:]", rest, maxsplit=1)[0]
    return words[:60]


# --- tables exported one cell per line ---------------------------------------------------

TABLE_FIRST_HEADERS = ("序号", "编号", "序")
HEADER_LINE_RE = re.compile(
    r"^[ \u3000\u00a0\u2002]*(?:序[ \u3000]*号|编[ \u3000]*号|序)[ \u3000\u00a0\u2002\r]*$", re.MULTILINE
)
MAX_HEADER_CELLS = 12
MAX_HEADER_CELL_CHARS = 20
MAX_CELL_CHARS = 300
# a cell that opens real structure (一、… / 第三条… / 第二章…) ends the table
STRUCTURE_CELL_RE = re.compile(rf"^(?:[{CN_NUM}]+[、.．][^0-9]|第[{CN_NUM}0-9]+[篇章节条])")


@dataclass
class CellTable:
    """A table exported one cell per line: 序号 and the other header cells, then each
    row's cells, every row opening with its number (1, 2, 3…)."""

    first_line: int
    last_line: int
    header: list[str]
    rows: list[list[tuple[int, str]]]  # per row: (line number, cell text)


def find_cell_tables(src: SourceText, first: int, last: int) -> list[CellTable]:
    """Cell-per-line tables between lines ``first`` and ``last`` (1-based, inclusive).

    Recognised only when the header starts with 序号/编号 and the rows are numbered
    1, 2, 3… with as many cells as the header; the table ends at the first line
    that breaks that pattern. Lines starting with TAB (002's captioned tables) are
    left to their own reader.
    """
    if last < first or not HEADER_LINE_RE.search(src.text[src.line_span(first)[0] : src.line_span(last)[1]]):
        return []  # no 序号/编号 line: no such table (the common case, checked at C speed)
    cells: list[tuple[int, str, bool]] = []
    for no in range(first, last + 1):
        raw = src.line(no)
        text = _cell(raw)
        if text:
            cells.append((no, text, raw.startswith("\t")))
    out: list[CellTable] = []
    i, n = 0, len(cells)
    while i < n:
        no, text, tab = cells[i]
        if tab or clean(text) not in TABLE_FIRST_HEADERS:
            i += 1
            continue
        header = [text]
        j = i + 1
        while (
            j < n
            and not cells[j][2]
            and not _row_number(cells[j][1], 1)
            and len(cells[j][1]) <= MAX_HEADER_CELL_CHARS
            and not re.search(r"[。；;]", cells[j][1])
            and len(header) < MAX_HEADER_CELLS
        ):
            header.append(cells[j][1])
            j += 1
        k = len(header)
        rows: list[list[tuple[int, str]]] = []
        while (
            k >= 2
            and j + k <= n
            and _row_number(cells[j][1], len(rows) + 1)
            and not any(tab for _, _, tab in cells[j : j + k])
            and all(len(t) <= MAX_CELL_CHARS and not STRUCTURE_CELL_RE.match(t) for _, t, _ in cells[j + 1 : j + k])
        ):
            rows.append([(no_, t) for no_, t, _ in cells[j : j + k]])
            j += k
        if rows:
            out.append(CellTable(no, rows[-1][-1][0], header, rows))
            i = j
        else:
            i += 1
    return out


def _row_number(text: str, expected: int) -> bool:
    return bool(re.fullmatch(rf"{expected}[.．、]?", clean(text)))


def _line_start(src: SourceText, no: int) -> int:
    """Offset of the first non-space character of line ``no``."""
    raw = src.line(no)
    return src.line_span(no)[0] + len(raw) - len(raw.lstrip())


def _table_node(src: SourceText, t: CellTable, start: int, end: int) -> Node:
    table = Node("table", max(start, _line_start(src, t.first_line)), min(end, src.line_span(t.last_line)[1]),
                 t.first_line, t.last_line, rank=LEAF_RANK - 1)  # fmt: skip
    names: list[str] = []
    for h in t.header:
        name = h
        while name in names:
            name += "_"  # two columns with one name keep both
        names.append(name)
    for row in t.rows:
        r_first, r_last = row[0][0], row[-1][0]
        columns = {names[k]: cell for k, (_, cell) in enumerate(row)}
        r_start, r_end = max(start, _line_start(src, r_first)), min(end, src.line_span(r_last)[1])
        label = clean(row[0][1]).rstrip(".．、")
        table.children.append(Node("row", r_start, r_end, r_first, r_last, label=label, columns=columns))
    return table


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
    cell_tables = {t.first_line: t for t in find_cell_tables(src, first, last)}
    skip_to = 0
    for no in range(first, last + 1):
        if no <= skip_to:
            continue
        if no in cell_tables:
            t = cell_tables[no]
            node = _table_node(src, t, start, end)
            attach(node)
            if stack[-1] is node:
                stack.pop()  # the lines after the table are not its rows
            table, skip_to = None, t.last_line
            continue
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
