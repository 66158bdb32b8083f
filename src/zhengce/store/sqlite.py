"""SQLite storage: files (versioned), documents and structure nodes.

All SQL is parametrised. Writers use one transaction per command, so a failed
command leaves the database exactly as it was.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from zhengce.errors import InputError

SCHEMA_VERSION = 3  # v3: documents.jurisdiction nullable (unknown), places table
DEFAULT_DB = "zhengce.db"

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS files (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,            -- file name, the key documents cite
    path TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    version INTEGER NOT NULL,      -- 1, 2, … each time the bytes change
    is_current INTEGER NOT NULL,
    encoding TEXT NOT NULL,
    ingested_at TEXT NOT NULL,
    line_count INTEGER NOT NULL,
    text TEXT NOT NULL,            -- the decoded original, never altered
    UNIQUE (name, version)
);
CREATE TABLE IF NOT EXISTS documents (
    rowid INTEGER PRIMARY KEY,
    id TEXT NOT NULL,              -- <file stem>:<ordinal>, stable across versions
    version INTEGER NOT NULL,
    is_current INTEGER NOT NULL,
    file_id INTEGER NOT NULL REFERENCES files(id),
    file TEXT NOT NULL,
    ordinal INTEGER NOT NULL,
    start_offset INTEGER NOT NULL,
    end_offset INTEGER NOT NULL,
    start_line INTEGER NOT NULL,
    end_line INTEGER NOT NULL,
    title TEXT,
    title_inferred INTEGER NOT NULL,
    issuer TEXT,
    doc_number TEXT,
    issued TEXT,
    effective TEXT,
    expires TEXT,
    effective_relative TEXT,
    validity_years INTEGER,
    validity_quote TEXT,
    jurisdiction TEXT,             -- canonical place (zhengce.places), NULL when the text does not say
    kind TEXT,
    duplicate_of TEXT,
    interpretation_line INTEGER,
    attachments TEXT NOT NULL,     -- JSON list
    notes TEXT NOT NULL,           -- JSON list
    text TEXT NOT NULL,
    UNIQUE (id, version)
);
CREATE TABLE IF NOT EXISTS nodes (
    id INTEGER PRIMARY KEY,
    document_rowid INTEGER NOT NULL REFERENCES documents(rowid),
    parent_id INTEGER REFERENCES nodes(id),
    ordinal INTEGER NOT NULL,
    depth INTEGER NOT NULL,
    kind TEXT NOT NULL,
    label TEXT NOT NULL,
    number INTEGER,
    heading TEXT NOT NULL,
    start_offset INTEGER NOT NULL,
    end_offset INTEGER NOT NULL,
    start_line INTEGER NOT NULL,
    end_line INTEGER NOT NULL,
    columns TEXT,                  -- JSON object for table rows
    text TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS facts (
    id INTEGER PRIMARY KEY,
    document_rowid INTEGER NOT NULL REFERENCES documents(rowid),
    doc_id TEXT NOT NULL,
    fact_kind TEXT NOT NULL,       -- benefit | condition | stacking | target | task | deadline | penalty
    kind TEXT,                     -- the sub-kind (fixed, rate, honour, highest_only …)
    file TEXT NOT NULL,
    line INTEGER NOT NULL,
    end_line INTEGER NOT NULL,
    start_offset INTEGER NOT NULL,
    end_offset INTEGER NOT NULL,
    quote TEXT NOT NULL,           -- exactly files.text[start_offset:end_offset]
    amount_yuan INTEGER,
    departments TEXT NOT NULL,     -- JSON list of canonical names
    data TEXT NOT NULL             -- JSON: the whole fact
);
CREATE TABLE IF NOT EXISTS places (
    name TEXT PRIMARY KEY,         -- a place not in data/places.json, given to ingest --jurisdiction
    level TEXT NOT NULL,           -- 地级市, 县级市, 区, 县, 开发区 …
    parent TEXT NOT NULL,          -- canonical name of the place it lies in
    chain TEXT NOT NULL,           -- 中国/湖北省/武汉市/… as stated
    recorded_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS facts_doc ON facts(document_rowid);
CREATE INDEX IF NOT EXISTS facts_kind ON facts(fact_kind, kind);
CREATE INDEX IF NOT EXISTS nodes_doc ON nodes(document_rowid);
CREATE INDEX IF NOT EXISTS documents_current ON documents(is_current, id);
"""


