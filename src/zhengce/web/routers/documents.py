"""Documents: ``GET /api/documents``, ``GET /api/documents/{id}`` and the document page ``/doc/{id}``."""

from __future__ import annotations

import sqlite3
from datetime import date
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse

from zhengce import services
from zhengce.store import sqlite as store
from zhengce.web.deps import Conn, http_error, templates

router = APIRouter()
FACT_CSS = {"benefit": "f-benefit", "stacking": "f-stacking", "penalty": "f-penalty", "deadline": "f-deadline",
            "task": "f-task", "target": "f-target", "condition": "f-condition"}  # fmt: skip


@router.get("/api/documents", tags=["documents"])
def api_documents(conn: Conn) -> list[dict]:
    """Documents (current versions), as `zhengce docs --json`."""
    return services.list_documents(conn)


@router.get("/api/documents/{doc_id}", tags=["documents"])
def api_document(doc_id: Annotated[str, PathParam(max_length=200)], conn: Conn) -> dict:
    """One document with its structure tree, as `zhengce show --json`."""
    try:
        return services.get_document(conn, doc_id)
    except services.ServiceError as exc:
        raise http_error(exc) from None


@router.get("/doc/{doc_id}", response_class=HTMLResponse, include_in_schema=False)
def doc_page(request: Request, doc_id: Annotated[str, PathParam(max_length=200)], conn: Conn,
             as_of: Annotated[str, Query(max_length=10)] = ""):  # fmt: skip
    row = store.get_document(conn, doc_id)
    if row is None:
        raise HTTPException(404, "没有这个文件")
    detail = services.get_document(conn, doc_id)
    try:
        day = date.fromisoformat(as_of) if as_of else date.today()
    except ValueError:
        day = date.today()
    doc_facts = services.list_facts(conn, doc=doc_id)
    lines = render_lines(row, doc_facts)
    rows = table_rows(detail["tree"])
    for ln in lines:
        if ln["no"] in rows:
            ln["row"] = rows[ln["no"]]
            ln["row_facts"] = " ".join(sorted({f for s in ln["segments"] for f in s["facts"].split() if f}))
    return templates.TemplateResponse(
        request, "doc.html",
        {"doc": detail, "badge": services.validity_badge(detail, day), "as_of": day.isoformat(), "lines": lines,
         "outline": outline(detail["tree"]), "facts_json": {str(f["id"]): f for f in doc_facts}},
    )  # fmt: skip


def table_rows(tree: dict) -> dict[int, dict]:
    """Line → {"header": […], "cells": […]} for every table row, so tables render as tables."""
    out: dict[int, dict] = {}

    def visit(node: dict) -> None:
        for c in node["children"]:
            if c["kind"] == "table":
                previous = None
                for r in c["children"]:
                    cols = r.get("columns") or {}
                    cells = list(cols.values())
                    shown = list(cells)
                    if cells and cells[0] == previous:
                        shown[0] = ""  # the forward-filled group repeats: show it once
                    previous = cells[0] if cells else None
                    out[r["start_line"]] = {"header": list(cols), "cells": shown}
            else:
                visit(c)

    visit(tree)
    return out


def outline(tree: dict) -> list[dict]:
    """Headings (no paragraphs) as a nested list for the navigable outline."""
    out = []
    for c in tree["children"]:
        if c["kind"] in ("paragraph", "clause", "row"):
            continue
        label = (c["label"] + " " + c["heading"]).strip() or {"title": "标题", "table": "表格", "interpretation": "解读"}.get(c["kind"], c["kind"])
        out.append({"label": label[:40], "line": c["start_line"], "children": outline(c)})
    return out


def render_lines(row: sqlite3.Row, facts: list[dict]) -> list[dict]:
    """The document's original lines, each cut into segments labelled with the facts covering them."""
    text, base = row["text"], row["start_offset"]
    lines, pos, line_no = [], 0, row["start_line"]
    for raw in text.split("\n"):
        start, end = base + pos, base + pos + len(raw)
        cover = [f for f in facts if f["start"] < end and f["end"] > start]
        cuts = sorted({start, end, *[max(start, f["start"]) for f in cover], *[min(end, f["end"]) for f in cover]})
        segs = []
        for a, b in zip(cuts, cuts[1:]):
            here = [f for f in cover if f["start"] <= a and f["end"] >= b]
            kinds = sorted({FACT_CSS[f["fact_kind"]] for f in here if f["fact_kind"] != "condition"})
            segs.append({"text": text[a - base : b - base], "facts": " ".join(str(f["id"]) for f in here), "css": " ".join(kinds)})
        lines.append({"no": line_no, "segments": segs})
        pos += len(raw) + 1
        line_no += 1
    return lines
