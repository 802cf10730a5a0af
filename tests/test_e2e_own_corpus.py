"""In a real browser: two corpora uploaded in turn, a run trained on each from the Train page; then Verdict, Evaluate
and Compare opened with no parameters pair each run with its own corpus, in the same session and in a fresh one,
and choosing the other corpus brings its own run (issue 24: the Verdict opened on one corpus with a run of another).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from browser_support import CHROMIUM, CHROMIUM_ARGS, TIMEOUT_MS, StreamlitServer
from conftest import TINY_TEXT, notes_text

if not Path(CHROMIUM).exists() and os.environ.get("CI") != "true":
    pytest.skip("Debian's chromium is not installed (CI installs it)", allow_module_level=True)
playwright_api = pytest.importorskip("playwright.sync_api") if os.environ.get("CI") != "true" else None
from playwright.sync_api import expect, sync_playwright  # noqa: E402  (after the skip above, on purpose)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

expect.set_options(timeout=TIMEOUT_MS)


def _settled(page) -> None:
    page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]').wait_for()
    expect(page.get_by_test_id("stProgress")).to_have_count(0)
    expect(page.get_by_test_id("stException")).to_have_count(0)


def _picked(page, name: str):
    """A selectbox by its label: its value is the label of the option shown."""
    return page.get_by_role("combobox", name=re.compile(rf"^{re.escape(name)}\b"))  # Evaluate's says more


def _holding(text: str) -> re.Pattern[str]:
    return re.compile(re.escape(text))


def _upload_and_train(page, url: str, path: Path) -> str:
    """Upload ``path`` on the Corpus page, train Word2Vec on it from the Train page; returns the run id."""
    page.goto(f"{url}/corpus")
    page.locator('input[type="file"]').set_input_files(str(path))
    page.get_by_role("button", name="Process corpus").click()
    expect(page.get_by_text(f"{path.name} is ready")).to_be_visible()  # the next step is pointed to
    page.get_by_test_id("stSidebarNav").get_by_role("link", name="Train").click()
    expect(_picked(page, "Corpus")).to_have_value(_holding(path.name))
    page.get_by_role("spinbutton", name="Epochs", exact=True).fill("2")
    done = page.get_by_test_id("stAlertContentSuccess").filter(has_text="done: run")
    _settled(page)
    before = {text.split("run ")[-1].strip().strip("`") for text in done.all_inner_texts()}  # earlier jobs' runs
    page.get_by_role("button", name="Start training").click()
    expect(done).to_have_count(len(before) + 1)
    (run_id,) = {text.split("run ")[-1].strip().strip("`") for text in done.all_inner_texts()} - before
    return run_id


def _check_pairs(page, url: str, corpus_name: str, run_id: str, other_run: str) -> None:
    """Compare, Evaluate and Verdict opened with no link show ``corpus_name`` and its own run, not the other."""
    short, other = run_id[-6:], other_run[-6:]
    page.goto(f"{url}/compare")
    _settled(page)
    expect(_picked(page, "Corpus")).to_have_value(_holding(corpus_name))
    expect(_picked(page, "Space A")).to_have_value(_holding(f"{corpus_name} · {short}"))
    expect(page.get_by_text("judged on")).to_have_count(0)

    for path, picker in (("evaluate", "Spaces"), ("verdict", "Candidates")):
        page.goto(f"{url}/{path}")
        _settled(page)
        expect(_picked(page, "Corpus")).to_have_value(_holding(corpus_name))
        chosen = page.get_by_test_id("stMultiSelect").filter(has_text=picker)
        expect(chosen).to_contain_text(short)
        expect(chosen).not_to_contain_text(other)
        expect(page.get_by_text("judged on")).to_have_count(0)
    expect(page.get_by_text("The answer, per use")).to_be_visible()  # the verdict was built


def test_each_page_pairs_each_run_with_its_own_corpus(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    first, second = tmp_path / "notes.txt", tmp_path / "solvers.txt"
    first.write_bytes(notes_text(60))
    second.write_bytes((TINY_TEXT * 10).encode())
    server = StreamlitServer(home)
    server.start()
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.set_default_timeout(TIMEOUT_MS)
            on_first = _upload_and_train(page, server.url, first)
            on_second = _upload_and_train(page, server.url, second)
            _check_pairs(page, server.url, second.name, on_second, on_first)  # the session's corpus: the last one

            fresh = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
            fresh.set_default_timeout(TIMEOUT_MS)
            _check_pairs(fresh, server.url, second.name, on_second, on_first)  # a new session: the newest run's

            fresh.goto(f"{server.url}/compare")
            _settled(fresh)
            _picked(fresh, "Corpus").click()
            fresh.get_by_role("option").filter(has_text=first.name).click()
            _settled(fresh)
            expect(_picked(fresh, "Space A")).to_have_value(_holding(f"{first.name} · {on_first[-6:]}"))
            expect(fresh.get_by_text("judged on")).to_have_count(0)
            browser.close()
    finally:
        server.stop()
