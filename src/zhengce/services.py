"""Use cases shared by the command line and the web app.

Each function takes what it works on (a read-only connection, a rule set, a rules folder)
and returns the JSON shapes the README documents. Failures are :class:`ServiceError`
subclasses carrying one safe line and an HTTP status; the web turns them into responses, the
CLI into ``error: …`` and a non-zero exit.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from zhengce.corpus.views import document_detail, document_summary
from zhengce.extract.departments import registry as department_registry
from zhengce.extract.model import check_fact_kind
from zhengce.rules import review as rv
from zhengce.rules.describe import describe_rule, quote_segments
from zhengce.rules.model import Rule
from zhengce.store import sqlite as store

SYNTH_FIRMS = 20_000
SYNTH_SEED = 20261124


class ServiceError(Exception):
    """A request that cannot be answered; ``str(exc)`` is one line, safe to show."""

    status = 400


class NotFound(ServiceError):
    status = 404


class BadInput(ServiceError):
    status = 422


class Unavailable(ServiceError):
    status = 503


# --- documents, facts, departments, search -------------------------------------------------


def list_documents(conn: sqlite3.Connection, *, all_versions: bool = False) -> list[dict]:
    """Documents (current versions unless ``all_versions``), as `zhengce docs --json`."""
    return [document_summary(r) for r in store.list_documents(conn, all_versions=all_versions)]


def get_document(conn: sqlite3.Connection, doc_id: str, version: int | None = None) -> dict:
    """One document with its structure tree, as `zhengce show --json`."""
    row = store.get_document(conn, doc_id, version)
    if row is None:
        raise NotFound(f"no document {doc_id!r}" + (f" version {version}" if version else ""))
    return document_detail(conn, row)


def fact_kind(kind: str | None) -> str | None:
    try:
        return check_fact_kind(kind)
    except ValueError as exc:
        raise BadInput(str(exc)) from None


def list_facts(conn: sqlite3.Connection, kind: str | None = None, doc: str | None = None, limit: int = -1, offset: int = 0) -> list[dict]:
    """Facts in text order, as `zhengce facts --json` (one page with ``limit``/``offset``)."""
    rows = store.list_facts(conn, fact_kind=fact_kind(kind), doc_id=doc, limit=limit, offset=offset)
    return [{"id": r["id"], **json.loads(r["data"])} for r in rows]


def list_departments(conn: sqlite3.Connection) -> list[dict]:
    """Canonical departments with their benefit and task counts, busiest first."""
    counts: dict[str, dict[str, int]] = {}
    for r in conn.execute(
        "SELECT f.fact_kind, j.value FROM facts f JOIN documents d ON d.rowid = f.document_rowid,"
        " json_each(f.departments) j WHERE d.is_current = 1 AND f.fact_kind IN ('benefit', 'task')"
    ):
        counts.setdefault(r[1], {"benefit": 0, "task": 0})[r[0]] += 1
    return [{"name": k, "benefits": v["benefit"], "tasks": v["task"]} for k, v in sorted(counts.items(), key=lambda kv: -sum(kv[1].values()))]


def department_detail(conn: sqlite3.Connection, name: str) -> dict:
    """One department's benefit clauses, tasks, and the targets of the plans in which it leads a task."""
    canonical = department_registry().canonical(name)
    rows = conn.execute(
        "SELECT f.id, f.data FROM facts f JOIN documents d ON d.rowid = f.document_rowid"
        " WHERE d.is_current = 1 AND f.fact_kind IN ('benefit', 'task')"
        " AND EXISTS (SELECT 1 FROM json_each(f.departments) WHERE value = ?) ORDER BY f.file, f.start_offset",
        (canonical,),
    ).fetchall()
    items = [{"id": r[0], **json.loads(r[1])} for r in rows]
    lead_docs = {f["doc_id"] for f in items if f["fact_kind"] == "task" and canonical in f.get("lead_departments", [])}
    targets = [f for d in sorted(lead_docs) for f in list_facts(conn, "target", d)]
    return {
        "name": canonical,
        "benefits": [f for f in items if f["fact_kind"] == "benefit"],
        "tasks": [f for f in items if f["fact_kind"] == "task"],
        "targets": targets,
    }


