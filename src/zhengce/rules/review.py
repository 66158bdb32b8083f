"""The review queue: where a person is still needed, and what they decided.

- **Stake.** Unreviewed rules are ranked by the money they decide across a registry: the
  registry is screened with the current rules and each rule's eligible ``amount_max_yuan`` is
  summed, with the number of eligible and needs-info firms. Rules whose amount is unknown
  (一事一议, 按相关政策, open-ended) come after every rule with a known stake, ranked by the number
  of firms they reach (eligible + needs-info).
- **Decisions.** ``approve``, ``reject`` or ``correct`` (any rule field, validated by the
  :class:`~zhengce.rules.model.Rule` model; an invalid correction changes nothing). Each is
  recorded on the rule (``status``, ``reviewed_by``, ``reviewed_at``, ``review_note``) and as one
  line of an append-only log beside the rules folder (``reviews.jsonl``:
  ``{rule_id, decision, reviewer, at, changes, note}``). The rule file is rewritten atomically
  (:func:`~zhengce.rules.model.write_rule_file`), under an exclusive lock on the rules folder, so
  concurrent reviews, in threads or in processes, never lose each other's changes.
- **Generation.** :func:`rules_stamp` is a cheap fingerprint of the rules folder (name, size,
  mtime and inode of every rule file); :class:`RuleSet` reloads the rules whenever it changes,
  so every server worker sees a review on its next request.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import threading
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import ValidationError

from zhengce.rules.model import Rule, RuleFile, load_rules, offered_to_enterprises, rule_file_name, rules_dir, write_rule_file

try:  # POSIX: lock across processes
    import fcntl
except ImportError:  # pragma: no cover - Windows: one process only
    fcntl = None  # type: ignore[assignment]

Decision = Literal["approve", "reject", "correct", "reopen"]
DECISIONS: tuple[str, ...] = ("approve", "reject", "correct", "reopen")
STATUS_AFTER = {"approve": "reviewed", "correct": "reviewed", "reject": "rejected", "reopen": "extracted"}
LOCKED_FIELDS = ("rule_id", "status", "reviewed_by", "reviewed_at", "review_note")  # set by the decision itself
LOG_NAME = "reviews.jsonl"
MAX_REVIEWER = 100
MAX_NOTE = 2000


class ReviewError(ValueError):
    """A decision that cannot be recorded (one line, safe to show)."""


class RuleNotFound(LookupError):
    """No rule with that id in the rules folder."""


def rules_folder(folder: str | Path | None = None) -> Path:
    """The rules folder: ``folder``, else ``ZHENGCE_RULES``, else the bundled rules."""
    return Path(folder or os.environ.get("ZHENGCE_RULES") or rules_dir())


def log_path(folder: Path) -> Path:
    """The append-only review log beside the rules folder (``data/reviews.jsonl`` for the bundled rules)."""
    return folder.parent / LOG_NAME


# --- generation stamp and reloading ---------------------------------------------------------


def rules_stamp(folder: Path) -> str:
    """A fingerprint of the rule files: changes whenever a file is written, added, renamed or removed.

    One ``scandir`` and one ``stat`` per file (tens of microseconds for the bundled rules), so a
    server can afford it on every request. A rewrite by :func:`write_rule_file` renames a new
    file into place, which changes the inode even when size and mtime happen to match.
    """
    h = hashlib.blake2b(digest_size=10)
    try:
        entries = sorted((e for e in os.scandir(folder) if e.name.endswith(".json")), key=lambda e: e.name)
    except FileNotFoundError:
        return "missing"
    for e in entries:
        try:
            st = e.stat()
        except FileNotFoundError:  # removed while we looked: the next call sees the new state
            continue
        h.update(f"{e.name}\0{st.st_size}\0{st.st_mtime_ns}\0{st.st_ino}\n".encode())
    return f"{len(entries)}-{h.hexdigest()}"


class RuleSet:
    """The rules of one folder, reloaded when the folder's stamp changes (cheap to call per request)."""

    def __init__(self, folder: str | Path | None = None) -> None:
        self.folder = rules_folder(folder)
        self._lock = threading.Lock()
        self._loaded: tuple[str, list[Rule]] | None = None  # (stamp, rules), swapped in one assignment
        self.reloads = 0
        self.current()  # a bad rules folder fails now, not on the first request

    @property
    def stamp(self) -> str | None:
        """The generation of the rules last loaded."""
        return self._loaded[0] if self._loaded else None

    def current(self) -> list[Rule]:
        """The current rules: reloaded first when a rule file changed since the last load."""
        return self.generation()[1]

    def generation(self) -> tuple[str, list[Rule]]:
        """(stamp, rules) of one consistent load, reloading first when the folder changed."""
        stamp = rules_stamp(self.folder)
        loaded = self._loaded
        if loaded is not None and loaded[0] == stamp:
            return loaded
        with self._lock:
            for _ in range(5):  # a write landing while we read: read again
                loaded = self._loaded
                if loaded is not None and loaded[0] == stamp:
                    break
                rules = load_rules(self.folder)
                self._loaded = loaded = (stamp, rules)
                self.reloads += 1
                after = rules_stamp(self.folder)
                if after == stamp:
                    break
                stamp = after
            return loaded


