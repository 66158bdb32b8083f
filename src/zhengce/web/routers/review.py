"""The review queue (issue 8): ``/review`` pages, ``GET /api/review/queue``, ``GET|POST /api/review/{rule_id}``.

Reading needs no token; every decision does (``X-Admin-Token`` for the API, a typed-in
password field for the page's form, never a token in a URL).
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal
from urllib.parse import parse_qs, quote

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from zhengce import services
from zhengce.rules.model import Rule
from zhengce.rules.review import LOCKED_FIELDS, ReviewError, parse_assignment
from zhengce.web.deps import MAX_PAGE, Ctx, WebContext, check_token, current_rules, http_error, require_token, templates

router = APIRouter()
DECISION_ZH = {"approve": "通过", "reject": "驳回", "correct": "更正", "reopen": "退回待复核"}
STATUS_ZH = {"reviewed": "已复核", "rejected": "已驳回", "extracted": "待复核"}
CORRECTABLE = [f for f in Rule.model_fields if f not in LOCKED_FIELDS]


class ReviewDecision(BaseModel):
    """One reviewer's decision on one rule."""

    model_config = ConfigDict(extra="forbid")
    decision: Literal["approve", "reject", "correct"]
    reviewer: str = Field(min_length=1, max_length=100)
    note: str | None = Field(None, max_length=2000)
    changes: dict[str, Any] | None = Field(
        None, description="correct only: field path → new JSON value, e.g. {\"formula.amount\": 5000000, \"period\": \"one_off\"}"
    )


def _queue(ctx: WebContext, request: Request, **kw) -> dict:
    current_rules(request)  # 503 for unreadable rule files, before screening
    try:
        return services.review_queue(ctx.rules, source=ctx.registry, cache=ctx.stakes, **kw)
    except services.ServiceError as exc:
        raise http_error(exc) from None


def _show(ctx: WebContext, request: Request, rule_id: str) -> dict:
    current_rules(request)
    try:
        return services.review_show(ctx.rules, rule_id, source=ctx.registry, cache=ctx.stakes)
    except services.ServiceError as exc:
        raise http_error(exc) from None


# --- JSON API ------------------------------------------------------------------------------


@router.get("/api/review/queue", tags=["review"])
def api_queue(
    request: Request,
    ctx: Ctx,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
    offset: Annotated[int, Query(ge=0, le=10**6)] = 0,
) -> dict:
    """Unreviewed rules, most money at stake across the registry (screened as of today) first, each read back in
    plain Chinese. The stake is computed once per rules generation."""
    return _queue(ctx, request, limit=limit, offset=offset)


@router.get("/api/review/{rule_id:path}", tags=["review"])
def api_show(request: Request, ctx: Ctx, rule_id: Annotated[str, PathParam(max_length=200)]) -> dict:
    """One rule: reading, quote, stake, full JSON and its review history."""
    return _show(ctx, request, rule_id)


@router.post("/api/review/{rule_id:path}", tags=["review"], dependencies=[Depends(require_token)])
def api_decide(ctx: Ctx, rule_id: Annotated[str, PathParam(max_length=200)], body: ReviewDecision) -> dict:
    """Approve, reject or correct one rule (needs X-Admin-Token); returns the rule as written and the log line."""
    try:
        return services.review_decide(ctx.rules.folder, rule_id, body.decision, body.reviewer, note=body.note, changes=body.changes)
    except services.ServiceError as exc:
        raise http_error(exc) from None


# --- pages ---------------------------------------------------------------------------------


@router.get("/review", response_class=HTMLResponse, include_in_schema=False)
def queue_page(
    request: Request,
    ctx: Ctx,
    offset: Annotated[int, Query(ge=0, le=10**6)] = 0,
    done: Annotated[str, Query(max_length=200)] = "",
):
    q = _queue(ctx, request, limit=MAX_PAGE, offset=offset)
    message = None
    if done:  # said from the rule file, not from the URL: a crafted link cannot claim a decision
        r = next((r for r in ctx.rules.current() if r.rule_id == done and r.reviewed_by), None)
        if r is not None:
            message = f"已记录：{r.rule_id} {STATUS_ZH.get(r.status, r.status)}（{r.reviewed_by}，{r.reviewed_at}）"
    return templates.TemplateResponse(request, "review.html", {"q": q, "message": message, "page": MAX_PAGE})


@router.get("/review/{rule_id:path}", response_class=HTMLResponse, include_in_schema=False)
def rule_page(request: Request, ctx: Ctx, rule_id: Annotated[str, PathParam(max_length=200)]):
    item = _show(ctx, request, rule_id)
    return _rule_page(request, item, ctx)


def _rule_page(request: Request, item: dict, ctx: WebContext, *, error: str | None = None, form: dict | None = None,
               status_code: int = 200):  # fmt: skip
    return templates.TemplateResponse(
        request, "review_rule.html",
        {"r": item, "error": error, "form": form or {}, "fields": CORRECTABLE, "decision_zh": DECISION_ZH, "status_names": STATUS_ZH,
         "rule_json": json.dumps(item["rule"], ensure_ascii=False, indent=1), "writable": bool(ctx.token)},
        status_code=status_code,
    )  # fmt: skip


@router.post("/review/{rule_id:path}", response_class=HTMLResponse, include_in_schema=False)
async def decide_form(request: Request, ctx: Ctx, rule_id: Annotated[str, PathParam(max_length=200)]):
    """The page's form: decision, reviewer, note, corrections (one field=value a line) and the token."""
    raw = (await request.body()).decode("utf-8", errors="replace")
    try:
        fields = {k: v[0] for k, v in parse_qs(raw, keep_blank_values=True, max_num_fields=20).items()}
    except ValueError:
        raise HTTPException(422, "表单字段过多") from None
    try:
        check_token(ctx, fields.get("token"))
    except HTTPException as exc:  # the same checks as X-Admin-Token, said for a person at a form
        words = {403: "服务器未设置 ZHENGCE_ADMIN_TOKEN，复核结论无法保存", 401: "管理口令缺失或错误，复核结论未保存"}
        raise HTTPException(exc.status_code, words.get(exc.status_code, exc.detail)) from None
    form = {k: fields.get(k, "")[:2000] for k in ("decision", "reviewer", "note", "changes")}
    error = None
    changes: dict[str, Any] = {}
    try:
        for line in form["changes"].splitlines():
            if line.strip():
                key, value = parse_assignment(line.strip())
                changes[key] = value
    except ReviewError as exc:
        error = str(exc)
    decision = form["decision"] if form["decision"] in ("approve", "reject", "correct") else ""
    if not decision:
        error = "请选择通过、更正或驳回"
    elif decision != "correct" and changes:
        error = "填写了更正内容：请点“保存更正”，或清空更正内容后再通过/驳回"
    if error is None:
        try:
            await run_in_threadpool(services.review_decide, ctx.rules.folder, rule_id, decision, form["reviewer"],
                                    note=form["note"] or None, changes=changes or None)  # fmt: skip
        except services.NotFound as exc:
            raise HTTPException(404, str(exc)) from None
        except services.ServiceError as exc:
            error = str(exc)
    if error is not None:
        item = await run_in_threadpool(_show, ctx, request, rule_id)
        return _rule_page(request, item, ctx, error=error, form=form, status_code=422)
    return RedirectResponse(f"/review?done={quote(rule_id, safe='')}", status_code=303)
