"""What every router shares: the app's context, read-only connections, the admin token, templates."""

from __future__ import annotations

import hmac
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated

from fastapi import Depends, Header, HTTPException, Request
from fastapi.templating import Jinja2Templates
from pydantic import ValidationError

from zhengce.display import yuan
from zhengce.rules.model import Rule
from zhengce.rules.review import RuleSet
from zhengce.services import RegistrySource, ServiceError, StakeCache

HERE = Path(__file__).parent
MAX_BODY_BYTES = 64 * 1024
MAX_URL_BYTES = 16 * 1024
MAX_PAGE = 100
STATUS_ZH = {"eligible": "可享受", "needs-info": "待补充信息", "superseded": "就高不重复（未计入）", "not-eligible": "不符合"}

templates = Jinja2Templates(directory=HERE / "templates")  # autoescaping is on for every template
templates.env.filters["yuan"] = yuan
templates.env.globals["status_zh"] = STATUS_ZH
templates.env.globals["zip"] = zip


@dataclass
class WebContext:
    """One app's configuration and caches (``app.state.ctx``)."""

    db: Path
    token: str | None
    rules: RuleSet
    registry: RegistrySource
    stakes: StakeCache = field(default_factory=StakeCache)


def context(request: Request) -> WebContext:
    return request.app.state.ctx


Ctx = Annotated[WebContext, Depends(context)]


def read_conn(request: Request) -> Iterator[sqlite3.Connection]:
    """A read-only connection for one request."""
    db: Path = context(request).db
    if not db.exists():
        raise HTTPException(503, f"no database at {db}; run `zhengce ingest`")
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, check_same_thread=False)
    conn.row_factory = sqlite3.Row
    try:
        yield conn
    finally:
        conn.close()


Conn = Annotated[sqlite3.Connection, Depends(read_conn)]


def check_token(ctx: WebContext, supplied: str | None) -> None:
    """403 when admin writes are disabled (no token configured), 401 for a missing or wrong token."""
    if not ctx.token:
        raise HTTPException(403, "admin endpoints are disabled: set ZHENGCE_ADMIN_TOKEN")
    if not supplied or not hmac.compare_digest(supplied.encode(), ctx.token.encode()):
        raise HTTPException(401, "missing or wrong X-Admin-Token")


def require_token(request: Request, x_admin_token: Annotated[str | None, Header()] = None) -> None:
    check_token(context(request), x_admin_token)


def current_rules(request: Request) -> list[Rule]:
    """The rules as of this request: every worker reloads when the rules folder's stamp changed."""
    try:
        return context(request).rules.current()
    except (ValidationError, ValueError, OSError) as exc:
        raise HTTPException(503, f"the rule files cannot be read: {str(exc).splitlines()[0]}") from None


Rules = Annotated[list[Rule], Depends(current_rules)]


def http_error(exc: ServiceError) -> HTTPException:
    return HTTPException(exc.status, str(exc))