def search_clauses(
    conn: sqlite3.Connection,
    q: str,
    *,
    limit: int = 10,
    department: str | None = None,
    doc: str | None = None,
    kind: str | None = None,
    in_force: date | None = None,
    min_amount: int | None = None,
) -> list:
    """BM25 hits (``Hit`` objects; ``.to_json()`` is the `zhengce search --json` shape)."""
    from zhengce.search.index import QueryError, SearchFilters, search

    filters = SearchFilters(department or None, doc or None, fact_kind(kind) or None, in_force, min_amount)
    try:
        return search(conn, q, limit=limit, filters=filters)
    except QueryError as exc:
        raise BadInput(str(exc)) from None
    except sqlite3.OperationalError:
        raise Unavailable("no search index in this database; run `zhengce extract`") from None


def validity_badge(doc: dict, day: date) -> str:
    """现行有效 / 已失效 / 未施行 / 未知 for a document on a day."""
    if doc["expires"] and doc["expires"] < day.isoformat():
        return "已失效"
    if doc["effective"] and doc["effective"] > day.isoformat():
        return "未施行"
    if doc["expires"] or doc["effective"]:
        return "现行有效"
    return "未知"


# --- the calculator ------------------------------------------------------------------------


def match_profile(profile: Any, rules: list[Rule], as_of: date, *, include_expired: bool = False,
                  show_all: bool = False, lang: str = "en") -> dict:  # fmt: skip
    """The policy calculator for one profile (a dict or an ``EnterpriseProfile``), as `zhengce match --json`."""
    from pydantic import ValidationError

    from zhengce.rules.engine import match_report
    from zhengce.rules.profile import EnterpriseProfile, profile_error

    if not isinstance(profile, EnterpriseProfile):
        try:
            profile = EnterpriseProfile.model_validate(profile)
        except ValidationError as exc:
            raise BadInput(profile_error(exc, lang=lang)) from None
    return match_report(profile, rules, as_of, include_expired=include_expired, show_all=show_all)


# --- the review queue ----------------------------------------------------------------------


@dataclass(frozen=True)
class RegistrySource:
    """Where the firms whose money is at stake come from: a registry file, or the synthetic default."""

    path: Path | None = None
    firms: int = SYNTH_FIRMS
    seed: int = SYNTH_SEED

    def key(self) -> tuple:
        if self.path is None:
            return ("synthetic", self.firms, self.seed)
        try:
            st = self.path.stat()
        except OSError:
            raise BadInput(f"{self.path}: no such registry file") from None
        return (str(self.path.resolve()), st.st_size, st.st_mtime_ns)

    def load(self, rules: list[Rule]) -> tuple[Any, dict]:
        """(registry frame, a description of it)."""
        if self.path is None:
            from zhengce.rules.synth import synth_registry

            frame = synth_registry(self.firms, rules, seed=self.seed)
            return frame, {"source": "synthetic", "firms": frame.height, "seed": self.seed}
        from zhengce.rules.screen import RegistryError, read_registry

        try:
            reg = read_registry(self.path)
        except RegistryError as exc:
            raise BadInput(str(exc)) from None
        return reg.frame, {"source": self.path.name, "firms": reg.frame.height, "rejected_rows": len(reg.rejects)}


REVIEW_FIELDS = {"status", "reviewed_by", "reviewed_at", "review_note"}


def amounts_key(rules: list[Rule]) -> str:
    """A fingerprint of everything that decides who gets how much: the rules without their review
    metadata (a rejected rule counts as absent). Approving a rule leaves it unchanged, so the money at
    stake is not screened again; a correction or a rejection changes it."""
    h = hashlib.blake2b(digest_size=12)
    for r in rules:
        data = r.model_dump(mode="json", exclude=REVIEW_FIELDS)
        h.update(json.dumps([data, r.status == "rejected"], ensure_ascii=False, sort_keys=True).encode())
    return h.hexdigest()


