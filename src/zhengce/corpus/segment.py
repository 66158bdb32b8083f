"""Split one source file into documents.

Web-scraped compendia glue documents together. The segmenter finds where each
document starts, as a character offset that may fall mid-line:

* a title glued onto the end of the previous document's last line
  (…承担。苏州市支持具身智能机器人产业创新发展的 / 若干措施);
* a title on its own line, possibly split over two lines with a blank between;
* an untitled notice whose addressee (各县级市（区）人民政府…：) is glued on;
* a body that starts (一、总体要求) right after the previous document's
  施行/有效期 clause, on the same line;
* attachments (附件：X) whose name runs into the next title.

A 印发通知 and the text it publishes are one document; untitled documents get
a title inferred from their own text, flagged as inferred.

Real text from elsewhere adds:

* an addressee on its own line after a finished document (other cities'
  wordings: …各直属机构：, 各有关单位：) opens an untitled notice;
* a reposted news page: headline, then 来源：…  发布时间：… (noise lines). The
  headline opens the document; its title is the policy's own title line, or the
  《…》 the page says it publishes, or else the headline (inferred);
* cells of a table exported one cell per line are never titles;
* traditional characters and pinyin ruby (区(qū)) are read through the cleaned copy.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from zhengce.corpus.structure import find_cell_tables
from zhengce.corpus.text import SourceText, clean, is_noise_line, is_normal, is_repost_meta_line

TITLE_SUFFIX_RE = re.compile(
    r"(?:措施|政策|意见|计划|方案|办法|要点|决定|通知|规划|纲要|细则|规定|条例|清单)"
    r"(?:（[^（）]{1,20}）|\([^()]{1,20}\))?$"
)
TITLE_START_RE = re.compile(r"^(?:中共|苏州|市政府|关于|中国[（(]|\d{4}年|[\u4e00-\u9fa5]{2,5}[省市县区])")
HEADING_START_RE = re.compile(
    r"^(?:[一二三四五六七八九十百]+[、.．,，]|[（(][一二三四五六七八九十\d]+[）)]|第[一二三四五六七八九十百零\d]+[篇章节条]|\d+[.．、)）]"
    r"|[①-⑳㉑-㉟㊱-㊿⑴-⒇⒈-⒛]|附件)"
)
# 各县级市（区）人民政府，苏州工业园区、苏州高新区管委会；市各委办局，各直属单位： and other
# cities' wordings (…市政府各委、办、局，各直属机构： / 各有关单位：)
ADDRESSEE_RE = re.compile(r"^各[^。：:]{0,140}(?:单位|部门|机构|委办局|委、办、局|办局|厅局)[：:]$")
# a sentence end; footnote marks like [4] also close a web paragraph
TERMINATOR_RE = re.compile(r"[。！？]|\s?\[\d{1,2}\]")
VALIDITY_WORDS_RE = re.compile(r"施行|实施|执行|有效期")
ATTACHMENT_END_RE = re.compile(r"(?:表|清单|目录|名单|计划)$")
# names published by a 印发通知: 《X》已经…审议通过，现印发给你们 / 现将《X》予以公布
NOTICE_NAME_RE = re.compile(
    r"《([^《》]{4,120})》[^。《》]{0,60}?(?:印发给你们|予以公布|予以印发|现予印发|现予公布|现予发布|予以发布)"
)
NOTICE_TITLE_RE = re.compile(r"关于印发(.{4,120})的通知$")
INFER_PATTERNS = (
    NOTICE_NAME_RE,
    re.compile(r"发布了《([^《》]{4,120})》"),
    re.compile(r"特制定[^。]{0,20}[（(]简称([^（）()，。]{4,60})[）)]"),
    re.compile(r"特制定(?!以下|本|如下)([^。，；（]{4,60})[。，；]"),
    re.compile(r"编制《([^《》]{4,120})》"),
)
BRACKETS = ("《》", "（）", "()", "“”", "〔〕")
# a reposted page names the policy it carries: 市政府印发《X》, 出台了《X》, 《X》全文如下
REPOST_NAME_RE = re.compile(
    r"(?:印发|出台|发布|公布|制定|审议通过)了?《([^《》]{4,120})》|《([^《》]{4,120})》(?:全文|原文)"
    r"|“([^“”]{4,120}(?:措施|政策|意见|计划|方案|办法|细则|规定|条例|清单))”[(（]简称"
)


@dataclass
class DocumentSpan:
    """Where one document lies in its file, before metadata and structure."""

    start: int  # character offset of the first character
    end: int  # character offset just past the last character
    start_line: int
    end_line: int
    title: str | None
    title_inferred: bool = False
    title_spans: list[tuple[int, int]] = field(default_factory=list)
    start_kind: str = "file_start"  # file_start | title | addressee | body | headline
    duplicate_of: int | None = None  # ordinal of the earlier copy
    attachments: list[str] = field(default_factory=list)
    interpretation_start: int | None = None  # offset of the 解读 heading
    headline: str | None = None  # a reposted page's headline (its 来源/发布时间 line follows it)


def title_key(title: str) -> str:
    """Comparison form of a title: no spaces, no 《》."""
    return clean(title).replace("《", "").replace("》", "")


def _balanced(s: str) -> bool:
    return all(s.count(a) == s.count(b) for a, b in BRACKETS)


def is_title(s: str) -> bool:
    """Does a cleaned string read as a complete document title?"""
    return (
        6 <= len(s) <= 120
        and not re.search(r"[。；：！？，]", s)
        and bool(TITLE_SUFFIX_RE.search(s))
        and not HEADING_START_RE.match(s)
        and _balanced(s)
    )


DOC_NUMBER_RE = re.compile(r"[\u4e00-\u9fa5]{1,10}[〔\[(（]\d{4}[〕\])）]\d+号")


DATE_ONLY_RE = re.compile(r"[(（]?\d{4}年\d{1,2}月\d{1,2}日[)）]?")


def _is_title_head(s: str) -> bool:
    return (
        4 <= len(s) <= 60
        and not DATE_ONLY_RE.fullmatch(s)  # a signature's date line is not the first half of a title
        and not re.search(r"[。；：！？，]", s)
        and not HEADING_START_RE.match(s)
        and not DOC_NUMBER_RE.search(s)
        and not s.endswith("文件")  # 红头 header: 苏州市人民政府文件
    )


def _is_title_tail(s: str) -> bool:
    return 2 <= len(s) <= 40 and not re.search(r"[。；：！？，、]", s) and not HEADING_START_RE.match(s)


@dataclass
class _Line:
    no: int
    start: int
    end: int
    raw: str
    text: str  # cleaned


@dataclass
class _Open:
    """The document being built while scanning."""

    start: int
    start_line: int
    start_kind: str
    title: str | None = None
    title_spans: list[tuple[int, int]] = field(default_factory=list)
    has_body: bool = False
    attachments: list[str] = field(default_factory=list)
    published: set[str] = field(default_factory=set)  # names a 印发通知 publishes
    absorbed_title: str | None = None
    absorbed_spans: list[tuple[int, int]] = field(default_factory=list)
    headline: str | None = None  # a reposted page's headline
    headline_spans: list[tuple[int, int]] = field(default_factory=list)


def segment(src: SourceText) -> list[DocumentSpan]:
    """Find the documents in one file."""
    lines = []
    headline_nos: set[int] = set()  # lines followed by a repost's 来源/发布时间 line
    for no in range(1, src.line_count + 1):
        s, e = src.line_span(no)
        raw = src.text[s:e]
        if is_noise_line(raw):
            if lines and is_repost_meta_line(raw):
                headline_nos.add(lines[-1].no)
            continue
        lines.append(_Line(no, s, e, raw, clean(raw)))
    if not lines:
        return []

    # cells of a table exported one cell per line are table text, never titles or headings
    in_table = {no for t in find_cell_tables(src, 1, src.line_count) for no in range(t.first_line, t.last_line + 1)}

    docs: list[_Open] = [_Open(lines[0].start + _lead(lines[0].raw), lines[0].no, "file_start")]
    skip_until = -1  # index of a line consumed as the second half of a split title

    def next_line(i: int) -> _Line | None:
        return lines[i + 1] if i + 1 < len(lines) else None

    def joined_title(head: str, i: int) -> tuple[str, _Line | None] | None:
        """A title given by ``head``, or by head + the next non-blank line."""
        if is_title(head):
            return head, None
        nxt = next_line(i)
        if nxt and _is_title_head(head) and _is_title_tail(nxt.text) and is_title(head + nxt.text):
            return head + nxt.text, nxt
        return None

    def offer_title(title: str, spans: list[tuple[int, int]], start: int, line: _Line) -> None:
        """A title was seen: open a document, or attach it to the current one."""
        cur = docs[-1]
        key = title_key(title)
        if key in cur.published or any(key == title_key(a) for a in cur.attachments):
            if cur.title is None and cur.absorbed_title is None:
                cur.absorbed_title, cur.absorbed_spans = title, spans
            return
        if not cur.has_body or (cur.headline is not None and cur.title is None):
            # before any body; or the policy's own title under a repost's headline and lead-in
            if cur.title is None:
                cur.title, cur.title_spans = title, spans
                m = NOTICE_TITLE_RE.search(title)
                if m:
                    cur.published.add(title_key(m.group(1)))
            return
        docs.append(_Open(start, line.no, "title", title, spans))

    for i, ln in enumerate(lines):
        if i <= skip_until:
            continue
        cur = docs[-1]
        text = ln.text
        if ln.no in in_table:
            cur.has_body = True
            continue

        # a reposted web page: headline, then 来源：…  发布时间：… (noise lines)
        if ln.no in headline_nos and _is_headline(text):
            spans = [(ln.start + _lead(ln.raw), ln.end)]
            if is_title(text):
                offer_title(text, spans, spans[0][0], ln)
            elif cur.has_body:
                docs.append(_Open(spans[0][0], ln.no, "headline", headline=text, headline_spans=spans))
            elif cur.title is None and cur.headline is None:
                cur.headline, cur.headline_spans = text, spans
            continue

        # an addressee on its own line right after a finished document (its last line ends a
        # sentence) opens an untitled notice; after a 文号 or 印发的通知 line it is the notice's own
        if cur.has_body and ADDRESSEE_RE.match(text) and i and re.search(r"[。！？]$", lines[i - 1].text):
            docs.append(_Open(ln.start + _lead(ln.raw), ln.no, "addressee"))
            continue

        # attachment announced on its own line: 附件：X (possibly wrapped)
        if text.startswith("附件"):
            name = text.split("：", 1)[1] if "：" in text else ""
            nxt = next_line(i)
            if name and not TITLE_SUFFIX_RE.search(name) and nxt and _is_title_tail(nxt.text) and len(nxt.text) <= 10:
                name += nxt.text
                skip_until = i + 1
            split = _split_attachment(name)
            if split is None:
                if name:
                    cur.attachments.append(name)
                continue
            att, title = split
            cur.attachments.append(att)
            offset = ln.start + _find_clean(ln.raw, title)
            offer_title(title, [(offset, ln.end)], offset, ln)
            continue

        # a whole-line title (possibly split over two lines)
        if TITLE_START_RE.match(text) or (not cur.has_body and not HEADING_START_RE.match(text)):
            got = joined_title(text, i)
            if got:
                title, second = got
                spans = [(ln.start + _lead(ln.raw), ln.end)]
                if second:
                    spans.append((second.start + _lead(second.raw), second.end))
                    skip_until = lines.index(second)
                offer_title(title, spans, spans[0][0], ln)
                continue

        # something glued after the last sentence end of this line
        ends = list(TERMINATOR_RE.finditer(ln.raw))
        last = ends[-1] if ends else None
        if last is not None and last.end() < len(ln.raw):
            tail_start = ln.start + last.end() + _lead(ln.raw[last.end() :])
            tail_raw = src.text[tail_start : ln.end]
            tail = clean(tail_raw)
            before = ln.raw[: last.end()]
            cur.has_body = True
            _collect_published(cur, before)
            if tail.startswith("附件"):
                name = tail.split("：", 1)[1] if "：" in tail else ""
                split = _split_attachment(name)
                if split:
                    att, title = split
                    cur.attachments.append(att)
                    offset = ln.start + _find_clean(ln.raw, title)
                    offer_title(title, [(offset, ln.end)], offset, ln)
                elif name:
                    cur.attachments.append(name)
                continue
            if TITLE_START_RE.match(tail):
                got = joined_title(tail, i)
                if got:
                    title, second = got
                    spans = [(tail_start, ln.end)]
                    if second:
                        spans.append((second.start + _lead(second.raw), second.end))
                        skip_until = lines.index(second)
                    docs.append(_Open(tail_start, ln.no, "title", title, spans))
                    continue
            if ADDRESSEE_RE.match(tail):
                docs.append(_Open(tail_start, ln.no, "addressee", has_body=False))
                continue
            if re.match(r"^一[、．]", tail) and VALIDITY_WORDS_RE.search(before[-80:]):
                docs.append(_Open(tail_start, ln.no, "body", has_body=True))
                continue
        if "。" in ln.raw or (cur.start_kind != "file_start" and cur.title is None and len(text) > 40):
            cur.has_body = True
        _collect_published(cur, ln.raw)

    return _finish(src, docs, lines)


def _is_headline(s: str) -> bool:
    return 4 <= len(s) <= 80 and not re.search(r"[。；]", s) and not HEADING_START_RE.match(s)


def _collect_published(cur: _Open, text: str) -> None:
    if "《" not in text:
        return
    for m in NOTICE_NAME_RE.finditer(clean(text)):  # cleaned: traditional, pinyin ruby, spaces
        cur.published.add(title_key(m.group(1)))


def _lead(raw: str) -> int:
    """Number of leading spaces/noise characters before the first real character."""
    n = 0
    while n < len(raw) and clean(raw[n]) == "":
        n += 1
    return n


def _find_clean(raw: str, target: str) -> int:
    """Offset in ``raw`` where the cleaned ``target`` begins (cleaned comparison)."""
    first = target[:4]
    for i in range(len(raw)):
        if clean(raw[i : i + 12]).startswith(first) and clean(raw[i:]).startswith(target[: min(len(target), 20)]):
            return i
    return 0


def _split_attachment(name: str) -> tuple[str, str] | None:
    """``附件：<attachment name><next title>`` → (attachment, title), or None."""
    best = None
    for q in range(2, len(name) - 5):
        head, tail = name[:q], name[q:]
        if TITLE_START_RE.match(tail) and is_title(tail) and _balanced(head) and ATTACHMENT_END_RE.search(head):
            best = (head, tail)
            break
    return best


def infer_title(text: str) -> str | None:
    """A title for an untitled document, from its own 印发通知, 解读 or preamble."""
    for rx in INFER_PATTERNS:
        m = rx.search(text)
        if m:
            return clean(m.group(1))
    if not is_normal(text):  # traditional characters, pinyin ruby: read a cleaned copy too
        lines = "\n".join(clean(x) for x in text.split("\n"))
        for rx in INFER_PATTERNS:
            m = rx.search(lines)
            if m:
                return clean(m.group(1))
    return None


def _finish(src: SourceText, docs: list[_Open], lines: list[_Line]) -> list[DocumentSpan]:
    out: list[DocumentSpan] = []
    for k, d in enumerate(docs):
        end = docs[k + 1].start if k + 1 < len(docs) else len(src.text)
        while end > d.start and src.text[end - 1] in " \t\r\n\u2002\u3000":
            end -= 1
        body = src.text[d.start : end]
        title, spans, inferred = d.title, d.title_spans, False
        if title is None and d.absorbed_title is not None:
            title, spans = d.absorbed_title, d.absorbed_spans
        if title is None and d.headline is not None:
            m = REPOST_NAME_RE.search(clean(body[:3000]))
            if m:
                title = next(g for g in m.groups() if g)
        if title is None:
            title = infer_title(body)
        if title is None and d.headline is not None:
            title = d.headline
        if d.headline is not None and not spans:
            spans = d.headline_spans  # the headline is the page's title line, not rule text
        if title is not None and title != d.title and title != d.absorbed_title:
            inferred = True
        interp = None
        for ln in lines:
            if d.start <= ln.start < end and ln.text == "解读":
                interp = ln.start
                break
        out.append(
            DocumentSpan(
                start=d.start,
                end=end,
                start_line=src.line_of(d.start),
                end_line=src.line_of(max(d.start, end - 1)),
                title=clean(title) if title else None,
                title_inferred=inferred,
                title_spans=spans,
                start_kind=d.start_kind,
                attachments=d.attachments,
                interpretation_start=interp,
                headline=clean(d.headline) if d.headline else None,
            )
        )
    _mark_duplicates(src, out)
    return out


def _sentences(text: str) -> set[str]:
    return {s for s in (clean(x) for x in re.split(r"[。；\n]", text)) if len(s) >= 8}


def _mark_duplicates(src: SourceText, docs: list[DocumentSpan]) -> None:
    """Mark a later document with the same title and near-identical text as a copy."""
    for j, later in enumerate(docs):
        for i in range(j):
            earlier = docs[i]
            if earlier.duplicate_of is not None or not earlier.title or later.title is None:
                continue
            if title_key(earlier.title) != title_key(later.title):
                continue
            a = _sentences(src.text[earlier.start : earlier.end])
            b = _sentences(src.text[later.start : later.end])
            if a and b and len(a & b) / min(len(a), len(b)) >= 0.8:
                later.duplicate_of = i
                break
