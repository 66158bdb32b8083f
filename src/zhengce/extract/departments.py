"""Departments: the registry (data/departments.json) and responsibility tags.

Tag forms parsed, all found in the corpus:

* （责任单位：A、B） / (责任单位：A) / （责任部门：A，B）
* （牵头单位：A；主要责任单位：B、C）: A leads, B and C cooperate
* （A牵头，B按职责分工负责） / （A、B按职责分工负责）
* bare （A、B） where every part names a known or plausible unit
* ‹区› written as <区>, county governments, [ ] brackets
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from zhengce.corpus.text import clean
from zhengce.datafiles import load_json

ORG_END_RE = re.compile(r"(?:局|委|办|院|集团|政府|管委会|海关|分局|中心|支行|分行|单位|部门|公司|小组|会|队|所|处|部)(?:（[^（）]{1,8}）)?$")
LABEL_RE = re.compile(r"^(?:责任单位|责任部门|牵头单位|牵头部门|主要责任单位|配合单位|参与单位)[：:]")
TAG_RE = re.compile(r"[（(\[](?P<body>(?:[^（）()\[\]]|[（(][^（）()]{0,12}[）)])+)[）)\]]")
DUTY_SUFFIX_RE = re.compile(r"(?:等)?(?:按职责分工|按照职责分工|按职能分工)(?:负责|落实|推进)?$")


@dataclass(frozen=True)
class DepartmentRegistry:
    canonical_by_alias: dict[str, str]
    entries: tuple[dict, ...]

    def canonical(self, raw: str) -> str:
        """Canonical name of a department as written; unknown names come back normalised."""
        name = normalise_name(raw)
        if name in self.canonical_by_alias:
            return self.canonical_by_alias[name]
        if name.startswith("苏州市") and ("市" + name[3:]) in self.canonical_by_alias:
            return self.canonical_by_alias["市" + name[3:]]
        if not name.startswith(("市", "苏州", "各")) and ("市" + name) in self.canonical_by_alias:
            return self.canonical_by_alias["市" + name]
        return name

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
    return DepartmentRegistry(by_alias, tuple(data["departments"]))


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
    if units and all(reg.is_known(u) or (ORG_END_RE.search(u) and len(u) <= 30) for u in units) and any(
        reg.is_known(u) for u in units
    ):
        return [], units, "bare"
    return None


def find_tags(text: str) -> list[DepartmentTag]:
    """Responsibility tags in a (cleaned) line of text."""
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
                tuple(dict.fromkeys(reg.canonical(u) for u in lead)),
                tuple(dict.fromkeys(reg.canonical(u) for u in coop)),
                written, form,
            )
        )  # fmt: skip
    return out
