"""Departments: the registry (data/departments.json) and responsibility tags.

Tag forms parsed, all found in the corpus:

* （责任单位：A、B） / (责任单位：A) / （责任部门：A，B）
* （牵头单位：A；主要责任单位：B、C）: A leads, B and C cooperate
* （A牵头，B按职责分工负责） / （A、B按职责分工负责）
* bare （A、B） where every part names a known unit or a unit of a place: （区科技局、区财政局）,
  （市经信局）, （区商务部门）, （广州市南沙区科技局）
* ‹区› written as <区>, county governments, [ ] brackets

Units are kept as written; only names the registry (data/departments.json, Suzhou's departments)
knows are mapped to its canonical names, and only for documents of the registry's place or of an
unknown place: a 广州 document's 市科技局 is 广州's, not 苏州's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property, lru_cache

from zhengce import places
from zhengce.corpus.text import clean
from zhengce.datafiles import load_json

ORG_END_RE = re.compile(r"(?:局|委|办|院|集团|政府|管委会|海关|分局|中心|支行|分行|单位|部门|公司|小组|会|队|所|处|部)(?:（[^（）]{1,8}）)?$")
LABEL_RE = re.compile(r"^(?:责任单位|责任部门|牵头单位|牵头部门|主要责任单位|配合单位|参与单位)[：:]")
TAG_RE = re.compile(r"[（(\[](?P<body>(?:[^（）()\[\]]|[（(][^（）()]{0,12}[）)])+)[）)\]]")
DUTY_SUFFIX_RE = re.compile(r"(?:等)?(?:按职责分工|按照职责分工|按职能分工)(?:负责|落实|推进)?$")
# a unit of a place: 市经信局, 区商务部门, 县财政局, 镇人民政府, 各区政府 (not 市级单位, not 以下简称…)
SCOPED_UNIT_RE = re.compile(r"^(?:各)?(?:市|区|县|省|镇|乡|街道)(?!级)[\u4e00-\u9fa5（）]{2,}$")


@dataclass(frozen=True)
class DepartmentRegistry:
    canonical_by_alias: dict[str, str]
    entries: tuple[dict, ...]
    places: tuple[str, ...] = ("苏州市",)  # whose departments these are

    def applies_to(self, place: str | None) -> bool:
        """Whether a document of ``place`` (None: unknown) names its units as this registry does."""
        return place is None or any(places.resolve(place) == places.resolve(p) for p in self.places)

    def canonical(self, raw: str, place: str | None = None) -> str:
        """Canonical name of a department as written; unknown names come back normalised.

        For a document of another place (``place`` known and not the registry's) nothing is mapped.
        """
        name = normalise_name(raw)
        if not self.applies_to(place):
            return name
        if name in self.canonical_by_alias:
            return self.canonical_by_alias[name]
        own = self.own_place_names
        for prefix in own:  # 苏州市财政局 → 市财政局
            if name.startswith(prefix) and ("市" + name[len(prefix) :]) in self.canonical_by_alias:
                return self.canonical_by_alias["市" + name[len(prefix) :]]
        if not name.startswith(("市", "各", *own)) and ("市" + name) in self.canonical_by_alias:
            return self.canonical_by_alias["市" + name]  # 财政局 → 市财政局
        return name

    @cached_property
    def own_place_names(self) -> tuple[str, ...]:
        """The registry's places as written in department names (苏州市, 苏州), longest first."""
        g = places.gazetteer()
        names = {n for p in self.places if (pl := g.get(p)) for n in pl.all_names}
        return tuple(sorted(names, key=len, reverse=True))

    def is_known(self, raw: str) -> bool:
        return normalise_name(raw) in self.canonical_by_alias or self.canonical(raw) in self.canonical_by_alias

    def renames(self) -> list[tuple[str, str, str | None]]:
        """(old name, new canonical name, date or None)."""
        return [(r["name"], e["canonical"], r.get("date")) for e in self.entries for r in e.get("renamed_from", [])]


def normalise_name(raw: str) -> str:
    name = clean(raw).replace("<", "（").replace(">", "）").replace("(", "（").replace(")", "）")
    name = DUTY_SUFFIX_RE.sub("", name)
    name = re.sub(r"(?:牵头)$", "", name)
    return name.strip("、，,；;：: ")


@lru_cache(maxsize=1)
def registry() -> DepartmentRegistry:
    data = load_json("departments.json")
    by_alias: dict[str, str] = {}
    for e in data["departments"]:
        names = [e["canonical"], e.get("full", ""), *e.get("aliases", [])]
        for r in e.get("renamed_from", []):
            names += [r["name"], *r.get("aliases", [])]
        for n in names:
            if n:
                by_alias[normalise_name(n)] = e["canonical"]
    return DepartmentRegistry(by_alias, tuple(data["departments"]), tuple(data.get("places", ["苏州市"])))


def looks_like_unit(name: str) -> bool:
    """A unit that is not in the registry but is written as one: 区科技局, 市经信局, 广州市南沙区商务局."""
    n = normalise_name(name)
    if len(n) > 30 or not ORG_END_RE.search(n) or n.startswith("以下"):
        return False
    if SCOPED_UNIT_RE.match(n):
        return True
    m = places.gazetteer().text_pattern.match(n)  # a place's own unit: 苏州海关, 常熟市财政局
    return bool(m) and len(n) - m.end() >= 2 and not n[m.end() :].startswith("级")


@dataclass(frozen=True)
class DepartmentTag:
    start: int  # span of the whole parenthesis in the text it was found in
    end: int
    lead: tuple[str, ...]  # canonical names of lead units (牵头)
    cooperating: tuple[str, ...]  # canonical names of cooperating/responsible units
    written: tuple[str, ...]  # names as written
    form: str  # labelled | lead-and-main | duty | bare

    @property
    def all(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(self.lead + self.cooperating))


def _split_units(body: str) -> list[str]:
    parts = re.split(r"[、，,；;]", body)
    return [p for p in (normalise_name(x) for x in parts) if p]


def parse_tag(body: str) -> tuple[list[str], list[str], str] | None:
    """(lead, cooperating, form) for a parenthesis body, or None if it is not a tag."""
    b = clean(body)
    reg = registry()
    if "：" in b or ":" in b:
        m = re.match(r"^(?:牵头单位|牵头部门)[：:](?P<lead>[^；;]+)[；;](?:主要)?(?:责任单位|配合单位|参与单位)[：:](?P<rest>.+)$", b)
        if m:
            return _split_units(m.group("lead")), _split_units(m.group("rest")), "lead-and-main"
        if LABEL_RE.match(b):
            label, rest = re.split(r"[：:]", b, maxsplit=1)
            units = _split_units(rest)
            if label.startswith("牵头"):
                return units, [], "labelled"
            return [], units, "labelled"
        return None
    if DUTY_SUFFIX_RE.search(b) or "牵头" in b:
        m = re.match(r"^(?P<lead>.+?)牵头[，,](?P<rest>.+)$", b)
        if m:
            return _split_units(m.group("lead")), _split_units(m.group("rest")), "duty"
        if DUTY_SUFFIX_RE.search(b):
            return [], _split_units(b), "duty"
        return None
    units = _split_units(b)
    if not units or not all(reg.is_known(u) or (ORG_END_RE.search(u) and len(u) <= 30) for u in units):
        return None
    if any(reg.is_known(u) for u in units) or all(looks_like_unit(u) for u in units):
        return [], units, "bare"  # units of other places (区科技局、区财政局) are kept as written
    return None


def find_tags(text: str, place: str | None = None) -> list[DepartmentTag]:
    """Responsibility tags in a (cleaned) line of text.

    ``place`` is the document's jurisdiction: the registry maps names only for its own place or an
    unknown one (see :meth:`DepartmentRegistry.canonical`).
    """
    reg = registry()
    out = []
    for m in TAG_RE.finditer(text):
        parsed = parse_tag(m.group("body"))
        if parsed is None:
            continue
        lead, coop, form = parsed
        written = tuple(lead + coop)
        out.append(
            DepartmentTag(
                m.start(), m.end(),
                tuple(dict.fromkeys(reg.canonical(u, place) for u in lead)),
                tuple(dict.fromkeys(reg.canonical(u, place) for u in coop)),
                written, form,
            )
        )  # fmt: skip
    return out
