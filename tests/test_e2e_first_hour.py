"""A new user's first hour, in a real browser against a real server, with every kind of space present.

Upload a corpus, train Word2Vec and FastText, fine-tune MiniLM (a small budget), add a vectors file, delete a run
under an open link; then open every page, and the Compare page with each kind of space (runs, fine-tune, read in
context, vectors file, debiased copies) on each tab. Everywhere: no exception or traceback shown, readable space
labels in the selectors, a click on a map point selects its word, and no browser request leaves 127.0.0.1.
"""

from __future__ import annotations

import os
import re
import time
import urllib.parse
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest
from browser_support import CHROMIUM, CHROMIUM_ARGS, TIMEOUT_MS, StreamlitServer
from conftest import notes_text

if not Path(CHROMIUM).exists() and os.environ.get("CI") != "true":
    pytest.skip("Debian's chromium is not installed (CI installs it)", allow_module_level=True)
playwright_api = pytest.importorskip("playwright.sync_api") if os.environ.get("CI") != "true" else None
from playwright.sync_api import expect, sync_playwright  # noqa: E402  (after the skip above, on purpose)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

expect.set_options(timeout=TIMEOUT_MS)

RUN_ID = re.compile(r"run-\d{8}-\d{6}-[0-9a-f]{6}")
WORD = "spline"  # in every space built from the notes corpus
TABS = ("neighbours", "changed", "coverage", "map")


@contextmanager
def _home(home: Path):
    """Read the server's data folder with embedlab itself."""
    previous = os.environ["EMBEDLAB_HOME"]
    os.environ["EMBEDLAB_HOME"] = str(home)
    try:
        yield
    finally:
        os.environ["EMBEDLAB_HOME"] = previous


def _settled(page) -> None:
    page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]').wait_for()
    expect(page.get_by_test_id("stSpinner")).to_have_count(0)
    expect(page.get_by_test_id("stProgress")).to_have_count(0)


def _healthy(page, where: str) -> None:
    """No exception panel, no traceback, no "Something went wrong", and no raw run id in a selector."""
    _settled(page)
    expect(page.get_by_test_id("stException")).to_have_count(0)
    body = page.inner_text("body")
    assert "Traceback" not in body and "Something went wrong" not in body, (where, body[:2000])
    raw = [text for text in _chosen(page) if RUN_ID.search(text)]
    assert not raw, (where, raw)


def _chosen(page) -> list[str]:
    """What every selector shows as chosen: each selectbox's value, each multiselect's chosen items."""
    values = [box.input_value() for box in page.get_by_role("combobox").all()]
    tags = page.get_by_test_id("stMultiSelect").locator(".react-aria-ComboBox [data-tag]").all()
    return values + [tag.get_attribute("aria-label") or "" for tag in tags]


def _done_runs(page, count: int) -> None:
    expect(page.get_by_test_id("stAlertContentSuccess").filter(has_text="done: run")).to_have_count(count)


