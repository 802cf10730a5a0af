"""The main flow in a real browser (Debian's Chromium driven by Playwright) against a real server.

Upload the sample corpus, train Word2Vec, compare with the baseline, then open the share link in a fresh
browser context and see the same neighbours.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from browser_support import CHROMIUM, CHROMIUM_ARGS, TIMEOUT_MS, StreamlitServer

from embedlab.analysis.maps import MAX_MAP_WORDS

if not Path(CHROMIUM).exists() and os.environ.get("CI") != "true":
    pytest.skip("Debian's chromium is not installed (CI installs it)", allow_module_level=True)
playwright_api = pytest.importorskip("playwright.sync_api") if os.environ.get("CI") != "true" else None
from playwright.sync_api import expect, sync_playwright  # noqa: E402  (after the skip above, on purpose)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

expect.set_options(timeout=TIMEOUT_MS)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    server = StreamlitServer(tmp_path_factory.mktemp("e2e-home"))
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield launched
        launched.close()


def _neighbour_words(page) -> list[list[str]]:
    """The word column of each neighbour table on the page (A's, then B's)."""
    tables = page.get_by_test_id("stTable")
    expect(tables).to_have_count(2, timeout=TIMEOUT_MS)
    return [table.locator("tbody tr td:nth-child(2)").all_inner_texts() for table in tables.all()]


def _expected_most_changed(home: Path, run_id: str, corpus_id: str, band: str, high: float) -> list[str]:
    """The same rows computed directly by embedlab, reading the server's data folder."""
    from embedlab import analysis, corpus, spaces

    previous = os.environ["EMBEDLAB_HOME"]
    os.environ["EMBEDLAB_HOME"] = str(home)
    try:
        corpus_ = corpus.load_corpus(corpus_id)
        _, frame = analysis.compare_spaces(
            spaces.load_space(run_id, corpus_), spaces.load_space("baseline", corpus_), 10, 20_000, 42
        )
    finally:
        os.environ["EMBEDLAB_HOME"] = previous
    listed = analysis.rank_changes(frame).words  # the page's ranking: content words, ties by deep overlap
    chosen = listed[(listed["band"] == band) & (listed["jaccard"] <= high)]
    return chosen["word"].head(15).tolist()