def connect(db_path: str | Path, *, create: bool = True) -> sqlite3.Connection:
    """Open (and if needed create) a zhengce database, refusing anything else."""
    path = Path(db_path)
    if not path.exists() and not create:
        raise InputError(f"{path}: no database here; run `zhengce ingest` first")
    if path.exists() and path.is_dir():
        raise InputError(f"{path}: is a directory, not a database file")
    try:
        conn = sqlite3.connect(str(path), isolation_level=None)
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA foreign_keys = ON")
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if tables and "meta" not in tables:
            raise InputError(f"{path}: a SQLite database, but not a zhengce one")
        if tables:
            row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
            if row is not None and int(row[0]) in (1, 2) and create:
                _migrate(conn)  # v1 → v2 adds the facts table; v2 → v3 a nullable jurisdiction and places
                row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
            if row is not None and int(row[0]) == 2 and not create:
                return conn  # a v2 database reads the same; the next write (ingest) migrates it
            if row is None or int(row[0]) != SCHEMA_VERSION:
                raise InputError(f"{path}: zhengce schema version {row[0] if row else '?'}, expected {SCHEMA_VERSION}")
        elif create:
            with transaction(conn):
                _create_schema(conn)
                conn.execute("INSERT INTO meta(key, value) VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
    except sqlite3.DatabaseError as exc:
        raise InputError(f"{path}: not a usable SQLite database ({exc})") from None
    return conn


def execute_script(conn: sqlite3.Connection, script: str) -> None:
    """Run DDL statement by statement, inside the caller's transaction (executescript would commit)."""
    for stmt in script.split(";"):
        if stmt.strip():
            conn.execute(stmt)


def _create_schema(conn: sqlite3.Connection) -> None:
    execute_script(conn, SCHEMA)


def _migrate(conn: sqlite3.Connection) -> None:
    conn.execute("PRAGMA foreign_keys = OFF")  # rebuilding documents must not touch the nodes and facts citing it
    try:
        with transaction(conn):
            _create_schema(conn)
            cols = conn.execute("PRAGMA table_info(documents)").fetchall()
            if any(c["name"] == "jurisdiction" and c["notnull"] for c in cols):
                _rebuild_documents(conn)
                # v2 stamped a default place on every document: the next ingest reads each one's from its text
                conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('recheck_jurisdiction', '1')")
            if conn.execute("PRAGMA foreign_key_check").fetchall():
                raise sqlite3.DatabaseError("foreign keys broken by the migration")
            conn.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(SCHEMA_VERSION),))
    finally:
        conn.execute("PRAGMA foreign_keys = ON")


