"""The web app and JSON API: pages, API shapes, limits, tokens, XSS and SQL injection."""

from __future__ import annotations

import json
import warnings

import pytest
from conftest import ROOT, file_digest

warnings.filterwarnings("ignore", category=DeprecationWarning)
from fastapi.testclient import TestClient  # noqa: E402

from zhengce.web.app import create_app, decode_profile, encode_profile  # noqa: E402

XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'
SQLI = "'; DROP TABLE documents; --"


@pytest.fixture
def client(ingested_db):
    return TestClient(create_app(ingested_db, admin_token=""))


def test_pages_render_in_chinese(client):
    for url, words in [
        ("/", "政策引擎"),
        ("/?q=算力券+补贴", "找到"),
        ("/doc/003_984d27a47f4e90c5:03", "现行有效"),
        ("/calc", "政策计算器"),
        ("/depts", "部门"),
        ("/dept/市工信局", "支持条款"),
        ("/dept/市大数据局", "市数据局"),  # an alias shows the canonical department
    ]:
        r = client.get(url)
        assert r.status_code == 200 and words in r.text, url


def test_document_page_badge_outline_anchors_and_inline_facts(client):
    r = client.get("/doc/003_984d27a47f4e90c5:03?as_of=2028-01-01")
    assert "已失效" in r.text
    html = client.get("/doc/003_984d27a47f4e90c5:03").text
    assert 'id="L131"' in html and 'href="#L117"' in html
    assert 'class="fact f-benefit' in html
    facts = json.loads(html.split('<script type="application/json" id="facts-data">')[1].split("</script>")[0])
    assert any(f["fact_kind"] == "benefit" and f["line"] == 131 for f in facts.values())
    assert "未知" in client.get("/doc/003_984d27a47f4e90c5:17").text  # 自发布之日起实施 (no date stated)


def test_api_shapes_match_the_cli(client, cli, ingested_db):
    docs = client.get("/api/documents").json()
    assert docs == json.loads(cli("docs", "--db", ingested_db, "--json").stdout)
    one = client.get(f"/api/documents/{docs[5]['id']}").json()
    assert one == json.loads(cli("show", docs[5]["id"], "--db", ingested_db, "--json").stdout)
    hits = client.get("/api/search", params={"q": "算力券 补贴", "limit": 5}).json()
    assert hits == json.loads(cli("search", "算力券 补贴", "--limit", "5", "--db", ingested_db, "--json").stdout)
    assert {"doc_id", "file", "line", "end_line", "title", "snippet", "score"} <= set(hits[0])
    facts = client.get("/api/facts", params={"kind": "penalty"}).json()
    assert len(facts) == 5 and all(f["fact_kind"] == "penalty" for f in facts)
    profile = json.loads((ROOT / "examples" / "profile.json").read_text(encoding="utf-8"))
    api = client.post("/api/match", params={"as_of": "2025-09-01"}, json=profile).json()
    assert api == json.loads(cli("match", ROOT / "examples" / "profile.json", "--as-of", "2025-09-01", "--json").stdout)
    depts = client.get("/api/departments").json()
    assert any(d["name"] == "市工信局" and d["benefits"] > 20 for d in depts)
    detail = client.get("/api/departments/市工业和信息化局").json()
    assert detail["name"] == "市工信局" and detail["benefits"] and detail["tasks"]


def test_search_filters(client):
    base = client.get("/api/search", params={"q": "补贴", "limit": 50}).json()
    f = client.get("/api/search", params={"q": "补贴", "limit": 50, "department": "市大数据局", "kind": "benefit", "min_amount": 1_000_000}).json()
    assert f and len(f) < len(base)
    assert all("市数据局" in h["departments"] and "benefit" in h["fact_kinds"] for h in f)
    old = client.get("/api/search", params={"q": "补贴", "limit": 50, "in_force": "2020-06-01"}).json()
    assert old and all(h["doc_id"] != "003_984d27a47f4e90c5:01" for h in old)
    doc = client.get("/api/search", params={"q": "补贴", "doc": "003_984d27a47f4e90c5:05"}).json()
    assert doc and {h["doc_id"] for h in doc} == {"003_984d27a47f4e90c5:05"}


