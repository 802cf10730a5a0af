"""A progress bar with an ETA for any wait: the work runs in a worker thread, the page shows how far it got."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TypeVar

import streamlit as st
from streamlit.runtime.scriptrunner import add_script_run_ctx, get_script_run_ctx

T = TypeVar("T")

QUIET_SECONDS = 0.5  # work done sooner shows no bar at all (a bar flashing by reads as a glitch)
POLL_SECONDS = 0.25
ESTIMATE_CAP = 0.95  # a time-based bar stops here until the work is done: an estimate must not claim "finished"


def eta_text(fraction: float, elapsed: float) -> str:
    """ "about N s left" from the share done (0..1) and the seconds spent so far; "" while too early to tell.

    The rate so far is assumed to hold: left = elapsed x (1 - fraction) / fraction.
    """
    if fraction < 0.02 or elapsed < 1.0:
        return ""
    left = elapsed * (1.0 - fraction) / fraction
    return f"about {left:,.0f} s left" if left >= 1 else "almost done"


def wait_with_progress(
    message: str,
    work: Callable[[Callable[..., None]], T],
    estimate_seconds: float | None = None,
) -> T:
    """Run ``work(report)`` while a progress bar shows its share done and an ETA; return what it returns.

    ``work`` runs in a worker thread that carries this script run's context (so Streamlit's caches work there as
    they do in the page) and calls ``report(fraction)`` (0..1) as it goes, or ``report(fraction, message)`` to say
    what runs now in place of ``message``. Work that cannot measure itself
    (a UMAP fit) passes ``estimate_seconds`` instead: the bar then follows the clock, capped at 95% until done.
    The bar appears only after ``QUIET_SECONDS`` and is removed when the work ends.

    Raises:
        Whatever ``work`` raised, in the page's thread.
    """
    state: dict[str, float | str] = {"fraction": 0.0, "message": message}
    outcome: dict[str, object] = {}

    def report(fraction: float, now: str | None = None) -> None:
        state["fraction"] = min(1.0, max(0.0, float(fraction)))
        if now:
            state["message"] = now

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
        elapsed = time.monotonic() - start
        if not thread.is_alive() or elapsed < QUIET_SECONDS:
            continue
        fraction = float(state["fraction"])
        if estimate_seconds and fraction == 0.0:
            fraction = min(ESTIMATE_CAP, elapsed / estimate_seconds)
            left = max(0.0, estimate_seconds - elapsed)
            eta = f"about {left:,.0f} s left (estimated)" if left >= 1 else "taking longer than estimated"
        else:
            eta = eta_text(fraction, elapsed)
        text = f"{state['message']} {fraction:.0%}" + (f" · {eta}" if eta else "")
        if bar is None:
            bar = st.progress(fraction, text=text)
        else:
            bar.progress(fraction, text=text)
    if bar is not None:
        bar.empty()
    if "error" in outcome:
        raise outcome["error"]  # type: ignore[misc]
    return outcome["value"]  # type: ignore[return-value]