class StakeCache:
    """Stakes per (rules generation, registry, as-of date): screening runs once per generation.

    Generations that differ only in review metadata (an approval) share one screening."""

    def __init__(self, size: int = 4) -> None:
        self.size = size
        self._lock = threading.Lock()
        self._items: OrderedDict[tuple, tuple[dict[str, rv.Stake], dict]] = OrderedDict()
        self._content: dict[str, str] = {}  # rules stamp → amounts_key
        self.computed = 0

    def get(self, stamp: str, rules: list[Rule], source: RegistrySource, as_of: date) -> tuple[dict[str, rv.Stake], dict]:
        with self._lock:  # one screening at a time; concurrent first requests wait for it
            content = self._content.get(stamp)
            if content is None:
                if len(self._content) > 64:
                    self._content.clear()
                content = self._content[stamp] = amounts_key(rules)
            key = (content, source.key(), as_of)
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
            frame, info = source.load(rules)
            stakes = rv.compute_stakes(frame, rules, as_of)
            self.computed += 1
            self._items[key] = (stakes, info)
            while len(self._items) > self.size:
                self._items.popitem(last=False)
            return stakes, info


STAKES = StakeCache()


def _citation(rule: Rule) -> dict:
    c = rule.citation
    return {"doc_id": c.doc_id, "doc_title": c.doc_title, "path": c.path, "file": c.file, "line": c.line, "quote": c.quote}


def review_entry(rule: Rule, stake: rv.Stake | None, rank: int | None = None) -> dict:
    """One rule as the queue shows it: the machine's reading beside the quote, and what is at stake."""
    return {
        "rank": rank,
        "rule_id": rule.rule_id,
        "status": rule.status,
        "beneficiary_class": rule.beneficiary_class,
        "formula_type": rule.formula.type,
        "description": describe_rule(rule),
        "quote_segments": quote_segments(rule),
        **(stake or rv.Stake(rule.rule_id)).to_json(),
        **_citation(rule),
        "departments": rule.departments,
        "reviewed_by": rule.reviewed_by,
        "reviewed_at": rule.reviewed_at,
        "review_note": rule.review_note,
    }


def review_queue(ruleset: rv.RuleSet, *, source: RegistrySource | None = None, as_of: date | None = None,
                 limit: int | None = None, offset: int = 0, cache: StakeCache | None = None) -> dict:  # fmt: skip
    """Unreviewed rules, most money at stake first (see :func:`zhengce.rules.review.rank`)."""
    source = source or RegistrySource()
    day = as_of or date.today()
    stamp, rules = ruleset.generation()
    stakes, info = (cache or STAKES).get(stamp, rules, source, day)
    ranked = rv.rank(rules, stakes)
    page = ranked[offset : None if limit is None else offset + limit]
    return {
        "generation": stamp,
        "as_of": day.isoformat(),
        "registry": info,
        "rules": len(rules),
        "unreviewed": len(ranked),
        "offset": offset,
        "items": [review_entry(r, s, offset + i + 1) for i, (r, s) in enumerate(page)],
    }


def review_show(ruleset: rv.RuleSet, rule_id: str, *, source: RegistrySource | None = None, as_of: date | None = None,
                cache: StakeCache | None = None, with_stake: bool = True) -> dict:  # fmt: skip
    """One rule: its reading, quote, stake and queue rank (when unreviewed), full JSON and review history."""
    stamp, rules = ruleset.generation()
    rule = next((r for r in rules if r.rule_id == rule_id), None)
    if rule is None:
        raise NotFound(f"no rule {rule_id!r}")
    stake, rank, info = None, None, None
    if with_stake:
        day = as_of or date.today()
        stakes, info = (cache or STAKES).get(stamp, rules, source or RegistrySource(), day)
        stake = stakes.get(rule_id)
        rank = next((i + 1 for i, (r, _) in enumerate(rv.rank(rules, stakes)) if r.rule_id == rule_id), None)
    return {
        **review_entry(rule, stake, rank),
        "generation": stamp,
        "registry": info,
        "rule": rule.model_dump(mode="json", exclude_none=True),
        "history": rv.read_log(ruleset.folder, rule_id),
    }


def review_decide(folder: Path, rule_id: str, decision: str, reviewer: str | None, *, note: str | None = None,
                  changes: dict[str, Any] | None = None) -> dict:  # fmt: skip
    """Approve, reject or correct one rule; returns ``{"rule": …, "log": …}``."""
    try:
        rule, entry = rv.decide(folder, rule_id, decision, reviewer, note=note, changes=changes)
    except rv.RuleNotFound as exc:
        raise NotFound(str(exc)) from None
    except rv.ReviewError as exc:
        raise BadInput(str(exc)) from None
    return {"rule": rule.model_dump(mode="json", exclude_none=True), "log": entry, "description": describe_rule(rule)}
