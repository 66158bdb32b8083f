"""End-to-end tests in a real browser: Debian's Chromium driven by Playwright.

`.ci/run` installs Chromium; these tests skip, saying why, only where it
cannot be found.
"""

from __future__ import annotations

import json
import shutil
import socket
import threading
import time
from pathlib import Path

import pytest
from conftest import ROOT

CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]  # fmt: skip

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Chromium not installed (apt-get install chromium); browser tests skipped")


@pytest.fixture(scope="module")
def server(ingested_db):
    import uvicorn

    from zhengce.web.app import create_app

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = uvicorn.Config(create_app(ingested_db, admin_token=""), host="127.0.0.1", port=port, log_level="warning")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    for _ in range(100):
        if srv.started:
            break
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(timeout=5)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def test_search_then_open_the_cited_line(server, browser):
    page = browser.new_page()
    page.goto(server + "/")
    page.fill("input[name=q]", "公共海外仓 仓储费用 补贴")
    page.click("button[type=submit]")
    page.wait_for_selector(".hit")
    first = page.locator(".hit").first
    assert "217" in first.locator(".cite").inner_text()
    assert first.locator("mark").count() >= 2
    first.locator("a.hit-title").click()
    page.wait_for_url("**/doc/**#L217")
    target = page.locator("#L217")
    assert "公共海外仓" in target.inner_text()
    assert page.evaluate("document.querySelector(':target').id") == "L217"
    # the line is scrolled into view
    box = target.bounding_box()
    assert box is not None and 0 <= box["y"] < page.viewport_size["height"]
    page.close()


def test_fact_popup_shows_parsed_values(server, browser):
    page = browser.new_page()
    page.goto(server + "/doc/003_984d27a47f4e90c5:05#L217")
    page.locator("#L217 .fact.f-benefit").first.click()
    panel = page.locator("#fact-panel")
    panel.wait_for(state="visible")
    text = panel.inner_text()
    assert "支持政策" in text and "200000" in text and "0.2" in text
    page.keyboard.press("Escape")
    assert panel.is_hidden()
    page.close()


def test_calculator_json_gives_cited_amount_and_shareable_url(server, browser):
    page = browser.new_page()
    page.goto(server + "/calc")
    profile = json.loads((ROOT / "examples" / "profile.json").read_text(encoding="utf-8"))
    page.fill("textarea[name=profile_json]", json.dumps(profile, ensure_ascii=False))
    page.fill("form:has(#calc-json) input[name=as_of]", "2025-09-01")
    page.click("#calc-json")
    page.wait_for_selector("#results")
    import httpx

    from zhengce.display import yuan

    total = yuan(httpx.post(server + "/api/match", params={"as_of": "2025-09-01"}, json=profile, timeout=30).json()["total_max_yuan"])
    assert total in page.locator(".total").inner_text()  # the page shows the API's total
    eligible = page.locator(".result.status-eligible", has_text="84万元").first
    link = eligible.locator(".cite a")
    assert "003_984d27a47f4e90c5.txt:131" in eligible.inner_text()
    share = page.locator("#share-link").get_attribute("href")
    link.click()
    page.wait_for_url("**#L131")
    other = browser.new_page()
    other.goto(server + share)
    assert total in other.locator(".total").inner_text()
    other.close()
    page.close()


def test_calculator_by_hand_on_a_phone(server, browser):
    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.goto(server + "/calc")
    form = page.locator("#manual-form")
    form.locator("input[name=name]").fill("手填测试企业")
    form.locator("input[name=credit_code]").fill("91320594MA1XXXXX0K")
    form.locator("select[name=jurisdiction]").select_option("苏州工业园区")
    form.locator("input[name=industries][value=具身智能机器人]").check()
    form.locator("input[name='spend.compute_cost']").fill("300")
    form.locator("input[name=as_of]").fill("2025-09-01")
    form.locator("button[type=submit]").click()
    page.wait_for_selector("#results")
    assert "60万元" in page.locator(".total").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390 + 1  # no horizontal scrolling on a phone
    page.close()


@pytest.fixture(scope="module")
def review_server(ingested_db, tmp_path_factory):
    """A server with the admin token set, over a copy of the rules and a registry of 8 firms."""
    import uvicorn

    from zhengce.rules.model import rules_dir
    from zhengce.web.app import create_app

    tmp = tmp_path_factory.mktemp("review")
    shutil.copytree(rules_dir(), tmp / "rules")
    lines = ["credit_code,name,jurisdiction,industries"] + [
        f"91320594MA1XXXX{i:02d}K,测试企业{i},苏州工业园区,{ind}" for i, ind in enumerate(["软件", "人工智能", "制造业"] * 3, 1)
    ]
    (tmp / "registry.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    app = create_app(ingested_db, admin_token="t0ken", rules_path=tmp / "rules", registry_path=tmp / "registry.csv")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    for _ in range(100):
        if srv.started:
            break
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}", tmp / "rules"
    srv.should_exit = True
    thread.join(timeout=5)


def test_review_a_rule_in_the_browser(review_server, browser):
    from zhengce.rules.model import load_rules

    base, folder = review_server
    page = browser.new_page()
    page.goto(base + "/review")
    first = page.locator(".queue-item").first
    rule_id = first.locator("a.rule-id").inner_text()
    assert first.locator("blockquote mark").count() >= 1 and first.locator(".reading").inner_text()
    first.locator("a.rule-id").click()
    page.wait_for_selector("#review-form")
    form = page.locator("#review-form")
    form.locator("input[name=reviewer]").fill("张三")
    form.locator("input[name=token]").fill("t0ken")
    form.locator("textarea[name=changes]").fill("formula.type=nonsense")
    form.locator("#correct").click()
    page.wait_for_selector(".error")
    assert "invalid correction" in page.locator("p.error").inner_text()
    assert next(r for r in load_rules(folder) if r.rule_id == rule_id).status == "extracted"  # nothing written
    form = page.locator("#review-form")
    form.locator("textarea[name=changes]").fill("")
    form.locator("input[name=token]").fill("t0ken")  # the token is never sent back to the page
    form.locator("input[name=note]").fill("与原文一致")
    form.locator("#approve").click()
    page.wait_for_url("**/review?done=*")
    assert rule_id in page.locator("[role=status]").inner_text() and "t0ken" not in page.url
    assert rule_id not in [a.inner_text() for a in page.locator(".queue-item a.rule-id").all()]
    done = next(r for r in load_rules(folder) if r.rule_id == rule_id)
    assert (done.status, done.reviewed_by, done.review_note) == ("reviewed", "张三", "与原文一致")
    page.close()
