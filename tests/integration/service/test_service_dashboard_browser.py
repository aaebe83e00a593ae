"""`alphalab serve` in a real process, driven by Debian's Chromium through Playwright.

Logs in as admin, opens each view, sees a live update arrive over the WebSocket (an order the
test's own order manager sends into the shared ledger), uses the kill switch, and saves a
screenshot of each view under the test's tmp dir for review.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest

from alphalab.service.store import ServiceStore
from alphalab.testing.browser import chromium_or_skip
from alphalab.testing.service import PASSWORDS, SECRET, intent, seed_ledger

pytestmark = pytest.mark.browser


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def served(tmp_path):
    home = tmp_path / "home"
    url = f"sqlite:///{tmp_path / 'ledger.sqlite'}"
    ledger, om, _ = seed_ledger(url)
    ServiceStore(ledger.engine, time_cost=1, memory_kib=1024).add_user("admin", PASSWORDS["admin"], "admin")
    run = home / "results" / "20261201T000000-ema"
    run.mkdir(parents=True)
    (run / "report.html").write_text("<html><body><h1>EMA report</h1></body></html>")
    (run / "summary.json").write_text(json.dumps({"name": "EMA cross", "metrics": {"sharpe": 1.25}}))
    port = _free_port()
    env = {**os.environ, "ALPHALAB_SERVICE_SECRET": SECRET}
    cmd = [sys.executable, "-m", "alphalab.cli.main", "--home", str(home), "serve", "--ledger", url,
           "--port", str(port), "--poll", "0.1"]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=1) as r:
                if r.status == 200:
                    break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                out = proc.stdout.read().decode() if proc.stdout else ""
                proc.kill()
                pytest.fail(f"alphalab serve did not start: {out}")
            time.sleep(0.2)
    yield base, ledger, om
    proc.terminate()
    proc.wait(timeout=20)
    ledger.close()


def test_dashboard_login_views_live_update_and_kill_switch(served, tmp_path):
    from playwright.sync_api import sync_playwright

    base, ledger, om = served
    shots = tmp_path / "screenshots"
    shots.mkdir()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_or_skip(), args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(base + "/")
        assert page.url.endswith("/login")
        page.fill("#username", "admin")
        page.fill("#password", "wrong-password")
        page.click("#submit")
        assert page.locator(".err").is_visible()
        page.fill("#username", "admin")
        page.fill("#password", PASSWORDS["admin"])
        page.click("#submit")
        page.wait_for_url(base + "/")
        page.screenshot(path=str(shots / "login-status.png"), full_page=True)
        assert "BTC/USDT" in page.locator("#positions").inner_text()
        page.wait_for_selector("#live .msg-snapshot", timeout=15000)
        with ThreadPoolExecutor(1) as ex:  # Playwright's loop owns this thread: the bot's order goes from another
            ex.submit(lambda: asyncio.run(om.submit(intent(30, qty=0.5)))).result()
        page.wait_for_selector("#live .msg-order_event", timeout=15000)
        page.screenshot(path=str(shots / "live-update.png"), full_page=True)
        for view, marker in (("orders", "#orders"), ("backtests", "#results"), ("mappings", "h1"),
                             ("alerts", "#alerts")):
            page.click(f"#nav-{view}")
            page.wait_for_url(f"{base}/{view}")
            assert page.locator(marker).first.is_visible()
            page.screenshot(path=str(shots / f"{view}.png"), full_page=True)
        page.click("#nav-backtests")
        page.click("#results a")
        assert page.frame_locator("#report").locator("h1").inner_text() == "EMA report"
        page.screenshot(path=str(shots / "report.png"), full_page=True)
        page.click("#nav-status")
        page.fill("#kill-confirm", "KILL")
        page.click("#kill-button")
        page.wait_for_url(base + "/?kill=on")
        assert page.locator("#kill-state").inner_text() == "ON"
        page.screenshot(path=str(shots / "kill-switch.png"), full_page=True)
        browser.close()
    assert ledger.get_state("kill_switch")["active"] is True
    assert ledger.get_state("kill_switch")["by"] == "admin"
    names = sorted(p.name for p in shots.iterdir())
    assert len(names) == 8 and all((shots / n).stat().st_size > 5000 for n in names)
    print(f"screenshots in {shots}")


def test_serve_refuses_to_start_without_a_secret(monkeypatch, capsys):
    from alphalab.cli.main import main

    monkeypatch.delenv("ALPHALAB_SERVICE_SECRET", raising=False)
    assert main(["serve"]) == 2
    assert "default secret" in capsys.readouterr().err
