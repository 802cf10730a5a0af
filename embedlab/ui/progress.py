"""A progress bar with an ETA for any wait: the work runs in a worker thread, the page shows how far it got.

What the bar shows is computed by :class:`ProgressView`, without Streamlit (tests drive it with a clock of their
own): it moves at least once a second while work goes on, even through a long step that reports nothing (a
classifier's fit, a UMAP layout), never goes backwards, and never claims a step finished before it reports so.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from typing import TypeVar

import streamlit as st
from streamlit.runtime.scriptrunner import add_script_run_ctx, get_script_run_ctx

T = TypeVar("T")

QUIET_SECONDS = 0.5  # work done sooner shows no bar at all (a bar flashing by reads as a glitch)
POLL_SECONDS = 0.25
ESTIMATE_CAP = 0.95  # a time-based bar approaches this and never reaches it: an estimate must not claim "finished"
STILL_SECONDS = 5.0  # a step running longer than this says so, its seconds counting up (the text moves every second)
CREEP_SHARE = 0.5  # between two reports the bar creeps at most this share of the way to where the step ends
_NO_RATE_SECONDS = 30.0  # how long a step with nothing to go by is assumed to take, for the creep only


def eta_text(fraction: float, elapsed: float) -> str:
    """ "about N s left" from the share done (0..1) and the seconds spent so far; "" while too early to tell.

    The rate so far is assumed to hold: left = elapsed x (1 - fraction) / fraction.
    """
    if fraction < 0.02 or elapsed < 1.0:
        return ""
    left = elapsed * (1.0 - fraction) / fraction
    return f"about {left:,.0f} s left" if left >= 1 else "almost done"


class ProgressView:
    """What a progress bar shows, from the reports of the work and the clock.

    Reports give the share done (0..1), optionally what runs now and ``until``, the share done when the running
    step ends. Between reports the bar creeps towards ``until`` (else 1) at the rate the work went so far, covering
    at most ``CREEP_SHARE`` of the way, so it moves through a long step without claiming it done; after
    ``STILL_SECONDS`` without a report the text adds how long the step has run, and work that cannot measure itself
    (``estimate_seconds``, no report) follows the clock towards ``ESTIMATE_CAP``, then says it takes longer than
    estimated. The shown share never goes backwards.

    Args:
        message: what runs, until a report says otherwise.
        estimate_seconds: the expected duration of work that reports nothing, or None.
        now: the clock's reading at the start (``time.monotonic()`` by default).
    """

    def __init__(self, message: str, estimate_seconds: float | None = None, now: float | None = None) -> None:
        self.started = time.monotonic() if now is None else now
        self.message = message
        self.estimate_seconds = estimate_seconds
        self.fraction = 0.0  # the share the work reported
        self.until: float | None = None
        self.changed = self.started  # when the report last changed (share or message)
        self.reported = False
        self.shown = 0.0
        self._lock = threading.Lock()

    def report(
        self, fraction: float, message: str | None = None, until: float | None = None, now: float | None = None
    ) -> None:
        """The work's report: share done (0..1), what runs now (kept until another says otherwise), and the share
        done when that step ends (None: not known)."""
        now = time.monotonic() if now is None else now
        fraction = min(1.0, max(0.0, float(fraction)))
        with self._lock:
            if fraction > self.fraction or (message and message != self.message):
                self.changed = now
            self.fraction = max(self.fraction, fraction)
            self.reported = True
            if message:
                self.message = message
            self.until = min(1.0, until) if until is not None and until > self.fraction else None

    def view(self, now: float | None = None) -> tuple[float, str]:
        """(the share to show, 0..1; the text under the bar) at ``now``."""
        now = time.monotonic() if now is None else now
        with self._lock:
            elapsed = max(0.0, now - self.started)
            still = max(0.0, now - self.changed)
            if not self.reported and self.estimate_seconds:
                shown = ESTIMATE_CAP * (1.0 - math.exp(-elapsed / self.estimate_seconds))
                left = self.estimate_seconds - elapsed
                eta = (
                    f"about {left:,.0f} s left (estimated)"
                    if left >= 1
                    else f"taking longer than estimated, {elapsed:,.0f} s so far"
                )
            else:
                target = self.until if self.until is not None else 1.0
                shown = self.fraction + (target - self.fraction) * CREEP_SHARE * (1 - math.exp(-still / self._tau()))
                eta = eta_text(self.fraction, elapsed)  # the rate the work reported, not the creep's
                if still >= STILL_SECONDS:
                    eta = f"{eta} · {still:,.0f} s on this step" if eta else f"{still:,.0f} s on this step"
            self.shown = max(self.shown, min(shown, 1.0))
            text = f"{self.message} {self.shown:.0%}" + (f" · {eta}" if eta else "")
            return self.shown, text

    def _tau(self) -> float:
        """Seconds the running step is expected to take to reach its end, at the rate the work went so far."""
        target = self.until if self.until is not None else 1.0
        spent = self.changed - self.started
        if self.fraction > 0 and spent > 0:
            return max(0.5, (target - self.fraction) * spent / self.fraction)
        return self.estimate_seconds or _NO_RATE_SECONDS


def wait_with_progress(
    message: str,
    work: Callable[[Callable[..., None]], T],
    estimate_seconds: float | None = None,
) -> T:
    """Run ``work(report)`` while a progress bar shows its share done and an ETA; return what it returns.

    ``work`` runs in a worker thread that carries this script run's context (so Streamlit's caches work there as
    they do in the page) and calls ``report(fraction)`` (0..1) as it goes, ``report(fraction, message)`` to say
    what runs now in place of ``message``, or ``report(fraction, message, until)`` with the share done once that
    step ends. Work that cannot measure itself (a UMAP fit) passes ``estimate_seconds`` instead. What the bar
    shows between reports is :class:`ProgressView`'s: it moves at least once a second, says what runs when a step
    takes long, and never goes backwards. The bar appears only after ``QUIET_SECONDS`` and is removed when the work
    ends.

    Raises:
        Whatever ``work`` raised, in the page's thread.
    """
    view = ProgressView(message, estimate_seconds)
    outcome: dict[str, object] = {}

    def report(fraction: float, now: str | None = None, until: float | None = None) -> None:
        view.report(fraction, now, until)

    def target() -> None:
        try:
            outcome["value"] = work(report)
        except BaseException as error:  # handed to the page's thread, which raises it
            outcome["error"] = error

    thread = threading.Thread(target=target, name="embedlab-wait", daemon=True)
    add_script_run_ctx(thread, get_script_run_ctx())
    start = time.monotonic()
    thread.start()
    bar = None
    while thread.is_alive():
        thread.join(POLL_SECONDS)
        if not thread.is_alive() or time.monotonic() - start < QUIET_SECONDS:
            continue
        fraction, text = view.view()
        if bar is None:
            bar = st.progress(fraction, text=text)
        else:
            bar.progress(fraction, text=text)
    if bar is not None:
        bar.empty()
    if "error" in outcome:
        raise outcome["error"]  # type: ignore[misc]
    return outcome["value"]  # type: ignore[return-value]