def test_upload_train_compare_share(server, browser, sample_csv_path, tmp_path):
    page = browser.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(server.url)

    page.locator('input[type="file"]').set_input_files(str(sample_csv_path))
    expect(page.get_by_text("Text column")).to_be_visible()
    page.get_by_role("button", name="Process corpus").click()
    documents = page.get_by_test_id("stMetric").filter(has_text="Documents")
    rows = sum(1 for _ in sample_csv_path.open(encoding="utf-8")) - 1
    expect(documents).to_contain_text(f"{rows:,}")

    page.get_by_test_id("stSidebarNav").get_by_role("link", name="Train").click()
    epochs = page.get_by_role("spinbutton", name="Epochs", exact=True)
    epochs.fill("3")
    page.get_by_role("button", name="Start training").click()
    done = page.get_by_test_id("stAlertContentSuccess").filter(has_text="done: run")
    expect(done).to_be_visible()
    run_id = done.inner_text().split("run ")[-1].strip().strip("`")
    assert run_id.startswith("run-")

    page.get_by_test_id("stSidebarNav").get_by_role("link", name="Compare").click()
    expect(page.get_by_text("Shared words", exact=True)).to_be_visible()
    word = page.get_by_label("Word", exact=True)
    word.fill("matrix")
    word.press("Enter")
    first_a, first_b = _neighbour_words(page)
    assert len(first_a) == len(first_b) == 10 and "matrix" not in first_a + first_b

    page.get_by_text("Copy link to this view").click()
    link = page.get_by_test_id("stCode").inner_text().strip()
    assert "/compare?" in link and "word=matrix" in link and f"a={run_id}" in link
    page.screenshot(path=str(tmp_path / "compare.png"), full_page=True)

    for restarted in (False, True):  # the link works in a fresh browser, and also after a server restart
        if restarted:
            server.restart()
            link = server.url + link[link.index("/compare?") :]
        fresh = browser.new_context()
        other = fresh.new_page()
        other.set_default_timeout(TIMEOUT_MS)
        other.goto(link)
        assert _neighbour_words(other) == [first_a, first_b]
        expect(other.get_by_label("Word", exact=True)).to_have_value("matrix")
        nav = other.get_by_test_id("stSidebarNav")
        expect(nav.get_by_role("link")).to_contain_text(["Corpus", "Train", "Compare"])  # routed by app.py
        fresh.close()
    # A link to "What changed" with a frequency band and a score range shows the same rows in a fresh browser.
    changed = link.replace("tab=neighbours", "tab=changed").replace("lo=0.0", "lo=0.0").replace("hi=1.0", "hi=0.5")
    changed += "&band=" + urllib.parse.quote("10–19")
    corpus_id = urllib.parse.parse_qs(urllib.parse.urlparse(link).query)["corpus"][0]
    expected = _expected_most_changed(server.home, run_id, corpus_id, "10–19", 0.5)
    assert len(expected) == 15
    for _ in range(2):
        fresh = browser.new_context()
        other = fresh.new_page()
        other.set_default_timeout(TIMEOUT_MS)
        other.goto(changed)
        expect(other.get_by_text("Most changed")).to_be_visible()
        # retried until it holds: a run of the page may still be replacing the tables drawn before it
        expect(other.get_by_test_id("stTable").nth(0).locator("tbody tr td:first-child")).to_have_text(expected)
        expect(other.get_by_text("band: 10–19")).to_be_visible()
        fresh.close()
    page.close()
    if os.environ.get("EMBEDLAB_SCREENSHOT"):
        shutil.copy(tmp_path / "compare.png", os.environ["EMBEDLAB_SCREENSHOT"])


MAP_POINTS = MAX_MAP_WORDS  # the Compare page's largest map
MAP_FOUND = "w123"  # the word searched for: ringed in both maps, both zoomed around it


def _map_page(path: Path) -> tuple[str, tuple[float, float], tuple[float, float]]:
    """Write two aligned 200k-point maps (figures.map_pair, as the Compare page draws them: change scores on hover,
    a query with its neighbours, a found word) to an HTML page.

    Returns:
        The hover text expected on the loneliest plain point of map A, where that point sits and where the found
        word sits in map A (data coordinates).
    """
    import numpy as np
    import pandas as pd
    from scipy.spatial import cKDTree

    from embedlab.present import figures

    rng = np.random.default_rng(0)
    layout_a = rng.normal(size=(MAP_POINTS, 2)).astype(np.float32)
    layout_b = layout_a + rng.normal(scale=0.05, size=layout_a.shape).astype(np.float32)
    words = [f"w{i}" for i in range(MAP_POINTS)]
    counts = np.arange(MAP_POINTS, 0, -1)
    scores = np.round(rng.uniform(size=MAP_POINTS), 2)
    details = pd.DataFrame({"jaccard": scores, "neighbours_a": ["w1, w2, w3"] * MAP_POINTS})
    details["neighbours_b"] = details["neighbours_a"]
    figure = figures.map_pair(
        layout_a,
        layout_b,
        words,
        counts,
        ("A", "B"),
        marks=figures.MapMarks("w0", words[1:21], found=MAP_FOUND, moves=True),
        colouring=figures.MapColouring(np.log10(counts), "log10 count"),
        hover=figures.MapHover(details, "Jaccard@10"),
    )
    # post_script runs once Plotly.newPlot has drawn: the time to first paint, in the page's own clock.
    path.write_text(
        figure.to_html(include_plotlyjs=True, div_id="map", post_script="window.drawnAt = performance.now();"),
        encoding="utf-8",
    )
    found = words.index(MAP_FOUND)
    # The loneliest point in the found word's zoomed view (no other point within reach of a hover), not marked.
    view = figure.layout.xaxis.range, figure.layout.yaxis.range
    inside = np.flatnonzero(
        (layout_a[:, 0] > view[0][0] + 0.1 * (view[0][1] - view[0][0]))
        & (layout_a[:, 0] < view[0][1] - 0.1 * (view[0][1] - view[0][0]))
        & (layout_a[:, 1] > view[1][0] + 0.1 * (view[1][1] - view[1][0]))
        & (layout_a[:, 1] < view[1][1] - 0.1 * (view[1][1] - view[1][0]))
    )
    inside = inside[(inside > 20) & (inside != found)]  # not the query, a neighbour or the found word
    gaps = cKDTree(layout_a).query(layout_a[inside], k=2)[0][:, 1]  # to the nearest other point, marked ones too
    lonely = int(inside[gaps.argmax()])
    expected = f"w{lonely}count {counts[lonely]}Jaccard@10 {scores[lonely]:.2f}"
    return expected, (float(layout_a[lonely, 0]), float(layout_a[lonely, 1])), tuple(map(float, layout_a[found]))


