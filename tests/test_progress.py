"""Progress that tells the truth (issue 24.3): what a bar shows through a long step that reports nothing, on a clock
the test controls (embedlab.ui.progress.ProgressView), and a real wait on the evaluation flow with a slow step."""

from __future__ import annotations

import threading
import time

import pytest

from embedlab.ui.progress import ESTIMATE_CAP, STILL_SECONDS, ProgressView


def _views(view: ProgressView, start: float, seconds: int) -> list[tuple[float, str]]:
    """What the bar shows once a second for ``seconds`` seconds from ``start``."""
    return [view.view(now=start + second) for second in range(1, seconds + 1)]


def test_a_long_silent_step_keeps_moving_names_itself_and_never_claims_its_end():
    view = ProgressView("Building the verdict…", now=0.0)
    view.report(0.1, "Evaluating MiniLM: encoding the documents", until=0.2, now=4.0)
    shown = _views(view, 4.0, 120)  # two minutes without a report: one classifier fit on a busy machine
    fractions = [fraction for fraction, _ in shown]
    assert fractions == sorted(fractions) and fractions[0] > 0.1  # never backwards; moving from the first second
    assert all(fraction < 0.2 for fraction in fractions)  # the step is not done until it says so
    assert fractions[9] > fractions[4] > fractions[0]  # visibly moving while the step's pace is known
    texts = [text for _, text in shown]
    assert all(text.startswith("Evaluating MiniLM: encoding the documents ") for text in texts)
    assert len(set(texts[int(STILL_SECONDS) :])) == len(texts) - int(STILL_SECONDS)  # the text moves every second
    assert texts[-1].endswith("120 s on this step")
    view.report(0.2, "Evaluating MiniLM: classifying the documents by label", until=0.5, now=125.0)
    fraction, text = view.view(now=125.5)
    assert (
        fraction >= fractions[-1] and text.startswith("Evaluating MiniLM: classifying") and "on this step" not in text
    )


def test_work_that_cannot_measure_itself_follows_the_clock_then_says_it_takes_longer():
    view = ProgressView("Projecting 10,000 words with AlignedUMAP…", estimate_seconds=10.0, now=0.0)
    shown = _views(view, 0.0, 60)
    fractions = [fraction for fraction, _ in shown]
    assert fractions == sorted(fractions) and len(set(fractions)) == len(fractions)  # always moving
    assert 0 < fractions[0] and fractions[-1] < ESTIMATE_CAP  # never 0% while it runs, never "done" by the clock
    assert shown[4][1] == "Projecting 10,000 words with AlignedUMAP… 37% · about 5 s left (estimated)"
    assert shown[29][1].endswith("taking longer than estimated, 30 s so far")
    assert shown[29][1].startswith("Projecting 10,000 words with AlignedUMAP…")  # what is running


def test_a_wait_with_no_report_and_no_estimate_is_not_stuck_at_zero():
    view = ProgressView("Loading…", now=0.0)
    fraction, text = view.view(now=2.0)
    assert fraction > 0.005 and not text.startswith("Loading… 0%")


def test_reports_never_move_the_bar_back():
    view = ProgressView("Scoring…", now=0.0)
    view.report(0.5, now=1.0)
    ahead, _ = view.view(now=30.0)
    view.report(0.4, now=31.0)  # a late report of less: ignored
    assert view.view(now=31.0)[0] >= ahead and view.fraction == 0.5


def test_a_real_wait_on_the_flow_with_a_slow_step(monkeypatch):
    """The evaluation flow with a fake slow section in a real wait_with_progress: every bar update names what runs,
    an update comes at least every half second, the share never goes back and moves through the slow step."""
    import streamlit as st

    from embedlab import evaluation
    from embedlab.ui import progress

    updates: list[tuple[float, float, str]] = []

    class Bar:
        def progress(self, fraction: float, text: str) -> None:
            updates.append((time.monotonic(), fraction, text))

        def empty(self) -> None:
            pass

    def st_progress(fraction: float, text: str) -> Bar:
        updates.append((time.monotonic(), fraction, text))
        return Bar()

    monkeypatch.setattr(st, "progress", st_progress)
    monkeypatch.setattr(progress, "QUIET_SECONDS", 0.0)
    monkeypatch.setattr(progress, "POLL_SECONDS", 0.05)
    monkeypatch.setattr(progress, "STILL_SECONDS", 0.5)

    class SlowSections(evaluation.Sections):
        """Every section instant, except WEAT: 2 s without a word."""

        def intrinsic(self, space, options, progress=None):
            return (), None

        def weat(self, space, options):
            time.sleep(2.0)
            return {}

    class Space:
        name, dim, encoder = "slow", 8, None

        def __len__(self) -> int:
            return 10

    options = evaluation.EvaluationOptions(weat_sets=evaluation.choose_weat_sets(["career"]))
    held_out = evaluation.HeldOut((), "none")

    def work(report):
        def step(found: evaluation.EvaluationStep) -> None:
            report(found.done, found.message or None, found.until)

        return evaluation.evaluate_spaces([Space()], None, options, held_out, step, SlowSections())

    started = time.monotonic()
    thread_count = threading.active_count()
    found = progress.wait_with_progress("Evaluating…", work)
    assert found.names == ["slow"] and threading.active_count() <= thread_count  # the worker is gone
    assert time.monotonic() - started >= 2.0 and len(updates) >= 20
    times = [at for at, _, _ in updates]
    assert max(b - a for a, b in zip(times, times[1:])) < 0.5
    fractions = [fraction for _, fraction, _ in updates]
    assert fractions == sorted(fractions)
    slow = [(at, fraction, text) for at, fraction, text in updates if text.startswith("WEAT: 1 test")]
    assert slow and slow[-1][0] - slow[0][0] > 1.5  # the slow step is named while it runs
    assert slow[-1][1] > slow[0][1]  # and the bar moves through it
    assert any("s on this step" in text for _, _, text in slow)


@pytest.mark.parametrize("fraction", [0.0, 0.3])
def test_the_view_is_safe_to_read_from_another_thread(fraction):
    view = ProgressView("Working…")
    view.report(fraction)
    results = []
    threads = [threading.Thread(target=lambda: results.append(view.view())) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 8 and all(0 <= shown <= 1 for shown, _ in results)
