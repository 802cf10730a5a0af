"""The Train page against a real local Ray cluster, in a real browser: the page lists the cluster's nodes, a
Word2Vec job started from it runs on the worker node, and its line says so when it is done; no browser request
leaves 127.0.0.1."""

from __future__ import annotations

import os
import urllib.parse
from pathlib import Path

import pytest
from browser_support import CHROMIUM, CHROMIUM_ARGS, TIMEOUT_MS, StreamlitServer
from conftest import notes_text

if not Path(CHROMIUM).exists() and os.environ.get("CI") != "true":
    pytest.skip("Debian's chromium is not installed (CI installs it)", allow_module_level=True)
playwright_api = pytest.importorskip("playwright.sync_api") if os.environ.get("CI") != "true" else None
from playwright.sync_api import expect, sync_playwright  # noqa: E402  (after the skip above, on purpose)

from embedlab import cluster  # noqa: E402

pytestmark = [pytest.mark.browser, pytest.mark.slow]

expect.set_options(timeout=TIMEOUT_MS)


def test_the_train_page_runs_a_job_on_the_cluster_in_a_browser(ray_cluster, tmp_path, monkeypatch):
    home = tmp_path / "home"
    monkeypatch.setenv("EMBEDLAB_HOME", str(home))
    from embedlab.corpus import build_corpus

    build_corpus("notes.txt", notes_text(80))
    monkeypatch.setenv(cluster.ADDRESS_VARIABLE, ray_cluster.address)  # the server inherits it, and the token path
    server = StreamlitServer(home)
    server.start()
    requests: list[str] = []
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            context = browser.new_context(viewport={"width": 1400, "height": 1000})
            context.on("request", lambda request: requests.append(request.url))
            page = context.new_page()
            page.set_default_timeout(TIMEOUT_MS)
            page.goto(server.url + "/train")
            expect(page.get_by_text(f"Jobs run on the Ray cluster at {ray_cluster.address}: 2 nodes")).to_be_visible()
            expect(page.get_by_role("textbox", name="Ray cluster address")).to_have_value(ray_cluster.address)
            page.get_by_role("spinbutton", name="Epochs", exact=True).fill("2")
            page.get_by_role("button", name="Start training").click()
            done = page.get_by_test_id("stAlertContentSuccess").filter(has_text="done: run")
            expect(done).to_have_count(1)
            expect(done).to_contain_text("Ray node ")
            expect(done).to_contain_text("worker)")
            expect(page.get_by_test_id("stException")).to_have_count(0)
            context.close()
            browser.close()
    finally:
        server.stop()
    hosts = {urllib.parse.urlsplit(url).hostname for url in requests if url.startswith("http")}
    assert hosts == {"127.0.0.1"}, hosts
