#!/usr/bin/env python
"""The Compare page in a real browser against a freshly started server: first map vs a warm map, and reruns.

Debian's Chromium, driven by Playwright, opens the Compare page of ``streamlit run app.py`` (started by the
browser test's own ``StreamlitServer``, with a scratch EMBEDLAB_HOME holding a synthetic corpus and two
Word2Vec runs). Two steps:

* first map in the fresh server vs a warm map: once the page says that the background UMAP warm-up is done
  (the sidebar's "Maps ready", checked by reloading the page every 2 s), open the Map tab by a share link
  (N words, seed 1) and time until the plot is drawn; then the same with other seeds (other samples, so
  nothing is cached). The time from the first page to "Maps ready" is reported too: a map asked for earlier
  waits for it.
* a Compare view already computed: on "What changed", type another number of words to score (new scores:
  a first compute) and time the script run, then press R (a rerun of the same view: cache hit) and time it.

Usage::

    python bench/browser_views.py [--quick] [--repeats R] [--map-words N]
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common  # noqa: E402

_common.pin_threads()  # before numpy, torch or numba start their thread pools

sys.path.insert(0, str(_common.ROOT / "tests"))

NAME = "browser_views"
MAP_GOAL, RERUN_GOAL = 1.5, 0.05
TIMEOUT_MS = 600_000
READY_TEXT = "Maps ready"  # the sidebar, once this server has compiled UMAP
# When each websocket message reaches the page (its clock). A script run ends with the server's last message;
# the app's data-test-script-state attribute misses fast runs (React may never render "running").
_RECORD_MESSAGES = """(() => {
    const Original = window.WebSocket;
    window.__messages = [];
    window.WebSocket = class extends Original {
        constructor(...args) {
            super(...args);
            this.addEventListener('message', () => window.__messages.push(performance.now()));
        }
    };
})();"""
_QUIET_MS = 1500  # no message for this long after the last one, and the app not "running": the run is over
_RUN_OVER = """([since, quiet]) => {
    const last = window.__messages[window.__messages.length - 1];
    const state = document.querySelector('[data-testid="stApp"]').getAttribute('data-test-script-state');
    return last > since && performance.now() - last > quiet && state === 'notRunning';
}"""


def _two_runs(tokens: int):
    from embedlab.corpus import build_corpus
    from embedlab.training import TrainConfig, train_run

    path = Path(os.environ["EMBEDLAB_HOME"]).parent / "synthetic.txt"
    _common.SyntheticText(seed=5).write(path, tokens)
    corpus = build_corpus(path.name, path.read_bytes())
    runs = [train_run(corpus, TrainConfig(epochs=1, seed=seed, window=window)).id for seed, window in ((1, 5), (2, 3))]
    return corpus, runs


def _link(server, **view) -> str:
    from embedlab.analysis import views

    return f"{server.url}/compare?{urlencode(views.to_query(views.CompareView(**view)))}"


def _wait_until_page_says_ready(page, link: str, timeout: float = 600) -> float:
    """Seconds until the page at ``link``, reloaded every 2 s, says that maps are ready."""
    started = time.perf_counter()
    while True:
        page.goto(link)
        page.get_by_text("Shared words", exact=True).wait_for(timeout=TIMEOUT_MS)
        if page.get_by_text(READY_TEXT).count():
            return time.perf_counter() - started
        if time.perf_counter() - started > timeout:
            raise RuntimeError(f"the page never said {READY_TEXT!r}")
        time.sleep(2)


def _open_map(page, link: str) -> float:
    """Seconds from opening a map link until both maps are drawn and the script is idle."""
    started = time.perf_counter()
    page.goto(link)
    page.locator(
        '[data-testid="stPlotlyChart"] .js-plotly-plot .scatterlayer, '
        '[data-testid="stPlotlyChart"] .js-plotly-plot canvas'
    ).first.wait_for(timeout=TIMEOUT_MS)
    page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]').wait_for(timeout=TIMEOUT_MS)
    return time.perf_counter() - started


def _script_run(page, trigger) -> float:
    """Seconds from ``trigger()`` to the last message of the script run it caused, timed in the page."""
    since = page.evaluate("performance.now()")
    trigger()
    page.wait_for_function(_RUN_OVER, arg=[since, _QUIET_MS], timeout=TIMEOUT_MS, polling=100)
    return (page.evaluate("window.__messages[window.__messages.length - 1]") - since) / 1000


def _map_rows(server, page, view: dict, words: int, repeats: int) -> tuple[list[_common.Row], dict]:
    warm_up = _wait_until_page_says_ready(page, _link(server, **view, tab="neighbours"))
    print(f"  the page said maps ready {warm_up:.1f} s after it was first opened", flush=True)
    first = _open_map(page, _link(server, **view, tab="map", n=words, seed=1))
    print(f"  first map: {first:.1f} s", flush=True)
    warm = [_open_map(page, _link(server, **view, tab="map", n=words, seed=2 + i)) for i in range(repeats)]
    print(f"  warm maps: {', '.join(f'{t:.1f} s' for t in warm)}", flush=True)
    warm_s = _common.median(warm)
    row = _common.Row(
        f"first map in a fresh server (after the page says maps ready) vs a warm map, {words:,} words",
        f"warm {_common.seconds(warm_s)}",
        f"first {_common.seconds(first)}",
        first / warm_s,
        f"<= {MAP_GOAL:.1f}x",
        first <= MAP_GOAL * warm_s,
    )
    return [row], {"maps_ready_after_page_seconds": warm_up, "first": first, "warm": warm}


def _rerun_row(server, page, view: dict, scored: int, repeats: int) -> tuple[_common.Row, dict]:
    page.goto(_link(server, **view, tab="changed", m=scored, k=10))
    page.get_by_text("Most changed").wait_for(timeout=TIMEOUT_MS)
    words_scored = page.get_by_label("Words scored", exact=True)
    first, rerun = [], []
    for repeat in range(repeats):
        words_scored.fill(str(scored - 1 - repeat))  # another sample size: scores never computed
        first.append(_script_run(page, lambda: words_scored.press("Enter")))
        page.get_by_role("heading", name="Compare").click()  # focus off the input, so R reaches the app
        rerun.append(_script_run(page, lambda: page.keyboard.press("r")))
        print(f"  view #{repeat + 1}: first {first[-1]:.3f} s, rerun {rerun[-1]:.3f} s", flush=True)
    first_s, rerun_s = _common.median(first), _common.median(rerun)
    row = _common.Row(
        f'Compare view "What changed" (~{scored:,} words scored): rerun (cache hit) vs first compute',
        f"first {_common.seconds(first_s)}",
        f"rerun {_common.seconds(rerun_s)}",
        rerun_s / first_s,
        f"<= {RERUN_GOAL:.2f}x",
        rerun_s <= RERUN_GOAL * first_s,
    )
    return row, {"first": first, "rerun": rerun}


def main(argv: list[str] | None = None) -> int:
    parser = _common.parser(__doc__.split("\n\n")[0])
    parser.add_argument("--map-words", type=int, default=None, help="words per map (default 10,000; --quick 1,000)")
    parser.add_argument("--scored", type=int, default=None, help="words scored (default 20,000; --quick 2,000)")
    args = parser.parse_args(argv)
    words = args.map_words or (1_000 if args.quick else 10_000)
    scored = args.scored or (2_000 if args.quick else 20_000)
    repeats = args.repeats or 2
    from playwright.sync_api import sync_playwright
    from test_e2e_browser import CHROMIUM, CHROMIUM_ARGS, StreamlitServer

    report = _common.Report(
        NAME, "The Compare page in a browser: first map, reruns", _common.command_line("browser_views.py")
    )
    with _common.scratch_home(NAME), sync_playwright() as playwright:
        corpus, (run_a, run_b) = _two_runs(400_000 if args.quick else 2_000_000)
        view = {"corpus": corpus.id, "a": run_a, "b": run_b}
        server = StreamlitServer(Path(os.environ["EMBEDLAB_HOME"]))
        server.start()
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page()
            page.add_init_script(_RECORD_MESSAGES)
            page.set_default_timeout(TIMEOUT_MS)
            map_rows, map_details = _map_rows(server, page, view, words, repeats)
            rerun_row, rerun_details = _rerun_row(server, page, view, scored, repeats)
        finally:
            browser.close()
            server.stop()
    report.rows = [*map_rows, rerun_row]
    report.notes = [
        f'The page said "Maps ready" {map_details["maps_ready_after_page_seconds"]:.0f} s after it was first '
        "opened in the fresh server (numba compiling UMAP and pynndescent in the background); a map asked for "
        "before that waits for it. Map times are from opening the link to the drawn plot, page load included; the warm "
        f"map is the median of {repeats} other seeds (other samples, so not cached).",
        "Compare view: times are script runs measured in the page, from the key press to the last websocket "
        "message of the run, so they include sending the result to the browser (not drawing it).",
    ]
    report.details = {"map": map_details, "rerun": rerun_details, "map_words": words, "scored": scored}
    report.save()
    return 0


if __name__ == "__main__":
    sys.exit(main())
