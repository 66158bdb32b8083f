"""The policy calculator: ``POST /api/match`` and the page ``/calc`` (政策计算器)."""

from __future__ import annotations

import base64
import binascii
import json
from datetime import date
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from zhengce import services
from zhengce.rules.profile import LEVELS, SPEND_FIELDS, honour_names, industry_names, local_areas, qualification_vocab
from zhengce.web.deps import MAX_URL_BYTES, Rules, http_error, templates

router = APIRouter()
EXAMPLE = Path(__file__).parents[4] / "examples" / "profile.json"


def encode_profile(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()).decode().rstrip("=")


def decode_profile(token: str) -> dict:
    raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    data = json.loads(raw.decode("utf-8"))
    if not isinstance(data, dict):
        raise ValueError("a profile is a JSON object")
    return data


@router.post("/api/match", tags=["rules"])
def api_match(
    profile: dict[str, Any],
    rules: Rules,
    as_of: date | None = None,
    include_expired: bool = False,
    show_all: bool = False,
) -> dict:
    """The policy calculator for one enterprise profile, as `zhengce match --json`."""
    try:
        return services.match_profile(profile, rules, as_of or date.today(), include_expired=include_expired, show_all=show_all)
    except services.ServiceError as exc:
        raise http_error(exc) from None


@router.get("/calc", response_class=HTMLResponse, include_in_schema=False)
def calc(request: Request, rules: Rules, p: Annotated[str, Query(max_length=MAX_URL_BYTES)] = "",
         profile_json: Annotated[str, Query(max_length=MAX_URL_BYTES)] = "",
         as_of: Annotated[str, Query(max_length=10)] = "", manual: str = ""):  # fmt: skip
    params = request.query_params
    error, report, data = None, None, None
    try:
        if manual:
            data = profile_from_form(params)
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
            report = services.match_profile(data, rules, day, lang="zh")
        except services.ServiceError as exc:
            error = str(exc)
    groups: dict[str, list[dict]] = {}
    for r in (report or {}).get("results", []):
        for dept in r["departments"] or ["（未注明责任单位）"]:
            groups.setdefault(dept, []).append(r)
    example_text = EXAMPLE.read_text(encoding="utf-8") if EXAMPLE.exists() else "{}"
    return templates.TemplateResponse(
        request, "calc.html",
        {"report": report, "groups": groups, "error": error, "as_of": day.isoformat(),
         "profile_text": json.dumps(data, ensure_ascii=False, indent=2) if data else example_text,
         "share": f"/calc?p={encode_profile(data)}&as_of={day.isoformat()}" if data and report else None,
         "areas": local_areas(), "honours": sorted(honour_names()), "levels": LEVELS,
         "industries": sorted(industry_names()), "spend_fields": SPEND_FIELDS,
         "qualifications": sorted(qualification_vocab().values(), key=lambda q: q["label"])},
    )  # fmt: skip


def profile_from_form(params) -> dict:
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
    data["qualifications"] = [q.strip() for q in params.getlist("qualifications") if q.strip()]  # picked from the vocabulary
    spend = {}
    for key in SPEND_FIELDS:
        v = params.get(f"spend.{key}", "").strip()
        if v:
            spend[key] = float(v) * 10_000  # the form asks for 万元
    if spend:
        data["spend"] = spend
    return data