def _write_vectors(path: Path, words: list[str]) -> None:
    rng = np.random.default_rng(3)
    lines = [f"{len(words)} 12"] + [w + " " + " ".join(f"{v:.4f}" for v in rng.normal(size=12)) for w in words]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_a_first_hour_with_every_kind_of_space_on_every_page(tmp_path_factory, tmp_path):
    home = tmp_path_factory.mktemp("first-hour-home")
    server = StreamlitServer(home)
    server.start()
    corpus_file = tmp_path / "notes.txt"
    corpus_file.write_bytes(notes_text(160))
    requests: list[str] = []
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            context = browser.new_context(viewport={"width": 1400, "height": 1000})
            context.on("request", lambda request: requests.append(request.url))
            page = context.new_page()
            page.set_default_timeout(TIMEOUT_MS)
            nav = page.get_by_test_id("stSidebarNav")

            # upload
            page.goto(server.url + "/corpus")
            page.locator('input[type="file"]').set_input_files(str(corpus_file))
            page.get_by_role("button", name="Process corpus").click()
            expect(page.get_by_test_id("stMetric").filter(has_text="Documents")).to_contain_text("160")
            _healthy(page, "corpus after upload")

            # Word2Vec, FastText and a small fine-tune, each from the Train page
            nav.get_by_role("link", name="Train").click()
            page.get_by_role("spinbutton", name="Epochs", exact=True).fill("3")
            page.get_by_role("button", name="Start training").click()
            _done_runs(page, 1)
            page.get_by_text("FastText (subwords)").click()
            page.get_by_role("spinbutton", name="Epochs", exact=True).fill("3")
            page.get_by_role("button", name="Start training").click()
            _done_runs(page, 2)
            page.get_by_text("Fine-tune MiniLM (sentence-transformer)").click()
            page.get_by_role("spinbutton", name="Training pairs (budget)", exact=True).fill("32")
            page.get_by_role("spinbutton", name="Batch size", exact=True).fill("8")
            page.get_by_role("button", name="Start fine-tuning").click()
            _done_runs(page, 3)
            _healthy(page, "train after three jobs")

            # a vectors file trained elsewhere, from the Runs page
            with _home(home):
                from embedlab import corpus as corpora
                from embedlab import spaces, store
                from embedlab.training import TrainConfig, train_run

                (corpus_id,) = [record.id for record in store.list_corpora()]
                notes = corpora.load_corpus(corpus_id)
                doomed = train_run(notes, TrainConfig(dim=16, min_count=1, epochs=2, workers=1, seed=5)).id
            vectors_file = tmp_path / "elsewhere.vec"
            _write_vectors(vectors_file, list(notes.counts)[:150])
            nav.get_by_role("link", name="Runs").click()
            page.get_by_label("Vectors file (up to").locator('input[type="file"]').set_input_files(str(vectors_file))
            page.get_by_role("button", name="Add as a space").click()
            expect(page.get_by_text("150 words × 12 dimensions")).to_be_visible()
            _healthy(page, "runs after the vectors upload")

            # a run deleted under an open link: the link then says so, and the page still works
            link = f"{server.url}/compare?corpus={corpus_id}&a={doomed}&b=baseline&word={WORD}"
            page.goto(link)
            expect(page.get_by_test_id("stTable")).to_have_count(2)
            page.goto(server.url + "/runs")
            page.get_by_test_id("stSelectbox").filter(has_text="Run").click()
            page.get_by_role("option", name=re.compile(doomed[-6:])).click()
            page.get_by_role("button", name="Delete run…").click()
            page.get_by_role("button", name="Yes, delete").click()
            expect(page.get_by_test_id("stAlertContentSuccess").filter(has_text="Deleted")).to_be_visible()
            page.goto(link)
            expect(page.get_by_text(f"{doomed} is not on this server")).to_be_visible()
            _healthy(page, "compare link to a deleted run")

            with _home(home):
                choices = spaces.space_choices()
                labels = spaces.space_labels(choices)
            kinds = {
                "Word2Vec",
                "FastText",
                "fine-tuned",
                "in context",
                "debiased",
                "vectors",
            }
            assert doomed not in choices and len(choices) >= 9
            assert all(any(kind.lower() in label.lower() for label in labels.values()) for kind in kinds), labels

            # every page with every kind of space present
            for path in ("corpus", "train", "runs"):
                page.goto(f"{server.url}/{path}")
                _healthy(page, path)
            evaluated = [spec for spec in choices if "@context" not in spec]
            page.goto(
                f"{server.url}/evaluate?corpus={corpus_id}&spaces=" + urllib.parse.quote(",".join(evaluated), safe=",")
            )
            expect(page.get_by_test_id("stMultiSelect").first).to_contain_text(labels[evaluated[-1]])
            _healthy(page, "evaluate with every space")
            assert {labels[spec] for spec in evaluated} <= set(_chosen(page))
            started = time.monotonic()
            for spec in choices:
                for tab in TABS:
                    page.goto(
                        f"{server.url}/compare?corpus={corpus_id}&a={urllib.parse.quote(spec)}&b=baseline"
                        f"&word={WORD}&tab={tab}&n=100"
                    )
                    expect(page.get_by_role("combobox", name="Space A")).to_have_value(labels[spec])
                    _healthy(page, f"compare {spec} {tab}")

            print(f"\nCompare: {len(choices)} spaces x {len(TABS)} tabs in {time.monotonic() - started:.0f} s")

            # a click on a map point makes its word the view's word
            run = next(spec for spec in choices if RUN_ID.fullmatch(spec))
            page.goto(f"{server.url}/compare?corpus={corpus_id}&a={run}&b=baseline&tab=map&n=100&word={WORD}")
            _healthy(page, "map")
            plot = page.locator(".js-plotly-plot").first
            expect(plot).to_be_visible()
            plot.scroll_into_view_if_needed()  # the mouse only reaches what the viewport shows
            target = plot.evaluate(
                """gd => {
                    const trace = gd._fullData[0], xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis;
                    const box = gd.getBoundingClientRect();
                    const pixel = i => [box.left + xa._offset + xa.l2p(trace.x[i]), box.top + ya._offset + ya.l2p(trace.y[i])];
                    let best = 0, bestGap = -1;
                    for (let i = 0; i < trace.x.length; i++) {  // the point farthest from any other: one click, one point
                        const [x, y] = pixel(i);
                        if (x < 0 || y < 0 || x > window.innerWidth || y > window.innerHeight) continue;
                        let gap = Infinity;
                        for (let j = 0; j < trace.x.length; j++) {
                            if (j === i) continue;
                            const [u, v] = pixel(j);
                            gap = Math.min(gap, Math.hypot(x - u, y - v));
                        }
                        if (gap > bestGap) { best = i; bestGap = gap; }
                    }
                    const [x, y] = pixel(best);
                    return {x, y, word: trace.customdata[best][0]};
                }"""
            )
            page.mouse.move(target["x"], target["y"])
            page.mouse.click(target["x"], target["y"])
            expect(page.get_by_role("textbox", name="Word", exact=True)).to_have_value(target["word"])
            # the address bar holds the new view, as "Copy link" does
            clicked = re.escape(urllib.parse.quote_plus(target["word"]))
            expect(page).to_have_url(re.compile(rf"[?&]word={clicked}(&|$)"))
            _healthy(page, "map after a click")
            page.get_by_text("Copy link to this view").click()
            assert f"word={urllib.parse.quote_plus(target['word'])}" in page.get_by_test_id("stCode").inner_text()
            context.close()
            browser.close()
    finally:
        server.stop()
    parts = [urllib.parse.urlsplit(url) for url in requests]
    network = [part for part in parts if part.scheme not in ("data", "blob")]
    assert len(network) > 100
    assert {part.hostname for part in network} == {"127.0.0.1"}, [
        part.geturl() for part in network if part.hostname != "127.0.0.1"
    ][:10]
