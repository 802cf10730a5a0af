"""The Verdict in a real browser against a real server: open it from a link for a corpus with planted senses and a
run, wait for the answer, follow an example word to Compare (it opens on that word), and reopen the verdict from its
link."""

from __future__ import annotations

import os
import re
import time
import urllib.parse
from pathlib import Path

import pytest
from browser_support import CHROMIUM, CHROMIUM_ARGS, TIMEOUT_MS, StreamlitServer
from domain_corpus import PLANTED, domain_corpus

if not Path(CHROMIUM).exists() and os.environ.get("CI") != "true":
    pytest.skip("Debian's chromium is not installed (CI installs it)", allow_module_level=True)
playwright_api = pytest.importorskip("playwright.sync_api") if os.environ.get("CI") != "true" else None
from playwright.sync_api import expect, sync_playwright  # noqa: E402  (after the skip above, on purpose)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

expect.set_options(timeout=TIMEOUT_MS)

USES = ("Word similarity", "Retrieval", "Label task", "Small memory")


def _settled(page) -> None:
    page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]').wait_for()
    expect(page.get_by_test_id("stProgress")).to_have_count(0)
    expect(page.get_by_test_id("stException")).to_have_count(0)


def _headlines(page) -> list[str]:
    """The four headline sentences as shown (after each one's icon)."""
    shown = []
    for use in USES:
        element = page.get_by_test_id("stMarkdownContainer").filter(has_text=re.compile(rf"\b{use} · "))
        expect(element).to_have_count(1)
        shown.append(element.inner_text())
    return shown


def test_the_verdict_links_an_example_word_to_compare_and_reopens_from_its_link(tmp_path_factory):
    home = tmp_path_factory.mktemp("verdict-e2e-home")
    previous = os.environ["EMBEDLAB_HOME"]
    os.environ["EMBEDLAB_HOME"] = str(home)
    try:
        from embedlab.corpus import build_corpus
        from embedlab.training import TrainConfig, train_run

        # the planted corpus (tests/domain_corpus.py) and a run with three seeds, one thread: seeded, so the verdict
        # names the same example words each time, the clearest first: a planted one
        corpus = build_corpus("domain.txt", domain_corpus(planted=True))
        run = train_run(corpus, TrainConfig(seeds=3, workers=1))
    finally:
        os.environ["EMBEDLAB_HOME"] = previous
    server = StreamlitServer(home)
    server.start()
    started = time.monotonic()
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.set_default_timeout(TIMEOUT_MS)
            page.goto(f"{server.url}/verdict?corpus={corpus.id}&space={run.id}&baseline=baseline")
            expect(page.get_by_role("heading", name="Verdict", exact=True)).to_be_visible()
            _settled(page)
            expect(page.get_by_text("1. Domain-specific language")).to_be_visible()
            before = _headlines(page)
            link = page.url
            assert urllib.parse.parse_qs(urllib.parse.urlsplit(link).query) == {
                "corpus": [corpus.id],
                "space": [run.id],
                "baseline": ["baseline"],
            }

            example = page.locator('[data-testid="stPageLink"] a[href*="word="]').first
            (word,) = urllib.parse.parse_qs(urllib.parse.urlsplit(example.get_attribute("href") or "").query)["word"]
            expect(example).to_contain_text(word)
            assert word in {planted for planted, _ in PLANTED}
            example.click()
            # a page link switches pages inside the app (no page load): wait for the address, not a load event
            expect(page).to_have_url(re.compile(rf"/compare\?.*word={re.escape(urllib.parse.quote(word))}"))
            expect(page.get_by_role("textbox", name="Word", exact=True)).to_have_value(word)
            expect(page.get_by_test_id("stTable")).to_have_count(2)  # the run's and the baseline's neighbours
            query = urllib.parse.parse_qs(urllib.parse.urlsplit(page.url).query)
            assert (query["a"], query["b"], query["tab"]) == ([run.id], ["baseline"], ["neighbours"])

            page.goto(link)
            _settled(page)
            assert _headlines(page) == before
            browser.close()
    finally:
        server.stop()
    print(f"\nVerdict browser test: {time.monotonic() - started:.0f} s after the server started")