_TO_PIXELS = """([x, y]) => {
    const plot = document.getElementById('map'), box = plot.getBoundingClientRect(), full = plot._fullLayout;
    return [box.left + full.xaxis._offset + full.xaxis.l2p(x), box.top + full.yaxis._offset + full.yaxis.l2p(y)];
}"""


def _share_of_colour(png: bytes, colour: tuple[int, int, int], tolerance: int = 40) -> float:
    """The share of a screenshot's pixels within ``tolerance`` of ``colour`` on each channel."""
    import io

    import numpy as np
    from PIL import Image

    pixels = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=int)
    return float((np.abs(pixels - np.array(colour)).max(axis=2) <= tolerance).mean())


def test_a_200k_point_map_draws_and_hovers_without_freezing(browser, tmp_path):
    """Both maps of 200,000 words draw with WebGL over their density shading, the found word is ringed, and hovering
    a point answers at once: timed and printed (goal: paint < 5 s, hover < 100 ms on a quiet machine)."""
    from embedlab.present import figures

    expected_hover, lonely, found = _map_page(tmp_path / "map.html")
    size_mb = (tmp_path / "map.html").stat().st_size / 1e6
    page = browser.new_page(viewport={"width": 1400, "height": 800})
    page.goto((tmp_path / "map.html").as_uri())
    page.wait_for_function("window.drawnAt !== undefined", timeout=60_000)
    first_paint_ms = page.evaluate("window.drawnAt")
    assert page.locator("#map canvas").count() >= 1 and "WebGL is not supported" not in page.inner_text("body")
    drawn = page.evaluate(
        """() => document.getElementById('map')._fullData.map(t => [t.type, t.name, t.visible, t._length ?? null])"""
    )
    names = [name for _, name, *_ in drawn]
    levels = figures.SHADES  # coloured by frequency: one single-colour trace per shade, then the colour bar
    per_map = ["density", *["words"] * levels, "colour scale", "neighbours", "query", "found"]
    assert names == [*per_map, *per_map, "moved from A"] and drawn[0][0] == "heatmap"
    assert sum(length for _, name, _, length in drawn if name == "words") == 2 * (MAP_POINTS - 21)
    assert page.locator("#map .colorbar").count() == 1
    assert page.locator("#map .hm image").count() == 2  # both density layers painted (plotly draws them as images)
    # The found word: both maps zoomed around it, and its ring drawn (magenta pixels right around it in map A).
    x, y = page.evaluate(_TO_PIXELS, list(found))
    ring = page.screenshot(clip={"x": x - 20, "y": y - 20, "width": 40, "height": 40})
    away = page.screenshot(clip={"x": x - 20, "y": y + 60, "width": 40, "height": 40})
    assert _share_of_colour(ring, (0xE6, 0x00, 0x7E)) > 0.05 and _share_of_colour(away, (0xE6, 0x00, 0x7E)) < 0.01
    full_width = page.evaluate("document.getElementById('map')._fullLayout.xaxis.range")
    assert full_width[0] < found[0] < full_width[1] and full_width[1] - full_width[0] < 4  # zoomed: the map is ~10 wide
    # In the page's clock: from the mouse event to plotly's hover event (fired once the label is drawn).
    page.evaluate(
        """() => {
        document.addEventListener('mousemove', e => { window.movedAt = e.timeStamp; }, true);
        document.getElementById('map').on('plotly_hover', () => { window.hoveredAt = performance.now(); });
    }"""
    )
    page.mouse.move(5, 5)  # off the plot: no label left from an earlier hover
    expect(page.locator(".hoverlayer .hovertext")).to_have_count(0)
    page.wait_for_timeout(200)  # past plotly's 50 ms between hovers, so the time is the hover's own
    x, y = page.evaluate(_TO_PIXELS, list(lonely))
    started = time.perf_counter()
    page.mouse.move(x, y)
    page.wait_for_function("window.hoveredAt !== undefined", polling="raf", timeout=10_000)
    hover_ms = 1000 * (time.perf_counter() - started)  # as the user sees it, with Playwright's round trip
    in_page_ms = page.evaluate("window.hoveredAt - window.movedAt")
    label = page.locator(".hoverlayer .hovertext")
    expect(label).to_have_count(1)
    assert label.text_content() == expected_hover  # the word, its count and its change score
    # Responsive afterwards: an animation frame comes within a second (a frozen page never answers).
    frame_ms = page.evaluate(
        "new Promise(done => { const t = performance.now(); "
        "requestAnimationFrame(() => done(performance.now() - t)); })"
    )
    print(
        f"\n{2 * MAP_POINTS:,}-point map (2 x {MAP_POINTS:,}, {size_mb:.1f} MB of HTML): first paint "
        f"{first_paint_ms:,.0f} ms after navigation, hover label {hover_ms:,.0f} ms ({in_page_ms:,.0f} ms in the "
        f"page), next animation frame {frame_ms:,.0f} ms"
    )
    if os.environ.get("EMBEDLAB_MAP_TIMINGS"):  # bench/run_all.py reads the numbers from here
        Path(os.environ["EMBEDLAB_MAP_TIMINGS"]).write_text(
            json.dumps(
                {"points": MAP_POINTS, "first_paint_ms": first_paint_ms, "hover_ms": hover_ms, "frame_ms": frame_ms}
            )
        )
    # Bounds a loaded 2-core CI machine keeps (the goal, 5 s and 100 ms, is what the bench reports against).
    assert first_paint_ms < 15_000 and hover_ms < 1_000 and frame_ms < 1_000
    page.close()


