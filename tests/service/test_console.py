"""Layer 8: the triage console in headless Debian chromium (playwright drives /usr/bin/chromium; no downloads)."""

from __future__ import annotations

import os
import re
import shutil
import threading
import time
from pathlib import Path

import httpx
import pytest

from service.app import create_app
from service.settings import Settings

from .receivers import free_port

CHROMIUM = os.environ.get("FEEDBACK_TEST_CHROMIUM", "/usr/bin/chromium")
SHOTS = Path(os.environ.get("FEEDBACK_TEST_SCREENSHOTS", "/tmp/feedback-console-shots"))

playwright_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright (uses Debian chromium)")
if not Path(CHROMIUM).exists():
    pytest.skip(f"{CHROMIUM} missing: apt-get install -y chromium", allow_module_level=True)

FEEDBACK = [
    "我要注销账户，再也不用你们了，换别家",
    "快递太慢了，三天还没到，客服也不理人",
    "送得太慢了，菜都凉了",
    "东西很好，很满意",
]


@pytest.fixture
def backend():
    return "sqlite"


@pytest.fixture
def live(db_settings, tmp_path):
    import uvicorn

    app = create_app(Settings(run_workers=False, state_dir=str(tmp_path / "state"), **db_settings))
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(base + "/readyz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.1)
    key = app.state.first_admin_key
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {key}"}) as c:
        for text in FEEDBACK:
            assert c.post("/v1/feedback", json={"text": text, "source": "survey"}).status_code == 201
    yield base, key
    server.should_exit = True
    thread.join(10)


def test_console_shows_queue_detail_actions_dashboard_in_both_languages(live):
    base, key = live
    SHOTS.mkdir(parents=True, exist_ok=True)
    with playwright_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1360, "height": 900}, locale="zh-CN")
        requests_out: list[str] = []
        page.on("request", lambda r: requests_out.append(r.url))
        js_errors: list[str] = []
        page.on("pageerror", lambda e: js_errors.append(str(e)))
        page.goto(base + "/")
        assert page.url.endswith("/console/")
        assert page.locator("#login h2").inner_text() == "请输入 API 密钥"
        page.fill("#key", key)
        page.click("#login-form button")
        page.wait_for_selector(".alert-row")
        page.fill("#actor", "王经理")
        page.dispatch_event("#actor", "change")

        # queue: nearest SLA deadline first, level colours, live countdowns
        rows = page.locator(".alert-row")
        assert rows.count() == 3  # churn (red) + two logistics complaints (yellow)
        levels = [rows.nth(i).get_attribute("class").split("level-")[1] for i in range(rows.count())]
        assert levels == ["red", "yellow", "yellow"]
        assert rows.nth(0).locator(".badge").inner_text() == "红色"
        bg = page.eval_on_selector(".alert-row .badge.level-red", "e => getComputedStyle(e).backgroundColor")
        assert bg == "rgb(217, 72, 65)"
        first_countdown = rows.nth(0).locator(".countdown").inner_text()
        assert re.match(r"剩余 \d+小时 \d+分 \d+秒", first_countdown), first_countdown
        page.wait_for_function("t => document.querySelector('.alert-row .countdown').textContent !== t",
                               arg=first_countdown, timeout=5000)  # it ticks
        page.screenshot(path=str(SHOTS / "queue_zh.png"), full_page=True)

        # acknowledge and assign from the queue
        rows.nth(0).locator("button[data-action=acknowledge]").click()
        page.wait_for_selector(".alert-row.level-red .st-acknowledged")
        page.once("dialog", lambda d: d.accept("李四"))
        page.locator(".alert-row.level-red button[data-action=assign]").click()
        page.wait_for_function("document.querySelector('.alert-row.level-red .assignee').textContent === '李四'")

        # feedback view of a logistics alert: highlighted keywords, bars, audit trail
        page.locator(".alert-row.level-yellow").first.click()
        page.wait_for_selector("#detail mark.kw")
        marks = page.locator("#detail mark.kw").all_inner_texts()
        original = page.locator("#detail .original").inner_text()
        assert marks and all(m in original for m in marks)
        assert original in FEEDBACK
        for box in ("#bars-causes", "#bars-sentiment", "#bars-churn"):
            assert page.locator(f"{box} rect.bar").count() >= 3
        assert "物流配送" in page.locator("#bars-causes").inner_text()
        page.screenshot(path=str(SHOTS / "feedback_zh.png"), full_page=True)
        assert not js_errors, js_errors
        assert "创建" in page.locator("#detail .audit").inner_text()
        page.screenshot(path=str(SHOTS / "feedback_zh.png"), full_page=True)
        page.locator("#detail button[data-action=resolve]").click()
        page.wait_for_selector("#detail .st-resolved")
        audit = page.locator("#detail .audit").inner_text()
        assert "解决" in audit and "王经理" in audit

        # English
        page.click("#lang")
        assert page.locator("header h1").inner_text() == "Feedback triage console"
        assert page.locator(".tab[data-view=queue]").inner_text() == "Alert queue"
        page.wait_for_selector("#detail .st-resolved:has-text('Resolved')")
        assert "Original text" in page.locator("#detail").inner_text()

        # dashboard
        page.click(".tab[data-view=dashboard]")
        page.wait_for_selector("#chart-causes rect.bar")
        assert page.locator("#chart-sentiment polyline").count() == 3
        assert page.locator("#chart-keywords rect.bar").count() >= 2
        assert "Logistics and delivery" in page.locator("#chart-causes .legend").inner_text()
        assert "%" in page.locator("#chart-sla").inner_text()  # one alert resolved in time
        page.screenshot(path=str(SHOTS / "dashboard_en.png"), full_page=True)
        page.click("#lang")
        page.click(".tab[data-view=queue]")
        page.wait_for_selector(".alert-row")
        browser.close()
    # nothing from outside the service was requested (no CDN)
    assert requests_out and all(u.startswith(base) for u in requests_out), [u for u in requests_out if not u.startswith(base)]
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {key}"}) as c:
        red = c.get("/v1/alerts", params={"level": "red"}).json()["items"][0]
        events = c.get(f"/v1/alerts/{red['id']}").json()["events"]
        assert [e["action"] for e in events] == ["created", "acknowledge", "assign"]
        assert events[1]["actor"].startswith("王经理 via ")
    shutil.copy(SHOTS / "queue_zh.png", SHOTS / "latest.png")
