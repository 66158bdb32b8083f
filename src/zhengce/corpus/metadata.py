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

from zhengce import places
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
TITLE_ISSUER_RE = re.compile(rf"^((?:国务院(?:办公厅)?|[\u4e00-\u9fa5]{{2,12}}?{ORG_SUFFIX})+)关于")
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
# the text's own government written without its place: 市政府决定…, 市政府关于…
SHORT_GOV_RE = re.compile(r"(?:^|\n)[ \t\u2002\u3000]*(市|区|县)(?:人民)?政府(办公室)?(?:决定|同意)")
TITLE_SHORT_GOV_RE = re.compile(r"^(市|区|县)(?:人民)?政府(办公室)?关于")
SHORT_GOV_LEVELS = {"市": ("地级市", "县级市", "直辖市"), "区": ("区",), "县": ("县", "自治县", "旗")}
# explicit statements of whose document it is
LOCAL_CONTEXT_RE = re.compile(r"结合([\u4e00-\u9fa5]{2,12}?)(?:的)?(?:经济社会发展|发展|工作)?实际")
INTERPRET_RE = re.compile(r"由([\u4e00-\u9fa5]{2,30}?)(?:会同[^，。；\n]{0,30}?)?负责解释")
ADDRESSEE_RE = re.compile(r"^[ \t\u2002\u3000]*各[^。\n]{2,200}[：:][ \t\u2002\u3000]*$", re.M)
SELF_WORDS = {
    "省": re.compile(r"(?:本|我|全)省"),
    "市": re.compile(r"(?:本|我|全)市"),
    "区": re.compile(r"(?:本|我|全)区(?!域)"),
    "县": re.compile(r"(?:本|我|全)县"),
}
NOT_LISTED = "a place data/places.json does not list (ingest --jurisdiction can record it with its parent chain)"
PAREN_RE = re.compile(r"《[^《》]*》|[（(][^（）()]*[）)]")


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
    jurisdiction: str | None = None  # canonical place (zhengce.places); None when the text does not say
    jurisdiction_basis: str | None = None  # what in the text says so
    jurisdiction_given: str | None = None  # a place given at ingest for texts that do not say (--jurisdiction)
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


def _nested_deepest(found: list[str]) -> str | None:
    """The deepest of places that all lie on one chain; None when two are unrelated."""
    if not found:
        return None
    deepest = max(found, key=lambda c: len(places.chain(c)))
    return deepest if all(places.contains(f, deepest) for f in found) else None


def _title_place(title: str | None) -> str | None:
    """Places the title names outside 《》 and brackets (中国（苏州）… names a zone, not the issuer)."""
    if not title:
        return None
    g = places.gazetteer()
    t = PAREN_RE.sub("", clean(title))
    found = [c for _, _, c in g.mentions(t) if g.kind(c) != "国家"]
    return _nested_deepest(list(dict.fromkeys(found)))


def _stated_place(text: str) -> tuple[str | None, str | None]:
    """结合苏州实际 / 由苏州市科学技术局…负责解释: a sentence that says whose document it is."""
    g = places.gazetteer()
    found: list[tuple[str, str]] = []
    for m in LOCAL_CONTEXT_RE.finditer(text):
        c = g.resolve(m.group(1))
        if c and g.kind(c) != "国家":
            found.append((c, m.group(0)))
    for m in INTERPRET_RE.finditer(text):
        c = g.place_of_issuer(m.group(1))
        if c:
            found.append((c, m.group(0)))
    place = _nested_deepest([c for c, _ in found])
    if place is None:
        return None, None
    return place, next(q for c, q in found if c == place)


def _addressee_place(text: str) -> tuple[str | None, str | None]:
    """各县级市（区）人民政府，苏州工业园区、苏州高新区…： the addressees are the issuer's own subordinates."""
    g = places.gazetteer()
    for m in ADDRESSEE_RE.finditer(text[:600]):
        named = list(dict.fromkeys(c for _, _, c in g.mentions(m.group(0))))
        if len(named) < 2:
            continue
        # the nearest place every addressee lies strictly inside
        common = [p for p in g.chain(named[0])[:-1] if all(p in g.chain(c)[:-1] for c in named)]
        if common and g.kind(common[-1]) != "国家":
            return common[-1], "、".join(named)
    return None, None


