"""Chinese full-text search over clauses and their facts: jieba tokens in SQLite FTS5, ranked by BM25.

The index holds one row per structure line of every current document (its own
text, heading path and document title in three weighted columns), with the
facts found on that line for filtering: fact kinds, canonical departments and
the largest benefit amount. Snippets are cut from the original text, never
from the token stream.
"""

from __future__ import annotations

import json
import logging
import re
import sqlite3
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

import jieba

from zhengce.corpus.text import clean
from zhengce.datafiles import load_json
from zhengce.extract.departments import registry
from zhengce.store import sqlite as store

MAX_QUERY_CHARS = 200
STOP_TOKENS = {"的", "和", "与", "及", "或", "对", "在", "为", "等", "了", "是", "按", "给予", "、", "，", "。"}
WEIGHTS = (1.0, 0.4, 0.25)  # body, heading path, document title

INDEX_SCHEMA = """
CREATE VIRTUAL TABLE IF NOT EXISTS clause_fts USING fts5(body, heading, title, tokenize = 'unicode61 remove_diacritics 0');
CREATE TABLE IF NOT EXISTS clauses (
    id INTEGER PRIMARY KEY,           -- = clause_fts rowid
    document_rowid INTEGER NOT NULL,
    doc_id TEXT NOT NULL,
    node_id INTEGER NOT NULL,
    file TEXT NOT NULL,
    line INTEGER NOT NULL,
    end_line INTEGER NOT NULL,
    start_offset INTEGER NOT NULL,
    end_offset INTEGER NOT NULL,
    path TEXT NOT NULL,
    fact_kinds TEXT NOT NULL,         -- JSON list
    departments TEXT NOT NULL,        -- JSON list of canonical names
    max_amount_yuan INTEGER,
    valid_from TEXT,
    valid_until TEXT
);
"""


@lru_cache(maxsize=1)
def _tokenizer() -> jieba.Tokenizer:
    jieba.setLogLevel(logging.WARNING)
    tk = jieba.Tokenizer()
    for h in load_json("honours.json")["honours"]:
        for s in h["synonyms"]:
            tk.add_word(clean(s))
    for i in load_json("industries.json")["industries"]:
        for k in i["keywords"]:
            tk.add_word(k)
    for alias in registry().canonical_by_alias:
        tk.add_word(alias)
    for word in ("算力券", "免申即享", "告知承诺书", "容缺受理", "薪金云贷", "独立站", "海外仓", "首台套", "拒载"):
        tk.add_word(word)
    return tk


def tokens(text: str) -> list[str]:
    """Search tokens of a text: jieba's search-mode cut, lower-cased, without punctuation or stop words."""
    out = []
    for t in _tokenizer().cut_for_search(clean(text).lower()):
        t = t.strip()
        if not t or t in STOP_TOKENS or not re.search(r"\w", t):
            continue
        out.append(t.replace('"', ""))
    return out


def rebuild_index(conn: sqlite3.Connection) -> int:
    """Rebuild the whole index from current documents, nodes and facts (inside the caller's transaction)."""
    store.execute_script(conn, INDEX_SCHEMA)
    conn.execute("DELETE FROM clause_fts")
    conn.execute("DELETE FROM clauses")
    facts_by_line: dict[tuple[int, int], list[dict]] = {}
    for row in conn.execute(
        "SELECT f.document_rowid, f.line, f.end_line, f.fact_kind, f.departments, f.amount_yuan FROM facts f"
        " JOIN documents d ON d.rowid = f.document_rowid WHERE d.is_current = 1"
    ):
        for ln in range(row[1], row[2] + 1):
            facts_by_line.setdefault((row[0], ln), []).append({"kind": row[3], "departments": json.loads(row[4]), "amount": row[5]})
    docs = {
        r["rowid"]: r
        for r in conn.execute("SELECT rowid, id, title, effective, expires, file FROM documents WHERE is_current = 1")
    }
    n = 0
    paths: dict[int, str] = {}
    for node in conn.execute(
        "SELECT n.id, n.parent_id, n.document_rowid, n.kind, n.label, n.heading, n.start_offset, n.end_offset,"
        " n.start_line, n.end_line, n.text FROM nodes n JOIN documents d ON d.rowid = n.document_rowid"
        " WHERE d.is_current = 1 ORDER BY n.id"
    ).fetchall():
        nid, parent, drow, kind, label, heading = node[0], node[1], node[2], node[3], node[4], node[5]
        label_text = (label or heading or "") if kind not in ("document", "paragraph", "clause", "row", "table") else ""
        paths[nid] = " › ".join(x for x in (paths.get(parent, ""), label_text) if x)
        if kind in ("document", "table", "interpretation"):
            continue
        text = node[10]
        own = text.split("\n", 1)[0] if kind != "title" else text  # a node's own line; children are indexed on their own
        own_end = node[6] + len(own)
        facts = facts_by_line.get((drow, node[8]), [])
        doc = docs[drow]
        body = " ".join(tokens(own))
        if not body:
            continue
        cur = conn.execute(
            "INSERT INTO clause_fts(body, heading, title) VALUES (?, ?, ?)",
            (body, " ".join(tokens(paths[nid])), " ".join(tokens(doc["title"] or ""))),
        )
        amounts = [f["amount"] for f in facts if f["kind"] == "benefit" and f["amount"] is not None]
        conn.execute(
            "INSERT INTO clauses(id, document_rowid, doc_id, node_id, file, line, end_line, start_offset, end_offset, path,"
            " fact_kinds, departments, max_amount_yuan, valid_from, valid_until) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                cur.lastrowid, drow, doc["id"], nid, doc["file"], node[8], node[8] + own.count("\n"), node[6], own_end,
                paths[nid], json.dumps(sorted({f["kind"] for f in facts})),
                json.dumps(sorted({d for f in facts for d in f["departments"]}), ensure_ascii=False),
                max(amounts) if amounts else None, doc["effective"], doc["expires"],
            ),
        )  # fmt: skip
        n += 1
    return n


