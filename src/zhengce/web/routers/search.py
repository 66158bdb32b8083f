"""Search: ``GET /api/search`` and the search page ``/`` (检索)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from zhengce import services
from zhengce.extract.model import FACT_KINDS
from zhengce.search.index import MAX_QUERY_CHARS
from zhengce.web.deps import MAX_PAGE, Conn, http_error, templates

router = APIRouter()


@router.get("/api/search", tags=["search"])
def api_search(
    conn: Conn,
    q: Annotated[str, Query(min_length=1, max_length=MAX_QUERY_CHARS)],
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 10,
    department: Annotated[str | None, Query(max_length=60)] = None,
    doc: Annotated[str | None, Query(max_length=200)] = None,
    kind: Annotated[str | None, Query(max_length=20)] = None,
    in_force: date | None = None,
    min_amount: Annotated[int | None, Query(ge=0, le=10**13)] = None,
) -> list[dict]:
    """Hits, best first, as `zhengce search --json`."""
    try:
        hits = services.search_clauses(conn, q, limit=limit, department=department, doc=doc, kind=kind,
                                       in_force=in_force, min_amount=min_amount)  # fmt: skip
    except services.ServiceError as exc:
        raise http_error(exc) from None
    return [h.to_json() for h in hits]


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
def home(
    request: Request,
    conn: Conn,
    q: Annotated[str, Query(max_length=MAX_QUERY_CHARS)] = "",
    department: Annotated[str, Query(max_length=60)] = "",
    doc: Annotated[str, Query(max_length=200)] = "",
    kind: Annotated[str, Query(max_length=20)] = "",
    in_force: Annotated[str, Query(max_length=10)] = "",
    min_amount: Annotated[str, Query(max_length=14)] = "",
):
    hits, error = [], None
    if q.strip():
        try:
            day = date.fromisoformat(in_force) if in_force else None
            amount = int(float(min_amount) * 10_000) if min_amount else None
            hits = services.search_clauses(conn, q, limit=20, department=department, doc=doc, kind=kind,
                                           in_force=day, min_amount=amount)  # fmt: skip
        except services.ServiceError as exc:
            error = str(exc)
        except ValueError as exc:
            error = f"筛选条件有误：{exc}"
    return templates.TemplateResponse(
        request, "home.html",
        {"q": q, "hits": hits, "error": error, "docs": services.list_documents(conn), "depts": services.list_departments(conn),
         "kinds": FACT_KINDS,
         "form": {"department": department, "doc": doc, "kind": kind, "in_force": in_force, "min_amount": min_amount}},
    )  # fmt: skip