def _body_place(text: str) -> tuple[str | None, str]:
    """The place the body names, when that is unambiguous.

    One city (with the places inside it) must be named at least twice and three times as often as
    any other city. A place inside it is chosen when one alone of its parts is named repeatedly and
    either more often than the city itself, or with the city named as a superior (国家、省和苏州市…),
    or in a text that speaks of 本区/本县 and never of 本市. A text that speaks of 全省/本省 and never
    of 本市 is a province's, so the cities it names are not its place.
    """
    g = places.gazetteer()
    says = {w: len(rx.findall(text)) for w, rx in SELF_WORDS.items()}
    below_city = (says["区"] >= 2 or says["县"] >= 2) and not says["市"]
    if says["省"] >= 2 and not says["市"] and not below_city:
        return None, "the text speaks of 全省/本省 (a province's) and its issuer is not stated"
    named = [c for _, _, c in g.mentions(text) if g.kind(c) not in ("国家", *places.PROVINCE_LEVELS[:2])]
    if not named:
        return None, "the text names no place"
    by_city: dict[str, list[str]] = {}
    for c in named:
        by_city.setdefault(g.city_of(c) or c, []).append(c)
    ranked = sorted(by_city.items(), key=lambda kv: -len(kv[1]))
    city, mentions = ranked[0]
    second = len(ranked[1][1]) if len(ranked) > 1 else 0
    counts = ", ".join(f"{k} ×{len(v)}" for k, v in ranked[:4])
    if len(mentions) < 2:
        return None, f"the text names a place only once ({counts})"
    if len(mentions) < 3 * second:
        return None, f"the text names several cities ({counts})"
    direct = sum(1 for c in mentions if c == city)
    parts: dict[str, int] = {}
    for c in mentions:
        ch = g.chain(c)
        if c != city and city in ch:
            part = ch[ch.index(city) + 1]
            parts[part] = parts.get(part, 0) + 1
    names = "|".join(re.escape(n) for n in sorted(g.places[city].all_names, key=len, reverse=True))
    superior = re.search(rf"(?:国家|中央)[、和及与]*省[、和及与]*(?:{names})", text)
    if parts:
        part, k = max(parts.items(), key=lambda kv: kv[1])
        k2 = max([v for p, v in parts.items() if p != part], default=0)
        if k >= 2 and k >= 3 * k2 and (superior or k > direct or below_city):
            if superior:
                why = f"with {city} named as its superior ({superior.group(0)})"
            else:
                why = f"more often than {city}" if k > direct else "and speaks of 本区/本县"
            return part, f"the text names {part} ×{k}, {why}"
    if superior:
        return None, f"the text names {city} as its superior ({superior.group(0)}) but not which of its parts it is"
    unknown = [w for _, w, outer in g.unknown_subplaces(text) if outer == city]
    if unknown and 2 * len(unknown) >= direct:
        return None, f"the text names {unknown[0]}, {NOT_LISTED}"
    if below_city:
        return None, f"the text speaks of 本区/本县 but does not say which part of {city} it is"
    return city, f"the text names {city} ×{len(mentions)} and no other city more than {second} time(s)"


