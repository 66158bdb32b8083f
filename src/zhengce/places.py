"""Places: the 国家 → 省 → 市 → 县/区 hierarchy documents are issued for.

The hierarchy is data (``data/places.json``): every province-level unit, 江苏's cities and county-level
cities, Suzhou's districts, county-level cities and 国家级开发区, and major cities elsewhere, each with
its canonical name, level, parent, aliases and the 文号 prefixes its bodies issue under. Places given
to ``zhengce ingest --jurisdiction`` that the file does not know are recorded in the database
(``places`` table) with their stated parent chain; :func:`load_from_db` adds them to this process.

The API (module functions) answers with canonical names; any name or alias is accepted as input
(苏州, 苏州高新区, 广州市南沙区, 广州南沙, 江苏省/苏州市/常熟市):

* :func:`resolve` — canonical name, or None if unknown or ambiguous (园区 alone; a name two places share)
* :func:`chain` — canonical names from 中国 down to the place, [] if unknown
* :func:`contains` — inner lies within or equals outer (False when either is unknown)
* :func:`level` — country / province / city / county / district / zone; :func:`kind` — the data file's
  Chinese level (地级市, 县级市, 区, 开发区…)
* :func:`known_places`, :func:`suggest`, :func:`government`
* :meth:`Gazetteer.mentions`, :meth:`Gazetteer.place_of_issuer`, :meth:`Gazetteer.place_of_doc_number` and
  :meth:`Gazetteer.unknown_subplaces` (厦门市思明区商务局: a part of 厦门市 the data does not list) read texts;
* :func:`parse_jurisdiction` reads a place a user gives (new places as parent chains);
  :func:`load_from_db` / :func:`record` read and write the database's ``places`` table.
"""

from __future__ import annotations

import difflib
import re
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property, lru_cache

from zhengce.datafiles import load_json

COUNTRY = "中国"
PROVINCE_LEVELS = ("省", "自治区", "直辖市", "特别行政区")
CITY_LEVELS = ("地级市", "自治州", "地区", "盟")
COUNTY_LEVELS = ("县级市", "区", "县", "旗", "自治县")
DEVZONE_LEVEL = "开发区"
# levels whose places are "a city" for the reading of a text (直辖市 and SARs included)
CITY_LIKE = ("直辖市", "特别行政区", *CITY_LEVELS)
LEVEL_TIERS = {
    "国家": "country", **{k: "province" for k in PROVINCE_LEVELS}, **{k: "city" for k in CITY_LEVELS},
    "县级市": "county", "县": "county", "旗": "county", "自治县": "county", "区": "district",
}

# what follows a place's name in the name of one of its bodies: 苏州市|人民政府, 中共苏州市|委, 广州市南沙区|科技局
ORG_REST_RE = re.compile(
    r"^(?:[\u4e00-\u9fa5]{0,16}(?:委|政府|管委会|委员会|局|厅|办|办公室|署|中心|院|会|分局|支行|分行|集团|海关))$"
)
# a place written after a known one that the data does not list: 厦门市|思明区|商务局, 天津|港保税区|管理委员会
SUBPLACE_RE = re.compile(r"([\u4e00-\u9fa5]{2,3}?(?:区|县|市|旗))")
BODY_AFTER_RE = re.compile(
    r"(?:人民政府|政府|区委|县委|市委|党委|党工委|工委|管委会|管理委员会|委员会|关于|[\u4e00-\u9fa5]{0,6}(?:局|办公室|办))"
)
NOT_A_PLACE_RE = re.compile(
    r"^(?:[各全本我该其每市区县省].*|(?:开发|高新|经开|示范|功能|试验|保税|自贸|工业|商务|核心|先行|集聚|主城|中心|老城|新城"
    r"|综保|自贸片|城|市|郊|辖|景|社|街)区)$"
)
DOC_NUMBER_PREFIX_RE = re.compile(r"^(.+?)[〔\[(（【]\s*\d{4}\s*[〕\])）】]")
DECREE_NUMBER_RE = re.compile(r"^(.+?)令第\d+号$")