@dataclass
class SearchFilters:
    department: str | None = None  # any alias; matched on the canonical name
    doc_id: str | None = None
    fact_kind: str | None = None
    in_force_on: date | None = None  # documents without stated dates count as in force
    min_amount_yuan: int | None = None


@dataclass
class Hit:
    doc_id: str
    file: str
    line: int
    end_line: int
    title: str | None
    path: str
    snippet: str  # the clause with matches wrapped in 【】
    highlights: list[tuple[int, int]]  # match spans within ``text``
    text: str  # the clause's exact original text
    score: float
    fact_kinds: list[str]
    departments: list[str]
    start_offset: int
    end_offset: int

    def to_json(self) -> dict:
        return {
            "doc_id": self.doc_id, "file": self.file, "line": self.line, "end_line": self.end_line,
            "title": self.title, "path": self.path, "snippet": self.snippet, "score": round(self.score, 4),
            "fact_kinds": self.fact_kinds, "departments": self.departments,
            "start_offset": self.start_offset, "end_offset": self.end_offset,
        }  # fmt: skip


class QueryError(ValueError):
    pass


def fts_query(q: str) -> tuple[str, list[str]]:
    """An FTS5 MATCH expression (OR of quoted tokens) and the tokens, from free text."""
    if len(q) > MAX_QUERY_CHARS:
        raise QueryError(f"query is {len(q)} characters; the limit is {MAX_QUERY_CHARS}")
    toks = list(dict.fromkeys(tokens(q)))
    if not toks:
        raise QueryError("query has no searchable words")
    return " OR ".join(f'"{t}"' for t in toks), toks


def search(conn: sqlite3.Connection, q: str, *, limit: int = 10, filters: SearchFilters | None = None) -> list[Hit]:
    match, toks = fts_query(q)
    f = filters or SearchFilters()
    where, args = ["clause_fts MATCH ?"], [match]
    if f.doc_id:
        where.append("c.doc_id = ?")
        args.append(f.doc_id)
    if f.fact_kind:
        where.append("EXISTS (SELECT 1 FROM json_each(c.fact_kinds) WHERE value = ?)")
        args.append(f.fact_kind)
    if f.department:
        where.append("EXISTS (SELECT 1 FROM json_each(c.departments) WHERE value = ?)")
        args.append(registry().canonical(f.department))
    if f.min_amount_yuan is not None:
        where.append("c.max_amount_yuan >= ?")
        args.append(f.min_amount_yuan)
    if f.in_force_on is not None:
        day = f.in_force_on.isoformat()
        where.append("(c.valid_from IS NULL OR c.valid_from <= ?) AND (c.valid_until IS NULL OR c.valid_until >= ?)")
        args += [day, day]
    sql = (
        "SELECT c.*, d.title, bm25(clause_fts, ?, ?, ?) AS rank,"
        " substr(d.text, c.start_offset - d.start_offset + 1, c.end_offset - c.start_offset) AS clause_text"
        " FROM clause_fts JOIN clauses c ON c.id = clause_fts.rowid JOIN documents d ON d.rowid = c.document_rowid"
        f" WHERE {' AND '.join(where)} ORDER BY rank LIMIT ?"
    )
    rows = conn.execute(sql, [*WEIGHTS, *args, limit]).fetchall()
    hits = []
    for r in rows:
        text = r["clause_text"]
        spans = highlight_spans(text, toks)
        hits.append(
            Hit(
                r["doc_id"], r["file"], r["line"], r["end_line"], r["title"], r["path"], _snippet(text, spans), spans,
                text, -float(r["rank"]), json.loads(r["fact_kinds"]), json.loads(r["departments"]),
                r["start_offset"], r["end_offset"],
            )
        )  # fmt: skip
    return hits


def highlight_spans(text: str, toks: list[str]) -> list[tuple[int, int]]:
    """Non-overlapping spans of ``text`` where query tokens occur (longest first)."""
    spans: list[tuple[int, int]] = []
    lowered = text.lower()
    for t in sorted(set(toks), key=len, reverse=True):
        for m in re.finditer(re.escape(t), lowered):
            if not any(a < m.end() and m.start() < b for a, b in spans):
                spans.append((m.start(), m.end()))
    return sorted(spans)


def _snippet(text: str, spans: list[tuple[int, int]], width: int = 120) -> str:
    """About ``width`` characters around the first match, matches wrapped in 【】."""
    first = spans[0][0] if spans else 0
    start = max(0, min(first - width // 3, len(text) - width))
    end = min(len(text), start + width)
    out, pos = [], start
    for a, b in spans:
        if a < start or b > end:
            continue
        out += [text[pos:a], "【", text[a:b], "】"]
        pos = b
    out.append(text[pos:end])
    return ("…" if start > 0 else "") + "".join(out).replace("\n", " ") + ("…" if end < len(text) else "")