def _rebuild_documents(conn: sqlite3.Connection) -> None:
    """SQLite cannot drop NOT NULL in place: copy documents into a table of the current schema."""
    create = re.search(r"CREATE TABLE IF NOT EXISTS documents \((.*?)\n\);", SCHEMA, re.S)
    assert create is not None
    conn.execute(f"CREATE TABLE documents_v3 ({create.group(1)}\n)")
    conn.execute(f"INSERT INTO documents_v3 ({', '.join(('rowid', *DOCUMENT_COLUMNS))}) "
                 f"SELECT {', '.join(('rowid', *DOCUMENT_COLUMNS))} FROM documents")  # fmt: skip
    conn.execute("DROP TABLE documents")
    conn.execute("ALTER TABLE documents_v3 RENAME TO documents")
    conn.execute("CREATE INDEX IF NOT EXISTS documents_current ON documents(is_current, id)")


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """All-or-nothing: commit on success, roll back on any exception."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    else:
        conn.execute("COMMIT")


def current_file(conn: sqlite3.Connection, name: str) -> sqlite3.Row | None:
    return conn.execute(
        "SELECT id, sha256, version FROM files WHERE name = ? AND is_current = 1", (name,)
    ).fetchone()


def insert_file(conn: sqlite3.Connection, **row: Any) -> int:
    prev = conn.execute("SELECT MAX(version) FROM files WHERE name = ?", (row["name"],)).fetchone()[0]
    version = (prev or 0) + 1
    conn.execute("UPDATE files SET is_current = 0 WHERE name = ?", (row["name"],))
    conn.execute("UPDATE documents SET is_current = 0 WHERE file = ?", (row["name"],))
    cur = conn.execute(
        "INSERT INTO files(name, path, sha256, version, is_current, encoding, ingested_at, line_count, text)"
        " VALUES (?, ?, ?, ?, 1, ?, ?, ?, ?)",
        (row["name"], row["path"], row["sha256"], version, row["encoding"], row["ingested_at"], row["line_count"], row["text"]),
    )
    return int(cur.lastrowid or 0)


DOCUMENT_COLUMNS = (
    "id", "version", "is_current", "file_id", "file", "ordinal", "start_offset", "end_offset", "start_line",
    "end_line", "title", "title_inferred", "issuer", "doc_number", "issued", "effective", "expires",
    "effective_relative", "validity_years", "validity_quote", "jurisdiction", "kind", "duplicate_of",
    "interpretation_line", "attachments", "notes", "text",
)  # fmt: skip
NODE_COLUMNS = (
    "document_rowid", "parent_id", "ordinal", "depth", "kind", "label", "number", "heading",
    "start_offset", "end_offset", "start_line", "end_line", "columns", "text",
)  # fmt: skip


def insert_document(conn: sqlite3.Connection, doc: dict[str, Any]) -> int:
    values = [json.dumps(doc[c], ensure_ascii=False) if c in ("attachments", "notes") else doc[c] for c in DOCUMENT_COLUMNS]
    cur = conn.execute(
        f"INSERT INTO documents({', '.join(DOCUMENT_COLUMNS)}) VALUES ({', '.join('?' * len(DOCUMENT_COLUMNS))})",
        values,
    )
    return int(cur.lastrowid or 0)


def insert_node(conn: sqlite3.Connection, node: dict[str, Any]) -> int:
    values = [json.dumps(node[c], ensure_ascii=False) if c == "columns" and node[c] is not None else node[c] for c in NODE_COLUMNS]
    cur = conn.execute(
        f"INSERT INTO nodes({', '.join(NODE_COLUMNS)}) VALUES ({', '.join('?' * len(NODE_COLUMNS))})", values
    )
    return int(cur.lastrowid or 0)


def list_documents(conn: sqlite3.Connection, *, all_versions: bool = False) -> list[sqlite3.Row]:
    where = "" if all_versions else "WHERE d.is_current = 1"
    return conn.execute(
        f"SELECT d.* FROM documents d {where} ORDER BY d.file, d.ordinal, d.version"  # noqa: S608 (fixed text)
    ).fetchall()


def get_document(conn: sqlite3.Connection, doc_id: str, version: int | None = None) -> sqlite3.Row | None:
    if version is None:
        return conn.execute("SELECT * FROM documents WHERE id = ? AND is_current = 1", (doc_id,)).fetchone()
    return conn.execute("SELECT * FROM documents WHERE id = ? AND version = ?", (doc_id, version)).fetchone()


def document_nodes(conn: sqlite3.Connection, document_rowid: int) -> list[sqlite3.Row]:
    return conn.execute("SELECT * FROM nodes WHERE document_rowid = ? ORDER BY id", (document_rowid,)).fetchall()


def versions_of(conn: sqlite3.Connection, doc_id: str) -> list[int]:
    return [r[0] for r in conn.execute("SELECT version FROM documents WHERE id = ? ORDER BY version", (doc_id,))]


def insert_facts(conn: sqlite3.Connection, document_rowid: int, facts: list[dict[str, Any]]) -> None:
    conn.executemany(
        "INSERT INTO facts(document_rowid, doc_id, fact_kind, kind, file, line, end_line, start_offset, end_offset,"
        " quote, amount_yuan, departments, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (
                document_rowid, f["doc_id"], f["fact_kind"], f.get("kind"), f["file"], f["line"], f["end_line"],
                f["start"], f["end"], f["quote"], f.get("amount_yuan"),
                json.dumps(f.get("departments") or [], ensure_ascii=False), json.dumps(f, ensure_ascii=False),
            )  # fmt: skip
            for f in facts
        ],
    )


def delete_current_facts(conn: sqlite3.Connection) -> int:
    cur = conn.execute("DELETE FROM facts WHERE document_rowid IN (SELECT rowid FROM documents WHERE is_current = 1)")
    return cur.rowcount


def list_facts(
    conn: sqlite3.Connection,
    *,
    fact_kind: str | None = None,
    doc_id: str | None = None,
    kind: str | None = None,
    limit: int = -1,
    offset: int = 0,
) -> list[sqlite3.Row]:
    sql = "SELECT f.* FROM facts f JOIN documents d ON d.rowid = f.document_rowid WHERE d.is_current = 1"
    args: list[Any] = []
    if fact_kind:
        sql += " AND f.fact_kind = ?"
        args.append(fact_kind)
    if kind:
        sql += " AND f.kind = ?"
        args.append(kind)
    if doc_id:
        sql += " AND f.doc_id = ?"
        args.append(doc_id)
    return conn.execute(sql + " ORDER BY f.file, f.start_offset, f.id LIMIT ? OFFSET ?", [*args, limit, offset]).fetchall()


def current_files(conn: sqlite3.Connection) -> list[sqlite3.Row]:
    return conn.execute("SELECT * FROM files WHERE is_current = 1 ORDER BY name").fetchall()


def current_documents_of(conn: sqlite3.Connection, file_id: int) -> list[sqlite3.Row]:
    return conn.execute("SELECT rowid, id, ordinal FROM documents WHERE file_id = ? ORDER BY ordinal", (file_id,)).fetchall()