# --- the lock and the log ----------------------------------------------------------------

_thread_lock = threading.Lock()


@contextlib.contextmanager
def folder_lock(folder: Path) -> Iterator[None]:
    """Exclusive across threads (a process lock) and processes (``flock`` on the folder itself)."""
    with _thread_lock:
        if fcntl is None:  # pragma: no cover
            yield
            return
        fd = os.open(folder, os.O_RDONLY)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # releases the lock


def read_log(folder: Path, rule_id: str | None = None) -> list[dict[str, Any]]:
    """Every recorded decision (of one rule), oldest first."""
    path = log_path(folder)
    if not path.exists():
        return []
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        try:
            entry = json.loads(line)
        except json.JSONDecodeError:
            continue  # a torn last line after a crash: skip it, never fail the reader
        if rule_id is None or entry.get("rule_id") == rule_id:
            out.append(entry)
    return out


def _append_log(folder: Path, entry: dict[str, Any]) -> None:
    line = json.dumps(entry, ensure_ascii=False, separators=(",", ":")) + "\n"
    fd = os.open(log_path(folder), os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, line.encode("utf-8"))
        os.fsync(fd)
    finally:
        os.close(fd)


# --- decisions ----------------------------------------------------------------------------


def one_line(exc: ValidationError) -> str:
    """A pydantic error as one line naming the field, never echoing the input."""
    e = exc.errors()[0]
    loc = ".".join(str(x) for x in e["loc"])
    more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
    return f"invalid correction: {loc}: {e['msg']}{more}"


def parse_assignment(text: str) -> tuple[str, Any]:
    """``field=value`` from the command line: the value is JSON when it parses, else a string."""
    field, sep, raw = text.partition("=")
    field = field.strip()
    if not sep or not field:
        raise ReviewError(f"--set {text!r}: write field=value (e.g. formula.amount=5000000)")
    try:
        value = json.loads(raw)
    except json.JSONDecodeError:
        value = raw
    return field, value


def _set_path(data: dict[str, Any], path: str, value: Any) -> Any:
    """Set ``a.b.0.c`` in a rule's JSON; returns the old value."""
    keys = path.split(".")
    if keys[0] not in Rule.model_fields:
        raise ReviewError(f"unknown rule field {keys[0]!r}")
    if keys[0] in LOCKED_FIELDS:
        raise ReviewError(f"{keys[0]!r} is set by the decision itself and cannot be corrected")
    cur: Any = data
    for k in keys[:-1]:
        if isinstance(cur, list):
            if not k.isdigit() or int(k) >= len(cur):
                raise ReviewError(f"{path}: no item {k!r} in that list")
            cur = cur[int(k)]
        elif isinstance(cur, dict) and isinstance(cur.get(k), dict | list):
            cur = cur[k]
        else:
            raise ReviewError(f"{path}: {k!r} is not an object or list in this rule")
    last = keys[-1]
    if isinstance(cur, list):
        if not last.isdigit() or int(last) >= len(cur):
            raise ReviewError(f"{path}: no item {last!r} in that list")
        old, cur[int(last)] = cur[int(last)], value
        return old
    old = cur.get(last)
    cur[last] = value
    return old


def _locate(folder: Path, rule_id: str) -> tuple[RuleFile, int]:
    doc_id = rule_id.split("/", 1)[0]
    path = folder / rule_file_name(doc_id)
    if "/" not in rule_id or not path.is_file() or path.parent != folder:
        raise RuleNotFound(f"no rule {rule_id!r}")
    rf = RuleFile.model_validate_json(path.read_text(encoding="utf-8"))
    for i, r in enumerate(rf.rules):
        if r.rule_id == rule_id:
            return rf, i
    raise RuleNotFound(f"no rule {rule_id!r}")


def find_rule(folder: Path, rule_id: str) -> Rule:
    rf, i = _locate(folder, rule_id)
    return rf.rules[i]


def check_reviewer(reviewer: str | None) -> str:
    name = " ".join((reviewer or "").split())
    if not name:
        raise ReviewError("a decision needs the reviewer's name")
    if len(name) > MAX_REVIEWER:
        raise ReviewError(f"reviewer name longer than {MAX_REVIEWER} characters")
    return name


def now_iso() -> str:
    return datetime.now().astimezone().isoformat(timespec="seconds")


