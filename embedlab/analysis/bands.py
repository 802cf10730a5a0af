"""Frequency bands (1, 2–4, 5–9, 10–19, ...): fixed edges, so a band in a link means the same on every corpus."""

from __future__ import annotations

import numpy as np


def frequency_bands(counts: np.ndarray) -> np.ndarray:
    """A readable, fixed band label per count: 1, 2–4, 5–9, 10–19, 20–49, 50–99, 100–199, ...

    Returns:
        object array of labels, same shape as ``counts``.
    """
    counts = np.asarray(counts)
    edges = _band_edges(int(counts.max(initial=1)))
    positions = np.searchsorted(edges, counts, side="right") - 1
    labels = np.array([_band_label(edges, i) for i in range(len(edges) - 1)], dtype=object)
    return labels[np.clip(positions, 0, len(labels) - 1)]


def band_order(counts: np.ndarray) -> list[str]:
    """Band labels from rarest to most frequent, up to the band of the largest count."""
    edges = _band_edges(int(np.asarray(counts).max(initial=1)))
    return [_band_label(edges, i) for i in range(len(edges) - 1)]


def _band_edges(largest: int) -> list[int]:
    """1, 2, 5, 10, 20, 50, ... up to the first edge above ``largest`` (each band is [edge, next edge))."""
    edges, decade = [1], 1
    while edges[-1] <= largest:
        for step in (2, 5, 10):
            edges.append(step * decade)
            if edges[-1] > largest:
                break
        decade *= 10
    return edges


def _band_label(edges: list[int], i: int) -> str:
    low, high = edges[i], edges[i + 1] - 1
    return f"{low:,}" if high == low else f"{low:,}–{high:,}"
