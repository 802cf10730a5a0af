"""How EmbedLab writes an interval, one way everywhere: the pages, the CLI, the verdict, the report and the health
checks all call :func:`interval`, so a reader sees ``95% CI [+0.010, +0.094]`` in every place a 95% interval is."""

from __future__ import annotations

import math
from typing import Any

DASH = "—"  # what a table cell or sentence shows where there is no interval


def _missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        return math.isnan(float(value))
    except (TypeError, ValueError):
        return True


def interval(low: Any, high: Any, *, digits: int = 3, confidence: float | None = None) -> str:
    """An interval as text: ``[+0.010, +0.094]``, signed so a difference's side of zero reads at a glance.

    Args:
        low, high: the bounds (floats; None or NaN where there is none).
        digits: decimals shown.
        confidence: when given (0..1), the level leads: ``95% CI [+0.010, +0.094]``.

    Returns:
        The text, or :data:`DASH` when a bound is missing.
    """
    if _missing(low) or _missing(high):
        return DASH
    text = f"[{float(low):+.{digits}f}, {float(high):+.{digits}f}]"
    return text if confidence is None else f"{confidence:.0%} CI {text}"


def estimate(value: Any, low: Any, high: Any, *, digits: int = 3, confidence: float | None = None) -> str:
    """A difference with its interval: ``+0.052 [+0.010, +0.094]`` (``+0.052, 95% CI [+0.010, +0.094]`` with a
    confidence); :data:`DASH` for a missing value, the value alone when the interval is missing."""
    if _missing(value):
        return DASH
    shown = f"{float(value):+.{digits}f}"
    bounds = interval(low, high, digits=digits, confidence=confidence)
    if bounds == DASH:
        return shown
    return f"{shown}, {bounds}" if confidence is not None else f"{shown} {bounds}"


__all__ = ["DASH", "estimate", "interval"]
