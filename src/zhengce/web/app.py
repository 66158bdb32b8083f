"""The web app (Chinese pages, server-rendered with Jinja2) and the JSON API under /api/.

``create_app`` only assembles: configuration (:class:`~zhengce.web.deps.WebContext`), the
request limits, the error pages, and one router per concern (:mod:`zhengce.web.routers`):
documents, search, facts, the calculator, departments, admin and review. The use cases
themselves live in :mod:`zhengce.services`, shared with the CLI.

Read-only by default: every page and GET endpoint opens the database read-only. Writes (re-ingest,
re-extract, review decisions) need the token in ``ZHENGCE_ADMIN_TOKEN`` sent as ``X-Admin-Token``
(the review page's form: typed into a field); without a configured token they are disabled.
Requests are size-limited and query strings length-limited. Jinja2 autoescaping is on for every
template. Rules are reloaded by every worker as soon as the rules folder changes.
"""

from __future__ import annotations

import os
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from zhengce.rules.review import RuleSet, rules_folder
from zhengce.services import RegistrySource
from zhengce.store import sqlite as store
from zhengce.web.deps import HERE, MAX_BODY_BYTES, MAX_PAGE, MAX_URL_BYTES, WebContext, templates
from zhengce.web.limits import LimitRequests
from zhengce.web.routers import admin, calc, departments, documents, facts, review, search
from zhengce.web.routers.calc import decode_profile, encode_profile

__all__ = ["create_app", "decode_profile", "encode_profile", "MAX_BODY_BYTES", "MAX_URL_BYTES", "MAX_PAGE"]


def create_app(
    db_path: str | Path | None = None,
    *,
    admin_token: str | None = None,
    rules_path: str | Path | None = None,
    registry_path: str | Path | None = None,
) -> FastAPI:
    """The app. Each argument defaults to its environment variable: ``ZHENGCE_DB``,
    ``ZHENGCE_ADMIN_TOKEN``, ``ZHENGCE_RULES`` (else the bundled rules) and ``ZHENGCE_REGISTRY``
    (the registry whose money at stake ranks the review queue; else a synthetic one)."""
    registry = registry_path or os.environ.get("ZHENGCE_REGISTRY")
    ctx = WebContext(
        db=Path(db_path or os.environ.get("ZHENGCE_DB", store.DEFAULT_DB)),
        token=admin_token if admin_token is not None else os.environ.get("ZHENGCE_ADMIN_TOKEN"),
        rules=RuleSet(rules_folder(rules_path)),
        registry=RegistrySource(Path(registry)) if registry else RegistrySource(),
    )
    app = FastAPI(
        title="zhengce 政策引擎 API",
        description="Suzhou policy documents as structured, searchable, computable knowledge. JSON shapes match the CLI's --json.",
        version="0.1.0",
    )
    app.state.ctx = ctx
    app.state.db, app.state.token = ctx.db, ctx.token
    app.add_middleware(LimitRequests)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    for module in (documents, search, facts, calc, departments, admin, review):
        app.include_router(module.router)

    def wants_html(request: Request) -> bool:
        return not request.url.path.startswith(("/api/", "/openapi", "/docs", "/static"))

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError):
        errors = [{"loc": list(e["loc"]), "msg": e["msg"], "type": e["type"]} for e in exc.errors()]  # never echo input
        if wants_html(request):
            msg = "；".join(f"{'.'.join(str(x) for x in e['loc'][1:])}: {e['msg']}" for e in errors)
            return templates.TemplateResponse(request, "error.html", {"status": 422, "message": f"请求参数有误：{msg}"}, status_code=422)
        return JSONResponse({"detail": errors}, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        if wants_html(request):
            return templates.TemplateResponse(request, "error.html", {"status": exc.status_code, "message": exc.detail}, status_code=exc.status_code)
        return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=getattr(exc, "headers", None))

    return app