def test_limits_and_bad_requests(client):
    assert client.get("/api/search", params={"q": "长" * 201}).status_code == 422
    assert client.get("/api/search", params={"q": "补贴", "limit": 1000}).status_code == 422
    assert client.get("/api/search", params={"q": "，。"}).status_code == 422
    assert client.get("/api/facts", params={"kind": "bogus"}).status_code == 422
    assert client.get("/api/documents/nope").status_code == 404
    big = {"credit_code": "91320594MA1XXXXX0K", "name": "x" * (70 * 1024)}
    assert client.post("/api/match", json=big).status_code == 413
    r = client.post("/api/match", json={"credit_code": "91320594MA1XXXXX0K", "name": "x", "revenu": 1})
    assert r.status_code == 422 and "unknown field 'revenu'" in r.json()["detail"]
    assert client.post("/api/match", content=b"{not json", headers={"content-type": "application/json"}).status_code == 422


def test_admin_endpoints_need_a_token(ingested_db, tmp_path):
    import shutil

    db = tmp_path / "copy.db"
    shutil.copy(ingested_db, db)
    off = TestClient(create_app(db, admin_token=""))
    assert off.post("/api/admin/extract").status_code == 403
    on = TestClient(create_app(db, admin_token="s3cret"))
    assert on.post("/api/admin/extract").status_code == 401
    assert on.post("/api/admin/extract", headers={"X-Admin-Token": "wrong"}).status_code == 401
    r = on.post("/api/admin/extract", headers={"X-Admin-Token": "s3cret"})
    assert r.status_code == 200 and r.json()["facts"] > 1000
    assert on.post("/api/admin/ingest", headers={"X-Admin-Token": "s3cret"}).json()["unchanged"]
    assert on.get("/api/admin/extract").status_code == 405


def test_xss_and_sql_injection_are_inert(client, ingested_db):
    before = file_digest(ingested_db)
    for url, params in [
        ("/", {"q": XSS}), ("/", {"q": SQLI, "department": XSS, "doc": SQLI, "kind": "benefit"}),
        ("/", {"q": "补贴", "min_amount": XSS}), ("/", {"q": "补贴", "in_force": XSS[:10]}),
        ("/calc", {"profile_json": XSS}), ("/calc", {"p": XSS}),
        (f"/dept/{XSS[:50]}", {}), ("/api/search", {"q": SQLI}), (f"/api/departments/{SQLI}", {}),
    ]:
        r = client.get(url, params=params)
        assert r.status_code < 500, url
        if r.headers["content-type"].startswith("text/html"):
            assert "<script>alert" not in r.text and "<img src=x" not in r.text, url
        else:
            assert r.headers["content-type"].startswith("application/json")
    profile = json.loads((ROOT / "examples" / "profile.json").read_text(encoding="utf-8"))
    profile["name"] = XSS
    r = client.get("/calc", params={"p": encode_profile(profile), "as_of": "2025-09-01"})
    assert r.status_code == 200 and "&lt;script&gt;" in r.text and "<script>alert" not in r.text
    assert client.get(f"/doc/{SQLI}").status_code == 404
    assert file_digest(ingested_db) == before


def test_calculator_form_gives_a_shareable_url(client):
    r = client.get("/calc", params={"manual": "1", "name": "测试企业", "credit_code": "91320594MA1XXXXX0K", "jurisdiction": "苏州工业园区",
                                    "industries": "具身智能机器人", "spend.compute_cost": "420", "as_of": "2025-09-01"},
                   follow_redirects=False)  # fmt: skip
    assert r.status_code == 303 and r.headers["location"].startswith("/calc?p=")
    page = client.get(r.headers["location"])
    assert "84万元" in page.text and "003_984d27a47f4e90c5.txt:131" in page.text
    token = r.headers["location"].split("p=")[1].split("&")[0]
    assert decode_profile(token)["spend"]["compute_cost"] == 4_200_000