class PlaceError(ValueError):
    """A place name that cannot be used (unknown, ambiguous, or a chain that contradicts the hierarchy)."""


@dataclass(frozen=True)
class Place:
    name: str
    level: str
    parent: str | None
    aliases: tuple[str, ...] = ()
    aliases_not_in_text: tuple[str, ...] = ()
    local_aliases: tuple[str, ...] = ()
    doc_prefixes: tuple[str, ...] = ()
    issuers: tuple[str, ...] = ()
    government: str | None = None
    source: str = "file"  # file | database

    @property
    def all_names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases, *self.aliases_not_in_text)

    @property
    def government_name(self) -> str:
        if self.government:
            return self.government
        if self.level == DEVZONE_LEVEL:
            return f"{self.name}管理委员会"
        return f"{self.name}人民政府"


def _clean(name: str) -> str:
    return re.sub(r"[\s\u2002\u3000《》“”\"']", "", name or "")


@dataclass
class Gazetteer:
    """An immutable view of the places known: the data file plus any recorded in a database."""

    places: dict[str, Place]
    ambiguous_prefixes: dict[str, tuple[str, ...]] = field(default_factory=dict)

    # ---- indexes -------------------------------------------------------------------------
    @cached_property
    def _by_alias(self) -> dict[str, tuple[str, ...]]:
        out: dict[str, list[str]] = {}
        for p in self.places.values():
            for n in p.all_names:
                out.setdefault(n, [])
                if p.name not in out[n]:
                    out[n].append(p.name)
        # a canonical name always means its own place
        return {n: ((n,) if n in self.places else tuple(v)) for n, v in out.items()}

    @cached_property
    def _children(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for p in self.places.values():
            if p.parent:
                out.setdefault(p.parent, []).append(p.name)
        return out

    @cached_property
    def _prefixes(self) -> list[tuple[str, str | None]]:
        """(文号 prefix, place or None when ambiguous), longest first."""
        pairs: dict[str, str | None] = {}
        for p in self.places.values():
            for pre in p.doc_prefixes:
                pairs[pre] = None if pre in pairs and pairs[pre] != p.name else p.name
        for pre in self.ambiguous_prefixes:
            pairs[pre] = None
        return sorted(pairs.items(), key=lambda kv: -len(kv[0]))

    @cached_property
    def _issuers(self) -> dict[str, str]:
        return {_clean(i): p.name for p in self.places.values() for i in p.issuers}

    @cached_property
    def text_pattern(self) -> re.Pattern[str]:
        """Every name and text alias, longest first, so each match is the most specific place."""
        names = {n for p in self.places.values() for n in (p.name, *p.aliases) if len(n) >= 2}
        return re.compile("|".join(re.escape(n) for n in sorted(names, key=lambda s: (-len(s), s))))

    # ---- lookups -------------------------------------------------------------------------
    def get(self, name: str) -> Place | None:
        c = self.resolve(name)
        return self.places.get(c) if c else None

    @cached_property
    def _resolved(self) -> dict[tuple[str, str | None], str | None]:
        return {}

    def resolve(self, name: str, within: str | None = None) -> str | None:
        key = (name, within)
        if key not in self._resolved:
            self._resolved[key] = self._resolve(name, within)
        return self._resolved[key]

    def _resolve(self, name: str, within: str | None) -> str | None:
        n = _clean(name)
        if not n:
            return None
        if "/" in n:
            cur: str | None = None
            for part in (x for x in n.split("/") if x):
                cur = self.resolve(part) if cur is None else self._resolve_within(part, cur)
                if cur is None:
                    return None
            return cur
        if within is not None:
            w = self.resolve(within)
            return self._resolve_within(n, w) if w else None
        hits = self._by_alias.get(n, ())
        if len(hits) == 1:
            return hits[0]
        if hits:
            return None  # a name two places share
        return self._resolve_compound(n)

    def _resolve_within(self, name: str, outer: str) -> str | None:
        """A place inside ``outer`` (or ``outer`` itself) called ``name``, local aliases included."""
        n = _clean(name)
        found = {
            p.name
            for p in self.places.values()
            if (n in p.all_names or n in p.local_aliases) and self.contains(outer, p.name)
        }
        if len(found) == 1:
            return found.pop()
        if not found:
            compound = self._resolve_compound(n)
            if compound and self.contains(outer, compound):
                return compound
        return None

    def _resolve_compound(self, n: str) -> str | None:
        """广州市南沙区, 广州南沙, 苏州园区, 江苏省苏州市: an outer place's name, then an inner one's."""
        for i in range(len(n) - 1, 1, -1):
            head, tail = n[:i], n[i:]
            if len(tail) < 2:
                continue
            hits = self._by_alias.get(head, ())
            if len(hits) != 1:
                continue
            inner = self._resolve_within(tail, hits[0])
            if inner and inner != hits[0]:
                return inner
        return None

    def chain(self, name: str) -> list[str]:
        c = self.resolve(name)
        out: list[str] = []
        seen: set[str] = set()
        while c and c not in seen:
            seen.add(c)
            out.append(c)
            c = self.places[c].parent if c in self.places else None
        return out[::-1]

    def contains(self, outer: str, inner: str) -> bool:
        o = self.resolve(outer)
        return o is not None and o in self.chain(inner)

    def kind(self, name: str) -> str:
        """The place's kind as the data file states it: 国家, 省, 直辖市, 地级市, 县级市, 区, 县, 开发区…"""
        p = self.get(name)
        return p.level if p else ""

    def level(self, name: str) -> str:
        """country, province, city, county, district or zone; '' if unknown.

        province: 省/自治区/直辖市/特别行政区; city: 地级市 (自治州…); county: 县级市/县/旗;
        district: 区, and a 开发区 directly under a city (苏州工业园区); zone: a 开发区 inside a county or district.
        """
        p = self.get(name)
        if p is None:
            return ""
        if p.level == DEVZONE_LEVEL:
            parent = self.places.get(p.parent or "")
            return "district" if parent is not None and _rank(parent.level) <= 2 else "zone"
        return LEVEL_TIERS.get(p.level, "zone")

    def children(self, name: str) -> list[str]:
        c = self.resolve(name)
        return list(self._children.get(c, [])) if c else []

    def known_places(self) -> list[str]:
        """Every canonical name, parents before children."""
        out: list[str] = []

        def visit(n: str) -> None:
            out.append(n)
            for ch in self._children.get(n, []):
                visit(ch)

        for p in self.places.values():
            if p.parent is None or p.parent not in self.places:
                visit(p.name)
        return out

    def suggest(self, name: str, n: int = 3) -> list[str]:
        """Close matches for an error message: names it contains or is contained in, then similar spellings."""
        q = _clean(name)
        if not q:
            return []
        out: list[str] = []

        def add(c: str) -> None:
            if c not in out:
                out.append(c)

        alias_to = self._by_alias
        # names inside the query, the most specific place first (广州市南沙新城 → 南沙区, 广州市)
        inside = sorted(
            (a for a in alias_to if len(a) >= 2 and a in q),
            key=lambda a: (-max(len(self.chain(c)) for c in alias_to[a]), -len(a), a),
        )
        around = sorted((a for a in alias_to if q in a and a not in inside), key=lambda a: (len(a), a))
        for a in inside + around:
            for c in alias_to[a]:
                add(c)
        for a in difflib.get_close_matches(q, list(alias_to), n=n * 3, cutoff=0.5):
            for c in alias_to[a]:
                add(c)
        return out[:n]

    def government(self, name: str) -> str | None:
        p = self.get(name)
        return p.government_name if p else None

    # ---- reading texts -------------------------------------------------------------------
    def place_of_doc_number(self, doc_number: str | None) -> str | None:
        """The place a 文号 names by its prefix (苏府〔2017〕59号 → 苏州市); None when unknown or shared."""
        if not doc_number:
            return None
        num = _clean(doc_number)
        m = DECREE_NUMBER_RE.match(num)
        if m:  # 苏州市人民政府令第44号
            return self.place_of_issuer(m.group(1))
        m = DOC_NUMBER_PREFIX_RE.match(num)
        if not m:
            return None
        prefix = m.group(1)
        for pre, place in self._prefixes:
            if prefix.startswith(pre):
                return place
        return None

    def place_of_issuer(self, issuer: str | None) -> str | None:
        """The place an issuing body belongs to (中共苏州市委 苏州市人民政府 → 苏州市).

        Joint issuers of nested places give the outer one; of unrelated places, None.
        """
        if not issuer:
            return None
        found: list[str] = []
        whole = _clean(issuer)
        if whole in self._issuers:
            return self._issuers[whole]
        for part in re.split(r"[\s、，,；;]+", issuer.strip()):
            part = _clean(part)
            if not part:
                continue
            if part in self._issuers:
                found.append(self._issuers[part])
                continue
            if self.unknown_subplaces(part):
                return None  # 厦门市思明区商务局 is 思明区's, which the data does not list
            body = part[2:] if part.startswith("中共") else part
            for i in range(len(body), 1, -1):
                head, rest = body[:i], body[i:]
                place = self.resolve(head)
                if place and (not rest or ORG_REST_RE.match(rest)):
                    found.append(place)
                    break
            else:
                return None  # a body not named after a place (市政府, 省政府) says nothing about the others
        if not found:
            return None
        outer = min(found, key=lambda c: len(self.chain(c)))
        if all(self.contains(outer, f) for f in found):
            return outer
        return None

    def mentions(self, text: str) -> list[tuple[int, int, str]]:
        """(start, end, canonical place) for every place named in a text, most specific name first.

        A place written right after the place it lies in is one mention: 广州市南沙区 names 南沙区 only.
        """
        out: list[tuple[int, int, str]] = []
        for m in self.text_pattern.finditer(text):
            hits = self._by_alias.get(m.group(0), ())
            if len(hits) != 1:
                continue
            if out and out[-1][1] == m.start() and self.contains(out[-1][2], hits[0]):
                out[-1] = (out[-1][0], m.end(), hits[0])
            else:
                out.append((m.start(), m.end(), hits[0]))
        return out

    def unknown_subplaces(self, text: str) -> list[tuple[int, str, str]]:
        """Places the data does not list, written right after a known one they lie in, as the name of a
        body: (start, as written, the known place), e.g. 厦门市思明区商务局 → (0, 厦门市思明区, 厦门市),
        天津港保税区管理委员会 → (0, 天津港保税区, 天津市)."""
        out = []
        for start, end, place in self.mentions(text):
            m = SUBPLACE_RE.match(text, end)
            if not m or NOT_A_PLACE_RE.match(m.group(1)) or not BODY_AFTER_RE.match(text, m.end()):
                continue
            if self.text_pattern.search(m.group(1)) or m.group(1).startswith(("委", "政府")):
                continue  # 中共苏州市|委苏州市|人民政府: two bodies, not a place
            if self._resolve_within(m.group(1), place) is None:
                out.append((start, text[start : m.end()], place))
        return out

    def unknown_place_in_issuer(self, issuer: str | None) -> str | None:
        """The place an issuer is named after when the data does not list it (中共彭州市委 → 彭州市)."""
        if not issuer:
            return None
        for part in re.split(r"[\s、，,；;]+", issuer.strip()):
            part = _clean(part)
            sub = self.unknown_subplaces(part)
            if sub:
                return sub[0][1]
            body = part[2:] if part.startswith("中共") else part
            m = re.match(r"([\u4e00-\u9fa5]{2,8}?(?:省|自治区|市|区|县|自治州|州|盟|旗))(?=[\u4e00-\u9fa5])", body)
            if m and not NOT_A_PLACE_RE.match(m.group(1)) and self.resolve(m.group(1)) is None:
                rest = body[m.end() :]
                if ORG_REST_RE.match(rest) or rest.startswith(("委", "人民政府")):
                    return m.group(1)
        return None

    def city_of(self, name: str) -> str | None:
        """The city-like place (地级市, 直辖市, SAR) a place lies in, or the place itself."""
        for c in reversed(self.chain(name)):
            if self.places[c].level in CITY_LIKE:
                return c
        return None

    def with_places(self, extra: Iterable[Place]) -> Gazetteer:
        places = dict(self.places)
        for p in extra:
            places.setdefault(p.name, p)
        return Gazetteer(places, self.ambiguous_prefixes)


@lru_cache(maxsize=1)
def file_gazetteer() -> Gazetteer:
    data = load_json("places.json")
    places: dict[str, Place] = {}
    for e in data["places"]:
        p = Place(
            name=e["name"], level=e["level"], parent=e.get("parent"),
            aliases=tuple(e.get("aliases", ())), aliases_not_in_text=tuple(e.get("aliases_not_in_text", ())),
            local_aliases=tuple(e.get("local_aliases", ())), doc_prefixes=tuple(e.get("doc_prefixes", ())),
            issuers=tuple(e.get("issuers", ())), government=e.get("government"),
        )  # fmt: skip
        if p.name in places:
            raise ValueError(f"places.json: {p.name} listed twice")
        if p.parent is not None and p.parent not in places:
            raise ValueError(f"places.json: {p.name}'s parent {p.parent} must be listed before it")
        places[p.name] = p
    amb = {k: tuple(v) for k, v in data.get("ambiguous_doc_prefixes", {}).items()}
    return Gazetteer(places, amb)


_db_places: tuple[Place, ...] = ()
_current: Gazetteer | None = None


def gazetteer() -> Gazetteer:
    """The places this process knows: the data file plus those loaded from a database."""
    global _current
    if _current is None:
        _current = file_gazetteer().with_places(_db_places)
    return _current


def use_places(extra: Iterable[Place]) -> None:
    """Replace the database-recorded places this process knows (the data file's always stay)."""
    global _db_places, _current
    _db_places = tuple(extra)
    _current = None


def load_from_db(conn: sqlite3.Connection) -> list[Place]:
    """Make the places recorded in this database known to this process; returns them."""
    try:
        rows = conn.execute("SELECT name, level, parent FROM places ORDER BY rowid").fetchall()
    except sqlite3.OperationalError:  # a database from before the places table
        rows = []
    extra = [Place(name=r[0], level=r[1], parent=r[2], source="database") for r in rows]
    use_places(extra)
    return extra


def record(conn: sqlite3.Connection, new: Iterable[Place], recorded_at: str) -> None:
    """Store newly stated places (inside the caller's transaction)."""
    new = list(new)
    view = gazetteer().with_places(new)
    for p in new:
        stated = "/".join([*view.chain(p.parent or ""), p.name])
        conn.execute(
            "INSERT OR IGNORE INTO places(name, level, parent, chain, recorded_at) VALUES (?, ?, ?, ?, ?)",
            (p.name, p.level, p.parent, stated, recorded_at),
        )


def level_from_name(name: str, parent: Place | None) -> str | None:
    """The level a newly stated place has, from its name's ending and its parent."""
    if name.endswith("特别行政区"):
        return "特别行政区"
    if name.endswith("自治区"):
        return "自治区"
    if name.endswith("省"):
        return "省"
    if name.endswith("自治州"):
        return "自治州"
    if name.endswith("自治县"):
        return "自治县"
    if name.endswith(("开发区", "园区", "新区", "高新区", "试验区", "片区", "保税区", "合作区", "示范区")):
        return DEVZONE_LEVEL
    if name.endswith("区"):
        return "区"
    if name.endswith(("县", "旗")):
        return "县" if name.endswith("县") else "旗"
    if name.endswith("盟"):
        return "盟"
    if name.endswith("地区"):
        return "地区"
    if name.endswith("市"):
        if parent is None or parent.level == "国家":
            return "直辖市"
        return "地级市" if parent.level in ("省", "自治区") else "县级市"
    return None


def _rank(level: str) -> int:
    if level == "国家":
        return 0
    if level in PROVINCE_LEVELS:
        return 1
    if level in CITY_LEVELS:
        return 2
    if level in COUNTY_LEVELS:
        return 3
    return 3 if level == DEVZONE_LEVEL else 4


def parse_jurisdiction(value: str) -> tuple[str, list[Place]]:
    """A place given by a user: its canonical name, and any places the database must record.

    ``value`` is a known name or alias (苏州市, 常熟, 广州市南沙区), or a parent chain
    (湖北省/武汉市/东湖高新区) whose first part is known and whose later parts may be new.
    Raises :class:`PlaceError` with a one-line message (close matches included).
    """
    g = gazetteer()
    v = _clean(value)
    if not v:
        raise PlaceError("empty place name")
    parts = [x for x in v.split("/") if x]
    if len(parts) == 1:
        c = g.resolve(parts[0])
        if c:
            return c, []
        raise PlaceError(_unknown_message(parts[0], g))
    first = g.resolve(parts[0])
    if first is None:
        raise PlaceError(_unknown_message(parts[0], g) + " (the first place of a chain must be known)")
    cur = g.places[first]
    new: list[Place] = []
    view = g
    for part in parts[1:]:
        inner = view._resolve_within(part, cur.name)
        if inner is not None and inner != cur.name:
            cur = view.places[inner]
            continue
        elsewhere = view.resolve(part)
        if elsewhere is not None:
            raise PlaceError(f"{part} is in {'/'.join(view.chain(elsewhere)[:-1])}, not in {cur.name}")
        lvl = level_from_name(part, cur)
        if lvl is None:
            raise PlaceError(f"cannot tell what kind of place {part} is; give its full name (…省/市/区/县/开发区)")
        if _rank(lvl) <= _rank(cur.level) and not (lvl == DEVZONE_LEVEL and cur.level != "国家"):
            raise PlaceError(f"{part} ({lvl}) cannot lie within {cur.name} ({cur.level})")
        p = Place(name=part, level=lvl, parent=cur.name, source="database")
        new.append(p)
        view = view.with_places([p])
        cur = p
    return cur.name, new


def _unknown_message(name: str, g: Gazetteer) -> str:
    close = g.suggest(name)
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    return (
        f"unknown place {name}{hint} A place not in data/places.json can be given with its parent chain, "
        "e.g. 湖北省/武汉市/武汉临空港经济技术开发区"
    )


# ---- the API other modules use ----------------------------------------------------------


def resolve(name: str) -> str | None:
    """The canonical name of a place from any of its names or aliases; None if unknown or ambiguous."""
    return gazetteer().resolve(name)


def chain(name: str) -> list[str]:
    """Canonical names from 中国 down to the place, e.g. ['中国', '江苏省', '苏州市', '常熟市']; [] if unknown."""
    return gazetteer().chain(name)


def contains(outer: str, inner: str) -> bool:
    """True when ``inner`` lies within or equals ``outer`` (both known)."""
    return gazetteer().contains(outer, inner)


def known_places() -> list[str]:
    """Every canonical place name, parents before children."""
    return gazetteer().known_places()


def suggest(name: str, n: int = 3) -> list[str]:
    """Up to ``n`` canonical names close to ``name`` (for error messages)."""
    return gazetteer().suggest(name, n)


def level(name: str) -> str:
    """country, province (省/自治区/直辖市/特别行政区), city (地级市), county (县级市/县), district (区, and a
    开发区 directly under a city such as 苏州工业园区) or zone (a 开发区 inside a county or district); '' if unknown."""
    return gazetteer().level(name)


def kind(name: str) -> str:
    """The place's kind in Chinese as data/places.json states it (地级市, 县级市, 区, 开发区…); '' if unknown."""
    return gazetteer().kind(name)


def government(name: str) -> str | None:
    """The full name of the place's government (苏州市人民政府, 苏州工业园区管理委员会)."""
    return gazetteer().government(name)
