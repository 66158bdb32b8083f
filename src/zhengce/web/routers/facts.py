"""Facts: ``GET /api/facts``, paged."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from zhengce import services
from zhengce.web.deps import MAX_PAGE, Conn, http_error

router = APIRouter()


@router.get("/api/facts", tags=["facts"])
def api_facts(
    conn: Conn,
    kind: Annotated[str | None, Query(max_length=20)] = None,
    doc: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = MAX_PAGE,
    offset: Annotated[int, Query(ge=0, le=10**7)] = 0,
) -> list[dict]:
    """Facts, as `zhengce facts --json`, one page at a time."""
    try:
        return services.list_facts(conn, kind, doc, limit, offset)
    except services.ServiceError as exc:
        raise http_error(exc) from None
