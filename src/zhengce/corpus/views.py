"""JSON shapes of documents and their trees, shared by the CLI, API and web app.

These shapes are a documented contract (README, "JSON output").
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from zhengce.store import sqlite as store

SUMMARY_FIELDS = (
    "id", "version", "file", "start_line", "end_line", "title", "title_inferred", "issuer", "doc_number",
    "issued", "effective", "expires", "effective_relative", "validity_years", "jurisdiction", "kind",
    "duplicate_of", "interpretation_line",
)  # fmt: skip


def document_summary(row: sqlite3.Row) -> dict[str, Any]:
    out = {k: row[k] for k in SUMMARY_FIELDS}
    out["title_inferred"] = bool(out["title_inferred"])
    out["attachments"] = json.loads(row["attachments"])
    return out


def document_detail(conn: sqlite3.Connection, row: sqlite3.Row) -> dict[str, Any]:
    out = document_summary(row)
    out.update(
        start_offset=row["start_offset"],
        end_offset=row["end_offset"],
        validity_quote=row["validity_quote"],
        notes=json.loads(row["notes"]),
        versions=store.versions_of(conn, row["id"]),
        tree=_tree(store.document_nodes(conn, row["rowid"])),
    )
    return out


def _tree(rows: list[sqlite3.Row]) -> dict[str, Any]:
    by_id: dict[int, dict[str, Any]] = {}
    root: dict[str, Any] = {}
    for r in rows:
        node = {
            "kind": r["kind"],
            "label": r["label"],
            "number": r["number"],
            "heading": r["heading"],
            "start_line": r["start_line"],
            "end_line": r["end_line"],
            "start_offset": r["start_offset"],
            "end_offset": r["end_offset"],
            "children": [],
        }
        if r["columns"]:
            node["columns"] = json.loads(r["columns"])
        by_id[r["id"]] = node
        node["_text"] = r["text"]
        if r["parent_id"] is None:
            root = node
        else:
            by_id[r["parent_id"]]["children"].append(node)
    for node in by_id.values():
        text = node.pop("_text")
        if not node["children"]:
            node["text"] = text  # leaves carry their exact original text
    return root
