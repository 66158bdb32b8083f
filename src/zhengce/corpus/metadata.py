"""Document metadata: issuer, 文号, dates, validity, jurisdiction and kind.

Every field is read from the document's own text. A field the text does not
state stays empty: nothing is guessed and nothing is carried across documents.
Relative validity (自发布之日起实施，有效期为三年) is kept relative.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

import cn2an

from zhengce.corpus.text import clean

ORG_SUFFIX = r"(?:人民政府|市委|委员会|管委会|管理委员会|办公室|办公厅)"
SIGNATURE_ORG_RE = re.compile(rf"^(?:中共)?[\u4e00-\u9fa5]{{2,20}}{ORG_SUFFIX}$")
DATE_LINE_RE = re.compile(r"^[(（]?(\d{4})年(\d{1,2})月(\d{1,2})日[)）]?$")
HEADER_RE = re.compile(r"^((?:中共)?[\u4e00-\u9fa5]{2,20}?)文件$")
DOC_NUMBER_LINE_RE = re.compile(r"^[\u4e00-\u9fa5]{1,10}[〔\[(（]\d{4}[〕\])）]\d+号$")
DECREE_RE = re.compile(
    r"[(（](\d{4})年(\d{1,2})月(\d{1,2})日((?:[\u4e00-\u9fa5]{2,10})人民政府)令第(\d+)号发布"
    r"(?:[^()（）]*?自(\d{4})年(\d{1,2})月(\d{1,2})日起施行)?"
)
TITLE_ISSUER_RE = re.compile(rf"^((?:[\u4e00-\u9fa5]{{2,12}}?{ORG_SUFFIX})+)关于")
# a sentence about the whole document's validity starts with 本(文件|政策|办法|…)
DOC_SELF_RE = re.compile(
    r"^(?:第[一二三四五六七八九十百]+条|[（(][一二三四五六七八九十百]+[）)]|\d{1,2}\.)?本(?:政策措施|实施意见|政策|文件|办法|意见|决定|计划|方案|措施|规定|细则|《[^》]{1,10}》)"
)
EFFECTIVE_RE = re.compile(r"自(\d{4})年(\d{1,2})月(\d{1,2})日起(?:施行|实施|执行)")
EFFECTIVE_RELATIVE_RE = re.compile(r"自(?:政策)?((?:发布|印发|公布)之日)起(?:施行|实施|执行)?")
EXPIRES_RE = re.compile(r"有效期至+(\d{4})年(\d{1,2})月(\d{1,2})日")
EXPIRES_YEAR_END_RE = re.compile(r"有效期至+(\d{4})年底")
UNTIL_RE = re.compile(r"至(\d{4})年(\d{1,2})月(\d{1,2})日止")
DURATION_RE = re.compile(r"有效期为?([一二三四五六七八九十两\d]+)年")

KIND_BY_SUFFIX = (
    ("纲要", "规划"),
    ("规划", "规划"),
    ("措施", "措施"),
    ("政策", "措施"),
    ("意见", "意见"),
    ("方案", "方案"),
    ("要点", "计划"),
    ("计划", "计划"),
    ("办法", "办法"),
    ("细则", "办法"),
    ("规定", "办法"),
    ("条例", "办法"),
    ("决定", "决定"),
    ("清单", "通知"),
    ("通知", "通知"),
)
DEFAULT_JURISDICTION = "苏州市"
COUNTIES = ("常熟市", "太仓市", "昆山市", "张家港市")
DISTRICTS = ("苏州工业园区", "苏州高新区", "吴江区", "吴中区", "相城区", "姑苏区")


@dataclass
class Metadata:
    issuer: str | None = None
    doc_number: str | None = None  # 文号, or 政府令 number of the original promulgation
    issued: date | None = None
    effective: date | None = None
    expires: date | None = None
    effective_relative: str | None = None  # e.g. 自发布之日起 when no date is stated
    validity_years: int | None = None  # 有效期为三年, relative to effective
    validity_quote: str | None = None
    jurisdiction: str = DEFAULT_JURISDICTION
    kind: str | None = None
    notes: list[str] = field(default_factory=list)


def _date(y: str, m: str, d: str) -> date | None:
    try:
        return date(int(y), int(m), int(d))
    except ValueError:
        return None


def kind_of(title: str | None) -> str | None:
    if not title:
        return None
    t = re.sub(r"[（(][^（）()]*[）)]$", "", clean(title))
    m = re.search(r"关于印发(.+)的通知$", t)
    if m:  # a 印发通知 takes the kind of what it publishes
        t = m.group(1)
    for suffix, kind in KIND_BY_SUFFIX:
        if t.endswith(suffix):
            return kind
    return None


def jurisdiction_of(title: str | None, text: str) -> str:
    """苏州市 unless the document is a county's or a district's own.

    A county document (常熟市, 太仓市…) says "市" of itself; it is recognised by its
    own county name dominating the text (its banks, its 文号 prefix) while the city
    is barely mentioned.
    """
    t = clean(title or "")
    for place in DISTRICTS + COUNTIES:
        if t.startswith(place):
            return place
    body = clean(text)
    city = body.count("苏州")
    best = max(COUNTIES, key=lambda c: body.count(c[:2]))
    n = body.count(best[:2])
    if n >= 2 and n >= city:
        return best
    return DEFAULT_JURISDICTION


def extract_metadata(title: str | None, lines: list[str], rule_text: str) -> Metadata:
    """Read metadata from a document's cleaned lines (noise removed) and rule text.

    ``rule_text`` excludes 解读 sections, which restate dates.
    """
    md = Metadata(kind=kind_of(title))
    md.jurisdiction = jurisdiction_of(title, rule_text)
    head = [ln for ln in lines[:8]]
    for ln in head:
        m = HEADER_RE.match(ln)
        if m and md.issuer is None:
            md.issuer = m.group(1)
    if title:
        m = TITLE_ISSUER_RE.match(clean(title))
        if m:
            issuer = m.group(1)
            if issuer.startswith("市"):
                issuer = md.issuer or None  # 市政府关于… names the city only by context
            if issuer:
                md.issuer = re.sub(r"(?<=市委)(?=[\u4e00-\u9fa5])", " ", issuer)
    for i, ln in enumerate(lines):
        if md.doc_number is None and DOC_NUMBER_LINE_RE.match(ln):
            md.doc_number = ln
        if md.issued is None and i + 1 < len(lines) and SIGNATURE_ORG_RE.match(ln):
            m = DATE_LINE_RE.match(lines[i + 1])
            if m:
                md.issued = _date(*m.groups())
                md.issuer = md.issuer or ln
        if md.issued is None and i < 6:
            m = DATE_LINE_RE.match(ln)
            if m and ln.startswith(("(", "（")):
                md.issued = _date(*m.groups())  # (2020年1月1日) under the title
    m = DECREE_RE.search(clean(rule_text[:2000]))
    if m:
        md.issuer = md.issuer or m.group(4)
        md.doc_number = md.doc_number or f"{m.group(4)}令第{m.group(5)}号"
        md.issued = md.issued or _date(*m.group(1, 2, 3))
        if m.group(6):
            md.effective = _date(*m.group(6, 7, 8))
    if md.issuer is None and re.search(r"(?:^|\n)市政府决定", rule_text[:500]):
        md.issuer = "苏州市人民政府"
    _read_validity(md, rule_text)
    return md


def _read_validity(md: Metadata, rule_text: str) -> None:
    sentences = [s for s in re.split(r"(?<=[。\n])", clean_keep_newlines(rule_text)) if s.strip()]
    for i, s in enumerate(sentences):
        s = s.strip()
        if not DOC_SELF_RE.match(s):
            continue
        if not (EFFECTIVE_RE.search(s) or EFFECTIVE_RELATIVE_RE.search(s) or "有效期" in s or UNTIL_RE.search(s)):
            continue
        window = s
        if i + 1 < len(sentences) and "有效期" in sentences[i + 1] and not DOC_SELF_RE.match(sentences[i + 1].strip()):
            window += sentences[i + 1].strip()
        md.validity_quote = md.validity_quote or window
        m = EFFECTIVE_RE.search(window)
        if m and md.effective is None:
            md.effective = _date(*m.groups())
        m = EFFECTIVE_RELATIVE_RE.search(window)
        if m and md.effective is None and md.effective_relative is None:
            md.effective_relative = f"自{m.group(1)}起"
        for rx in (EXPIRES_RE, UNTIL_RE):
            m = rx.search(window)
            if m and md.expires is None:
                md.expires = _date(*m.groups())
        m = EXPIRES_YEAR_END_RE.search(window)
        if m and md.expires is None:
            md.expires = date(int(m.group(1)), 12, 31)
        if "有效期至至" in window:
            md.notes.append("text says 有效期至至 (typo), read as 有效期至")
        m = DURATION_RE.search(window)
        if m and md.validity_years is None:
            md.validity_years = int(cn2an.cn2an(m.group(1), "smart"))
        if md.effective or md.expires:
            break


def clean_keep_newlines(text: str) -> str:
    return "\n".join(clean(line) for line in text.split("\n"))
