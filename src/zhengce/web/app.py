"""The web app (Chinese pages, server-rendered with Jinja2) and the JSON API under /api/.

Read-only by default: every page and GET endpoint opens the database
read-only. The admin endpoints (re-ingest the bundled corpus, re-extract)
need the token in ``ZHENGCE_ADMIN_TOKEN`` sent as ``X-Admin-Token``; without a
configured token they are disabled. Requests are size-limited and query
strings length-limited. Jinja2 autoescaping is on for every template.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import os
import sqlite3
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Header, HTTPException, Query, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.middleware.base import BaseHTTPMiddleware

from zhengce.corpus.views import document_detail, document_summary
from zhengce.display import yuan
from zhengce.extract.departments import registry
from zhengce.extract.model import FACT_KINDS, check_fact_kind
from zhengce.rules.engine import match_report
from zhengce.rules.model import RuleFile, load_rules, rule_file_name, rules_dir, write_rule_file
from zhengce.rules.profile import LEVELS, SPEND_FIELDS, SUZHOU_AREAS, EnterpriseProfile, honour_names, industry_names, profile_error
from zhengce.search.index import MAX_QUERY_CHARS, QueryError, SearchFilters, search
from zhengce.store import sqlite as store

HERE = Path(__file__).parent
MAX_BODY_BYTES = 64 * 1024
MAX_URL_BYTES = 16 * 1024
MAX_PAGE = 100
FACT_CSS = {"benefit": "f-benefit", "stacking": "f-stacking", "penalty": "f-penalty", "deadline": "f-deadline",
            "task": "f-task", "target": "f-target", "condition": "f-condition"}  # fmt: skip
STATUS_ZH = {"eligible": "可享受", "needs-info": "待补充信息", "superseded": "就高不重复（未计入）", "not-eligible": "不符合"}


class LimitRequests(BaseHTTPMiddleware):
    """Refuse oversized bodies and URLs before any handler runs."""

    async def dispatch(self, request: Request, call_next):
        if len(str(request.url)) > MAX_URL_BYTES:
            return JSONResponse({"detail": f"URL longer than {MAX_URL_BYTES} bytes"}, status_code=414)
        length = request.headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > MAX_BODY_BYTES):
            return JSONResponse({"detail": f"request body larger than {MAX_BODY_BYTES} bytes"}, status_code=413)
        if request.method in ("POST", "PUT", "PATCH") and length is None:
            body = await request.body()
            if len(body) > MAX_BODY_BYTES:
                return JSONResponse({"detail": f"request body larger than {MAX_BODY_BYTES} bytes"}, status_code=413)
        return await call_next(request)


def encode_profile(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()).decode().rstrip("=")


def decode_profile(token: str) -> dict:
    raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    data = json.loads(raw.decode("utf-8"))
    if not isinstance(data, dict):
        raise ValueError("a profile is a JSON object")
    return data


def read_conn(request: Request) -> Iterator[sqlite3.Connection]:
    """A read-only connection for one request."""
    db: Path = request.app.state.db
    if not db.exists():
        raise HTTPException(503, f"no database at {db}; run `zhengce ingest`")
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, check_same_thread=False)
    conn.row_factory = sqlite3.Row
    try:
        yield conn
    finally:
        conn.close()


Conn = Annotated[sqlite3.Connection, Depends(read_conn)]


def require_token(request: Request, x_admin_token: Annotated[str | None, Header()] = None) -> None:
    token = request.app.state.token
    if not token:
        raise HTTPException(403, "admin endpoints are disabled: set ZHENGCE_ADMIN_TOKEN")
    if not x_admin_token or not hmac.compare_digest(x_admin_token.encode(), token.encode()):
        raise HTTPException(401, "missing or wrong X-Admin-Token")


class Review(BaseModel):
    """A person's verdict on one rule, after checking it against its quote."""

    model_config = ConfigDict(extra="forbid")
    rule_id: str = Field(max_length=200)
    status: Literal["extracted", "reviewed"]
    note: str = Field(min_length=1, max_length=2000)


