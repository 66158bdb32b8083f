"""Departments: ``GET /api/departments``, ``GET /api/departments/{name}`` and the pages ``/depts``, ``/dept/{name}``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse

from zhengce import services
from zhengce.web.deps import Conn, templates

router = APIRouter()


@router.get("/api/departments", tags=["departments"])
def api_departments(conn: Conn) -> list[dict]:
    """Canonical departments with their benefit and task counts."""
    return services.list_departments(conn)


@router.get("/api/departments/{name}", tags=["departments"])
def api_department(name: Annotated[str, PathParam(max_length=60)], conn: Conn) -> dict:
    """One department's benefit clauses, tasks and targets (any alias finds the canonical name)."""
    return services.department_detail(conn, name)


@router.get("/depts", response_class=HTMLResponse, include_in_schema=False)
def depts_page(request: Request, conn: Conn):
    return templates.TemplateResponse(request, "depts.html", {"depts": services.list_departments(conn)})


@router.get("/dept/{name}", response_class=HTMLResponse, include_in_schema=False)
def dept_page(request: Request, name: Annotated[str, PathParam(max_length=60)], conn: Conn):
    return templates.TemplateResponse(request, "dept.html", {"d": services.department_detail(conn, name)})