def jurisdiction_of(
    title: str | None,
    text: str,
    issuer: str | None = None,
    doc_number: str | None = None,
    *,
    cleaned: str | None = None,
) -> tuple[str | None, str]:
    """The place a document is for, read from its own text, and what says so; (None, why) if it does not say.

    In order: the issuer (苏州市人民政府, 广州市南沙区人民政府), the 文号 prefix (苏府 → 苏州市), the
    places the title names (a place inside the issuer's is more specific and wins), then the body:
    结合…实际 / 由…负责解释, addressees that are one place's subordinates, and places named
    repeatedly when that is unambiguous. 本区/本县 with a city issuer picks the one district the text names.
    """
    g = places.gazetteer()
    body = cleaned if cleaned is not None else clean_keep_newlines(text)
    found: list[tuple[str, str]] = []
    p = g.place_of_issuer(issuer)
    if p:
        found.append((p, f"the issuer {issuer}"))
    else:
        unknown = g.unknown_place_in_issuer(issuer)
        if unknown:
            return None, f"the issuer {issuer} names {unknown}, {NOT_LISTED}"
    p = g.place_of_doc_number(doc_number)
    if p:
        found.append((p, f"the 文号 {doc_number}"))
    for _, written, outer in g.unknown_subplaces(PAREN_RE.sub("", clean(title or ""))):
        if not found or g.contains(found[0][0], outer):  # a part of the issuer's place the data does not list
            return None, f"the title names {written}, {NOT_LISTED}"
    p = _title_place(title)
    if p:
        found.append((p, "the title"))
    if found:
        place, basis = found[0]
        for other, why in found[1:]:
            if other != place and g.contains(place, other):
                place, basis = other, f"{why} (within {place})"
            elif other != place and not g.contains(other, place):
                basis += f"; {why} names {other}"
        if g.kind(place) in places.CITY_LIKE:
            place, basis = _district_by_self_words(place, basis, title, body)
        return place, basis
    p, quote = _stated_place(body)
    if p:
        return p, f"the text: {quote}"
    p, named = _addressee_place(body)
    if p:
        return p, f"the addressees ({named}) are {p}'s"
    p, why = _body_place(body)
    return p, why


def _district_by_self_words(city: str, basis: str, title: str | None, body: str) -> tuple[str, str]:
    """A city issuer and a text that speaks of 本区/本县 only: the one district or county it names."""
    g = places.gazetteer()
    if SELF_WORDS["市"].search(body):
        return city, basis
    for word, levels in (("区", ("区", places.DEVZONE_LEVEL)), ("县", ("县", "自治县", "旗"))):
        if len(SELF_WORDS[word].findall(body)) < 2:
            continue
        named = {c for _, _, c in g.mentions((title or "") + body) if c != city and g.kind(c) in levels}
        named = {c for c in named if g.contains(city, c)}
        if len(named) == 1:
            d = named.pop()
            return d, f"{basis}, and the text speaks of 本{word} and names {d} alone"
    return city, basis


def extract_metadata(title: str | None, lines: list[str], rule_text: str) -> Metadata:
    """Read metadata from a document's cleaned lines (noise removed) and rule text.

    ``rule_text`` excludes 解读 sections, which restate dates.
    """
    md = Metadata(kind=kind_of(title))
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
    cleaned = clean_keep_newlines(rule_text)
    md.jurisdiction, why = jurisdiction_of(title, rule_text, md.issuer, md.doc_number, cleaned=cleaned)
    md.jurisdiction_basis = why
    md.notes.append(f"jurisdiction {md.jurisdiction} from {why}" if md.jurisdiction else f"jurisdiction unknown: {why}")
    if md.issuer is None and md.jurisdiction:
        m = TITLE_SHORT_GOV_RE.match(clean(title or "")) or SHORT_GOV_RE.search(rule_text[:500])
        if m and places.kind(md.jurisdiction) in SHORT_GOV_LEVELS[m.group(1)]:
            md.issuer = (places.government(md.jurisdiction) or "") + (m.group(2) or "")  # 市政府 of this place
    _read_validity(md, rule_text, cleaned)
    return md


def apply_jurisdiction(md: Metadata, given: str) -> None:
    """A jurisdiction given at ingest (--jurisdiction) for a document whose text does not state one.

    The text wins when it states one; ``md.jurisdiction_given`` records what was given either way.
    """
    md.jurisdiction_given = given
    if md.jurisdiction is not None:
        return
    md.notes = [n for n in md.notes if not n.startswith("jurisdiction unknown")]
    md.notes.append(
        f"jurisdiction {given} given at ingest (--jurisdiction); the text does not state one ({md.jurisdiction_basis})"
    )
    md.jurisdiction = given
    md.jurisdiction_basis = "given at ingest (--jurisdiction)"


def _read_validity(md: Metadata, rule_text: str, cleaned: str | None = None) -> None:
    cleaned = cleaned if cleaned is not None else clean_keep_newlines(rule_text)
    sentences = [s for s in re.split(r"(?<=[。\n])", cleaned) if s.strip()]
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