def decide(
    folder: Path,
    rule_id: str,
    decision: str,
    reviewer: str | None,
    *,
    note: str | None = None,
    changes: dict[str, Any] | None = None,
    at: str | None = None,
) -> tuple[Rule, dict[str, Any]]:
    """Record one decision on one rule: (the rule as written, the log entry).

    ``changes`` (for ``correct``) maps field paths (``period``, ``formula.amount``,
    ``conditions.0.levels``) to new JSON values. The corrected rule must validate; otherwise
    :class:`ReviewError` is raised and nothing is written.
    """
    if decision not in DECISIONS:
        raise ReviewError(f"unknown decision {decision!r}; one of approve, reject, correct")
    who = check_reviewer(reviewer)
    note = (note or "").strip() or None
    if note is not None and len(note) > MAX_NOTE:
        raise ReviewError(f"note longer than {MAX_NOTE} characters")
    if decision == "correct" and not changes:
        raise ReviewError("a correction needs at least one field=value")
    if decision != "correct" and changes:
        raise ReviewError(f"{decision} takes no field changes; use correct")
    when = at or now_iso()
    with folder_lock(folder):
        rf, i = _locate(folder, rule_id)  # read under the lock: the latest file, never a stale copy
        old = rf.rules[i]
        data = old.model_dump(mode="json")
        diff: dict[str, dict[str, Any]] = {}
        for path, value in (changes or {}).items():
            before = _set_path(data, path, value)
            diff[path] = {"from": before, "to": value}
        data.update(status=STATUS_AFTER[decision], reviewed_by=who, reviewed_at=when)
        data["review_note"] = note or (("更正：" + "、".join(diff)) if diff else None)
        try:
            new = Rule.model_validate(data)
        except ValidationError as exc:
            raise ReviewError(one_line(exc)) from None
        rules = list(rf.rules)
        rules[i] = new
        write_rule_file(folder, RuleFile(doc_id=rf.doc_id, doc_title=rf.doc_title, rules=rules))
        entry = {"rule_id": rule_id, "decision": decision, "reviewer": who, "at": when, "changes": diff, "note": note}
        _append_log(folder, entry)
    return new, entry


# --- money at stake -------------------------------------------------------------------------


@dataclass
class Stake:
    rule_id: str
    stake_yuan: int = 0  # Σ eligible amount_max_yuan over the registry
    eligible_firms: int = 0
    needs_info_firms: int = 0
    superseded_firms: int = 0
    open_amount_firms: int = 0  # eligible firms whose amount is unknown or open-ended

    @property
    def reach(self) -> int:
        return self.eligible_firms + self.needs_info_firms

    @property
    def amount_known(self) -> bool:
        return self.stake_yuan > 0

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "reach_firms": self.reach, "amount_known": self.amount_known}


def compute_stakes(frame: Any, rules: list[Rule], as_of: date, chunk_rows: int = 250_000) -> dict[str, Stake]:
    """Screen a registry frame with the rules and add up, per rule, what it would pay and to how many firms."""
    import polars as pl

    from zhengce.rules.screen import screen_frame

    stakes = {r.rule_id: Stake(r.rule_id) for r in rules}
    offered = [r for r in rules if offered_to_enterprises(r)]  # rules for governments, banks…: no firm's money
    parts = []
    for start in range(0, max(frame.height, 1) if offered else 0, chunk_rows):
        res = screen_frame(frame.slice(start, chunk_rows), offered, as_of)
        if res.height:
            parts.append(
                res.group_by("rule_id").agg(
                    pl.when(pl.col("status") == "eligible").then(pl.col("amount_max_yuan")).sum().alias("stake"),
                    (pl.col("status") == "eligible").sum().alias("eligible"),
                    (pl.col("status") == "needs-info").sum().alias("needs_info"),
                    (pl.col("status") == "superseded").sum().alias("superseded"),
                    ((pl.col("status") == "eligible") & pl.col("amount_max_yuan").is_null()).sum().alias("open"),
                )
            )
    if parts:
        total = pl.concat(parts).group_by("rule_id").sum()
        for row in total.iter_rows(named=True):
            s = stakes.get(row["rule_id"])
            if s is None:
                continue
            s.stake_yuan = int(row["stake"] or 0)
            s.eligible_firms, s.needs_info_firms = int(row["eligible"]), int(row["needs_info"])
            s.superseded_firms, s.open_amount_firms = int(row["superseded"]), int(row["open"])
    return stakes


def rank(rules: list[Rule], stakes: dict[str, Stake]) -> list[tuple[Rule, Stake]]:
    """Unreviewed (``extracted``) rules, most at stake first.

    Rules with a known stake, by stake (then reach); then rules whose amount is unknown, by the
    number of firms they reach; then rules that reach no firm (expired, not for enterprises), in
    rule order.
    """
    order = {r.rule_id: i for i, r in enumerate(rules)}
    pending = [(r, stakes.get(r.rule_id) or Stake(r.rule_id)) for r in rules if r.status == "extracted"]

    def key(item: tuple[Rule, Stake]) -> tuple:
        r, s = item
        if s.stake_yuan > 0:
            return (0, -s.stake_yuan, -s.reach, order[r.rule_id])
        if s.reach > 0:
            return (1, -s.reach, 0, order[r.rule_id])
        return (2, 0, 0, order[r.rule_id])

    return sorted(pending, key=key)