PAGES = {"corpus": "Corpus", "train": "Train", "runs": "Runs", "compare": "Compare", "evaluate": "Evaluate"}


def test_every_page_opens_at_its_own_path_and_the_browser_reaches_no_other_host(server, browser):
    """The browser, not only the server, stays on this machine: every request of every page (scripts, fonts, the
    page icon, websockets) goes to the server's own address. ``/`` opens the Corpus page at ``/corpus``, or the
    Verdict at ``/verdict`` once a run exists (the upload test above trains one on this server)."""
    context = browser.new_context()
    requests: list[str] = []
    context.on("request", lambda request: requests.append(request.url))
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    landing = "Verdict" if any((server.home / "runs").glob("run-*")) else "Corpus"
    page.goto(server.url + "/")
    page.wait_for_url(re.compile(rf"/{landing.lower()}(\?.*)?$"))  # the Verdict writes its view into the query
    expect(page.get_by_role("heading", name=landing, exact=True)).to_be_visible()
    for path, title in PAGES.items():
        page.goto(f"{server.url}/{path}")
        expect(page.get_by_role("heading", name=title, exact=True)).to_be_visible()
        expect(page.get_by_text("Page not found")).to_have_count(0)
        page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]').wait_for()
    context.close()
    parts = [urllib.parse.urlsplit(url) for url in requests]
    network = [part for part in parts if part.scheme not in ("data", "blob")]  # in-page resources, no request
    assert len(network) > 20 and {part.hostname for part in network} == {"127.0.0.1"}, [
        part.geturl() for part in network if part.hostname != "127.0.0.1"
    ][:10]