def create_app(
    db_path: str | Path | None = None, *, admin_token: str | None = None, rules_path: str | Path | None = None
) -> FastAPI:
    db = Path(db_path or os.environ.get("ZHENGCE_DB", store.DEFAULT_DB))
    rules_folder = Path(rules_path or os.environ.get("ZHENGCE_RULES") or rules_dir())
    token = admin_token if admin_token is not None else os.environ.get("ZHENGCE_ADMIN_TOKEN")
    app = FastAPI(
        title="zhengce 政策引擎 API",
        description="Suzhou policy documents as structured, searchable, computable knowledge. JSON shapes match the CLI's --json.",
        version="0.1.0",
    )
    app.add_middleware(LimitRequests)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    templates = Jinja2Templates(directory=HERE / "templates")
    templates.env.filters["yuan"] = yuan
    templates.env.globals["status_zh"] = STATUS_ZH
    templates.env.globals["zip"] = zip
    rules = load_rules(rules_folder)

    app.state.db, app.state.token = db, token

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

    # ---- shared queries ---------------------------------------------------------------

    def documents(conn: sqlite3.Connection) -> list[dict]:
        return [document_summary(r) for r in store.list_documents(conn)]

    def facts(conn: sqlite3.Connection, kind: str | None = None, doc: str | None = None, limit: int = -1, offset: int = 0) -> list[dict]:
        rows = store.list_facts(conn, fact_kind=kind, doc_id=doc, limit=limit, offset=offset)
        return [{"id": r["id"], **json.loads(r["data"])} for r in rows]

    def departments(conn: sqlite3.Connection) -> list[dict]:
        counts: dict[str, dict[str, int]] = {}
        for r in conn.execute(
            "SELECT f.fact_kind, j.value FROM facts f JOIN documents d ON d.rowid = f.document_rowid,"
            " json_each(f.departments) j WHERE d.is_current = 1 AND f.fact_kind IN ('benefit', 'task')"
        ):
            counts.setdefault(r[1], {"benefit": 0, "task": 0})[r[0]] += 1
        return [{"name": k, "benefits": v["benefit"], "tasks": v["task"]} for k, v in sorted(counts.items(), key=lambda kv: -sum(kv[1].values()))]

    def department_detail(conn: sqlite3.Connection, name: str) -> dict:
        canonical = registry().canonical(name)
        rows = conn.execute(
            "SELECT f.id, f.data FROM facts f JOIN documents d ON d.rowid = f.document_rowid"
            " WHERE d.is_current = 1 AND f.fact_kind IN ('benefit', 'task')"
            " AND EXISTS (SELECT 1 FROM json_each(f.departments) WHERE value = ?) ORDER BY f.file, f.start_offset",
            (canonical,),
        ).fetchall()
        items = [{"id": r[0], **json.loads(r[1])} for r in rows]
        lead_docs = {f["doc_id"] for f in items if f["fact_kind"] == "task" and canonical in f.get("lead_departments", [])}
        targets = [f for d in sorted(lead_docs) for f in facts(conn, "target", d)]
        return {
            "name": canonical,
            "benefits": [f for f in items if f["fact_kind"] == "benefit"],
            "tasks": [f for f in items if f["fact_kind"] == "task"],
            "targets": targets,  # targets of the plans in which this department leads a task
        }

    def fact_kind(kind: str | None) -> str | None:
        try:
            return check_fact_kind(kind)
        except ValueError as exc:
            raise HTTPException(422, str(exc)) from None

    def run_search(conn, q, limit, department, doc, kind, in_force, min_amount):
        kind = fact_kind(kind)
        filters = SearchFilters(department or None, doc or None, kind or None, in_force, min_amount)
        try:
            return search(conn, q, limit=limit, filters=filters)
        except QueryError as exc:
            raise HTTPException(422, str(exc)) from None
        except sqlite3.OperationalError:
            raise HTTPException(503, "no search index in this database; run `zhengce extract`") from None

    def validity(doc: dict, day: date) -> str:
        if doc["expires"] and doc["expires"] < day.isoformat():
            return "已失效"
        if doc["effective"] and doc["effective"] > day.isoformat():
            return "未施行"
        if doc["expires"] or doc["effective"]:
            return "现行有效"
        return "未知"

    # ---- JSON API ------------------------------------------------------------------------

    @app.get("/api/documents", tags=["documents"])
    def api_documents(conn: Conn) -> list[dict]:
        """Documents (current versions), as `zhengce docs --json`."""
        return documents(conn)

    @app.get("/api/documents/{doc_id}", tags=["documents"])
    def api_document(doc_id: Annotated[str, PathParam(max_length=200)], conn: Conn) -> dict:
        """One document with its structure tree, as `zhengce show --json`."""
        row = store.get_document(conn, doc_id)
        if row is None:
            raise HTTPException(404, f"no document {doc_id!r}")
        return document_detail(conn, row)

    @app.get("/api/search", tags=["search"])
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
        return [h.to_json() for h in run_search(conn, q, limit, department, doc, kind, in_force, min_amount)]

    @app.get("/api/facts", tags=["facts"])
    def api_facts(
        conn: Conn,
        kind: Annotated[str | None, Query(max_length=20)] = None,
        doc: Annotated[str | None, Query(max_length=200)] = None,
        limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = MAX_PAGE,
        offset: Annotated[int, Query(ge=0, le=10**7)] = 0,
    ) -> list[dict]:
        """Facts, as `zhengce facts --json`, one page at a time."""
        return facts(conn, fact_kind(kind), doc, limit, offset)

    @app.post("/api/match", tags=["rules"])
    def api_match(
        profile: dict[str, Any],
        as_of: date | None = None,
        include_expired: bool = False,
        show_all: bool = False,
    ) -> dict:
        """The policy calculator for one enterprise profile, as `zhengce match --json`."""
        try:
            prof = EnterpriseProfile.model_validate(profile)
        except ValidationError as exc:
            raise HTTPException(422, profile_error(exc)) from None
        return match_report(prof, rules, as_of or date.today(), include_expired=include_expired, show_all=show_all)

    @app.get("/api/departments", tags=["departments"])
    def api_departments(conn: Conn) -> list[dict]:
        """Canonical departments with their benefit and task counts."""
        return departments(conn)

    @app.get("/api/departments/{name}", tags=["departments"])
    def api_department(name: Annotated[str, PathParam(max_length=60)], conn: Conn) -> dict:
        """One department's benefit clauses, tasks and targets (any alias finds the canonical name)."""
        return department_detail(conn, name)

    @app.post("/api/admin/extract", tags=["admin"], dependencies=[Depends(require_token)])
    def api_extract() -> dict:
        """Re-run fact extraction and rebuild the search index (needs X-Admin-Token)."""
        from zhengce.corpus.ingest import reextract

        conn = store.connect(db, create=False)
        try:
            return {"facts": reextract(conn)}
        finally:
            conn.close()

    @app.post("/api/admin/review", tags=["admin"], dependencies=[Depends(require_token)])
    def api_review(review: Review) -> dict:
        """Mark one rule reviewed (or back to extracted) with a note, in its rule file (needs X-Admin-Token)."""
        doc_id = review.rule_id.split("/", 1)[0]
        path = rules_folder / rule_file_name(doc_id)
        if not path.exists():
            raise HTTPException(404, f"no rule file for {doc_id!r}")
        rf = RuleFile.model_validate_json(path.read_text(encoding="utf-8"))
        rule = next((r for r in rf.rules if r.rule_id == review.rule_id), None)
        if rule is None:
            raise HTTPException(404, f"no rule {review.rule_id!r}")
        rule.status, rule.review_note = review.status, review.note
        write_rule_file(rules_folder, rf)
        rules[:] = load_rules(rules_folder)
        return rule.model_dump(mode="json", exclude_none=True)

    @app.post("/api/admin/ingest", tags=["admin"], dependencies=[Depends(require_token)])
    def api_ingest() -> dict:
        """Ingest the bundled corpus (idempotent; needs X-Admin-Token)."""
        from zhengce.corpus.ingest import bundled_corpus, ingest_paths

        conn = store.connect(db, create=True)
        try:
            rep = ingest_paths(conn, [bundled_corpus()])
        finally:
            conn.close()
        return {"added": rep.added, "updated": rep.updated, "unchanged": rep.unchanged, "documents": rep.documents}

    # ---- pages ---------------------------------------------------------------------------

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
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
                hits = run_search(conn, q, 20, department, doc, kind, day, amount)
            except (ValueError, HTTPException) as exc:
                error = exc.detail if isinstance(exc, HTTPException) else f"筛选条件有误：{exc}"
        return templates.TemplateResponse(
            request, "home.html",
            {"q": q, "hits": hits, "error": error, "docs": documents(conn), "depts": departments(conn), "kinds": FACT_KINDS,
             "form": {"department": department, "doc": doc, "kind": kind, "in_force": in_force, "min_amount": min_amount}},
        )  # fmt: skip

    @app.get("/doc/{doc_id}", response_class=HTMLResponse, include_in_schema=False)
    def doc_page(request: Request, doc_id: Annotated[str, PathParam(max_length=200)], conn: Conn, as_of: Annotated[str, Query(max_length=10)] = ""):
        row = store.get_document(conn, doc_id)
        if row is None:
            raise HTTPException(404, "没有这个文件")
        detail = document_detail(conn, row)
        try:
            day = date.fromisoformat(as_of) if as_of else date.today()
        except ValueError:
            day = date.today()
        doc_facts = facts(conn, doc=doc_id)
        lines = _render_lines(row, doc_facts)
        rows = _table_rows(detail["tree"])
        for ln in lines:
            if ln["no"] in rows:
                ln["row"] = rows[ln["no"]]
                ln["row_facts"] = " ".join(sorted({f for s in ln["segments"] for f in s["facts"].split() if f}))
        return templates.TemplateResponse(
            request, "doc.html",
            {"doc": detail, "badge": validity(detail, day), "as_of": day.isoformat(), "lines": lines,
             "outline": _outline(detail["tree"]), "facts_json": {str(f["id"]): f for f in doc_facts}},
        )  # fmt: skip

    @app.get("/calc", response_class=HTMLResponse, include_in_schema=False)
    def calc(request: Request, p: Annotated[str, Query(max_length=MAX_URL_BYTES)] = "",
             profile_json: Annotated[str, Query(max_length=MAX_URL_BYTES)] = "",
             as_of: Annotated[str, Query(max_length=10)] = "", manual: str = ""):  # fmt: skip
        params = request.query_params
        error, report, data = None, None, None
        try:
            if manual:
                data = _profile_from_form(params)
            elif profile_json.strip():
                data = json.loads(profile_json)
                if not isinstance(data, dict):
                    raise ValueError("画像须为 JSON 对象")
            elif p:
                data = decode_profile(p)
        except (ValueError, binascii.Error) as exc:
            error = f"画像 JSON 无法解析：{exc}"
        day = date.today()
        if as_of:
            try:
                day = date.fromisoformat(as_of)
            except ValueError:
                error = f"日期格式应为 YYYY-MM-DD：{as_of}"
        if data is not None and error is None:
            if manual or profile_json.strip():  # canonical shareable URL
                return RedirectResponse(f"/calc?p={encode_profile(data)}&as_of={day.isoformat()}", status_code=303)
            try:
                prof = EnterpriseProfile.model_validate(data)
                report = match_report(prof, rules, day)
            except ValidationError as exc:
                error = profile_error(exc, lang="zh")
        groups: dict[str, list[dict]] = {}
        for r in (report or {}).get("results", []):
            for dept in r["departments"] or ["（未注明责任单位）"]:
                groups.setdefault(dept, []).append(r)
        example = (Path(__file__).parents[3] / "examples" / "profile.json")
        example_text = example.read_text(encoding="utf-8") if example.exists() else "{}"
        return templates.TemplateResponse(
            request, "calc.html",
            {"report": report, "groups": groups, "error": error, "as_of": day.isoformat(),
             "profile_text": json.dumps(data, ensure_ascii=False, indent=2) if data else example_text,
             "share": f"/calc?p={encode_profile(data)}&as_of={day.isoformat()}" if data and report else None,
             "areas": SUZHOU_AREAS, "honours": sorted(honour_names()), "levels": LEVELS,
             "industries": sorted(industry_names()), "spend_fields": SPEND_FIELDS},
        )  # fmt: skip

    @app.get("/depts", response_class=HTMLResponse, include_in_schema=False)
    def depts_page(request: Request, conn: Conn):
        return templates.TemplateResponse(request, "depts.html", {"depts": departments(conn)})

    @app.get("/dept/{name}", response_class=HTMLResponse, include_in_schema=False)
    def dept_page(request: Request, name: Annotated[str, PathParam(max_length=60)], conn: Conn):
        return templates.TemplateResponse(request, "dept.html", {"d": department_detail(conn, name)})

    return app


