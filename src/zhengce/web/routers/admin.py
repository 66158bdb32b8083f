"""Admin writes (need ``X-Admin-Token``): re-ingest, re-extract, and the original one-field review endpoint."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field

from zhengce import services
from zhengce.store import sqlite as store
from zhengce.web.deps import Ctx, http_error, require_token

router = APIRouter(tags=["admin"], dependencies=[Depends(require_token)])


class Review(BaseModel):
    """A person's verdict on one rule, after checking it against its quote."""

    model_config = ConfigDict(extra="forbid")
    rule_id: str = Field(max_length=200)
    status: Literal["extracted", "reviewed"]
    note: str = Field(min_length=1, max_length=2000)
    reviewer: str = Field("admin", min_length=1, max_length=100)


@router.post("/api/admin/extract")
def api_extract(ctx: Ctx) -> dict:
    """Re-run fact extraction and rebuild the search index (needs X-Admin-Token)."""
    from zhengce.ingest import reextract

    conn = store.connect(ctx.db, create=False)
    try:
        return {"facts": reextract(conn)}
    finally:
        conn.close()


@router.post("/api/admin/review")
def api_review(review: Review, ctx: Ctx) -> dict:
    """Mark one rule reviewed (or back to extracted) with a note, in its rule file (needs X-Admin-Token).

    Recorded like every review (reviewer, time, log line); see also ``POST /api/review/{rule_id}``.
    """
    decision = "approve" if review.status == "reviewed" else "reopen"
    try:
        out = services.review_decide(ctx.rules.folder, review.rule_id, decision, review.reviewer, note=review.note)
    except services.ServiceError as exc:
        raise http_error(exc) from None
    return out["rule"]


@router.post("/api/admin/ingest")
def api_ingest(ctx: Ctx) -> dict:
    """Ingest the bundled corpus (idempotent; needs X-Admin-Token)."""
    from zhengce.ingest import bundled_corpus, ingest_paths

    conn = store.connect(ctx.db, create=True)
    try:
        rep = ingest_paths(conn, [bundled_corpus()])
    finally:
        conn.close()
    return {"added": rep.added, "updated": rep.updated, "unchanged": rep.unchanged, "documents": rep.documents}