def test_review_endpoint_needs_a_token_and_updates_the_rule_file(ingested_db, tmp_path):
    import shutil

    from zhengce.rules.model import load_rules, rules_dir

    folder = tmp_path / "rules"
    shutil.copytree(rules_dir(), folder)
    app = create_app(ingested_db, admin_token="s3cret", rules_path=folder)
    c = TestClient(app)
    rid = next(r.rule_id for r in load_rules(folder) if r.status == "extracted")
    body = {"rule_id": rid, "status": "reviewed", "note": "checked against the quote"}
    assert c.post("/api/admin/review", json=body).status_code == 401
    r = c.post("/api/admin/review", json=body, headers={"X-Admin-Token": "s3cret"})
    assert r.status_code == 200 and r.json()["status"] == "reviewed"
    assert next(x for x in load_rules(folder) if x.rule_id == rid).review_note == "checked against the quote"
    assert not list(folder.glob("*.partial"))
    bad = c.post("/api/admin/review", json={**body, "rule_id": "nope/L1/1"}, headers={"X-Admin-Token": "s3cret"})
    assert bad.status_code == 404
    extra = c.post("/api/admin/review", json={**body, "extra": 1}, headers={"X-Admin-Token": "s3cret"})
    assert extra.status_code == 422


def test_database_without_search_index_is_a_clear_503(tmp_path, cli):
    db = tmp_path / "noindex.db"
    from zhengce.ingest import bundled_corpus, ingest_paths
    from zhengce.store import sqlite as store

    conn = store.connect(db)
    ingest_paths(conn, [bundled_corpus() / "001_4ab648cdb3ed3e85.txt"], index=False)
    conn.close()
    c = TestClient(create_app(db, admin_token=""))
    r = c.get("/api/search", params={"q": "补贴"})
    assert r.status_code == 503 and "zhengce extract" in r.json()["detail"]
    assert c.get("/", params={"q": "补贴"}).status_code == 200  # the page shows the message instead of results
    assert "no search index" in cli("search", "补贴", "--db", db).stderr


def test_task_table_renders_as_a_table(client):
    html = client.get("/doc/004_525e83cf13fa38d7:01").text
    row = html.split('id="L218"')[1].split('<div class="line')[0]
    assert 'class="line trow"' in html.split('id="L218"')[0][-40:]
    assert row.count('class="cell"') == 5 and "苏州银保监分局" in row
    assert html.count('class="line trow"') == 104


def test_calculator_explains_a_bad_profile_in_chinese(client):
    bad = encode_profile({"credit_code": "91320594MA1XXXXX0K", "name": "x", "revenu": 1})
    r = client.get("/calc", params={"p": bad})
    assert r.status_code == 200 and "画像中有未知字段“revenu”" in r.text
    r = client.get("/calc", params={"p": encode_profile({"name": "x"})})
    assert "画像缺少必填字段“credit_code”" in r.text


def test_serve_refuses_a_busy_port_clearly(cli, ingested_db):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(1)
        port = s.getsockname()[1]
        r = cli("serve", "--db", ingested_db, "--port", str(port))
    assert r.exit_code != 0 and f"cannot listen on 127.0.0.1:{port}" in r.stderr


def test_serve_needs_a_database(cli, tmp_path):
    r = cli("serve", "--db", tmp_path / "none.db")
    assert r.exit_code != 0 and "run `zhengce ingest` first" in r.stderr


def test_calculator_offers_qualifications_as_a_pick_list_and_uses_the_picks(client):
    html = client.get("/calc").text
    assert 'id="qual-filter"' in html and 'name="qualifications" value="先导产业"' in html
    assert "<textarea name=\"qualifications\"" not in html  # no free textbox
    params = [("manual", "1"), ("name", "先导装备"), ("credit_code", "91320594MA1XXXXX0K"), ("jurisdiction", "苏州工业园区"),
              ("qualifications", "先导产业"), ("spend.equipment_investment", "6200"), ("as_of", "2025-09-01")]  # fmt: skip
    r = client.get("/calc", params=params)
    # 001 L83: 先导产业 12% of 6200万 = 744万, one rule (not 12%+10%+6%)
    assert r.status_code == 200 and "744万元" in r.text and "先导产业" in r.text
    bad = client.get("/calc", params=[*params[:4], ("qualifications", "不存在的资格")])
    error = bad.text.split('role="alert">')[1].split("</p>")[0]
    assert "qualifications" in error and "unknown qualification" in error  # named, not silently dropped