def _profile_from_form(params) -> dict:
    """A profile from the hand-filled calculator form."""
    data: dict[str, Any] = {"credit_code": params.get("credit_code", "").strip(), "name": params.get("name", "").strip()}
    if params.get("jurisdiction"):
        data["jurisdiction"] = params["jurisdiction"]
    data["industries"] = params.getlist("industries")
    honours = []
    for h in params.getlist("honours"):
        name, _, level = h.partition("@")
        honours.append({"name": name, **({"level": level} if level else {})})
    data["honours"] = honours
    quals = [q.strip() for q in params.get("qualifications", "").splitlines() if q.strip()]
    data["qualifications"] = quals
    spend = {}
    for key in SPEND_FIELDS:
        v = params.get(f"spend.{key}", "").strip()
        if v:
            spend[key] = float(v) * 10_000  # the form asks for 万元
    if spend:
        data["spend"] = spend
    return data


def _table_rows(tree: dict) -> dict[int, dict]:
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


def _outline(tree: dict) -> list[dict]:
    """Headings (no paragraphs) as a nested list for the navigable outline."""
    out = []
    for c in tree["children"]:
        if c["kind"] in ("paragraph", "clause", "row"):
            continue
        label = (c["label"] + " " + c["heading"]).strip() or {"title": "标题", "table": "表格", "interpretation": "解读"}.get(c["kind"], c["kind"])
        out.append({"label": label[:40], "line": c["start_line"], "children": _outline(c)})
    return out


def _render_lines(row: sqlite3.Row, facts: list[dict]) -> list[dict]:
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
