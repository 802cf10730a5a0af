#!/usr/bin/env python
"""Comparisons: a neighbour query against gensim, and Jaccard@10 over every shared word.

Two steps (the Compare page's reruns are measured in a browser, by browser_views.py):

* single neighbour query in a 100k x 300 space: ``embedlab.analysis.nearest`` vs gensim
  ``KeyedVectors.most_similar`` on the same vectors, interleaved query by query (both return the same words);
* all-vocabulary Jaccard@10 (and rank-biased overlap) over 20k shared words, a 100-d and a 384-d space, as
  "What changed" computes it (``compare.compare_spaces``), median of interleaved repeats.

Usage::

    python bench/compare_speed.py [--quick] [--repeats R]
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common  # noqa: E402

_common.pin_threads()  # before numpy, torch or numba start their thread pools

NAME = "compare_speed"
QUERY_GOAL_MS = 20.0
JACCARD_GOAL_S = 10.0


def _space(words: list[str], dim: int, seed: int):
    import numpy as np

    from embedlab.spaces import EmbeddingSpace

    return EmbeddingSpace(
        f"synthetic-{dim}d",
        tuple(words),
        _common.clustered_vectors(len(words), dim, seed),
        np.arange(len(words), 0, -1),
        "synthetic",
    )


def _query_row(n: int, dim: int, queries: int) -> _common.Row:
    """Median milliseconds per query of nearest() and gensim most_similar, same vectors, same words."""
    import numpy as np
    from gensim.models import KeyedVectors

    from embedlab.analysis import nearest

    words = [f"w{i}" for i in range(n)]
    space = _space(words, dim, seed=4)
    vectors = KeyedVectors(dim)
    vectors.add_vectors(words, space.vectors)
    vectors.fill_norms()
    picked = [words[i] for i in np.random.default_rng(5).choice(n, size=queries, replace=False)]
    nearest(space, picked[0], 10), vectors.most_similar(picked[0], topn=10)  # first-call costs are not the query's
    times = {"raw": [], "app": []}
    same = True
    for word in picked:
        started = time.perf_counter()
        theirs = vectors.most_similar(word, topn=10)
        times["raw"].append(time.perf_counter() - started)
        started = time.perf_counter()
        ours = nearest(space, word, 10)
        times["app"].append(time.perf_counter() - started)
        same &= [n.word for n in ours] == [w for w, _ in theirs]
    raw_ms, app_ms = (1000 * _common.median(times[side]) for side in ("raw", "app"))
    return _common.Row(
        f"single neighbour query, {n:,} x {dim} (median of {queries})",
        f"{raw_ms:.2f} ms",
        f"{app_ms:.2f} ms",
        app_ms / raw_ms,
        f"<= gensim most_similar and < {QUERY_GOAL_MS:.0f} ms",
        app_ms <= raw_ms and app_ms < QUERY_GOAL_MS and same,
        "" if same else "neighbour lists differ from gensim's",
    )


def _without_tie_break(compare, a, b, n: int):
    """``compare_spaces`` searching only the k nearest: no deep_overlap to break Jaccard ties (the path before the
    rank-biased overlap of the 100 nearest was added)."""
    from embedlab.analysis import comparison

    depth, comparison.TIE_DEPTH = comparison.TIE_DEPTH, 10
    try:
        return compare(a, b, 10, n)
    finally:
        comparison.TIE_DEPTH = depth


def _jaccard_row(n: int, repeats: int) -> _common.Row:
    from embedlab.analysis import compare_spaces

    words = _common.pseudo_words(n, seed=6)
    a, b = _space(words, 100, seed=7), _space(words, 384, seed=8)
    times = _common.interleaved(
        repeats,
        {
            "raw": lambda: _common.timed(lambda: _without_tie_break(compare_spaces, a, b, n)),
            "app": lambda: _common.timed(lambda: compare_spaces(a, b, 10, n)),
        },
        label="Jaccard@10: ",
    )
    raw_s, app_s = _common.median(times["raw"]), _common.median(times["app"])
    return _common.Row(
        f"Jaccard@10 + rank overlap, all {n:,} shared words (100-d vs 384-d); raw: without the tie-break's 100 nearest",
        _common.seconds(raw_s),
        _common.seconds(app_s),
        app_s / raw_s,
        f"< {JACCARD_GOAL_S:.0f} s",
        app_s < JACCARD_GOAL_S,
    )


def main(argv: list[str] | None = None) -> int:
    args = _common.parser(__doc__.split("\n\n")[0]).parse_args(argv)
    repeats = args.repeats or (2 if args.quick else 3)
    n_query, n_shared = (20_000, 5_000) if args.quick else (100_000, 20_000)
    report = _common.Report(NAME, "Comparisons: neighbour query, Jaccard@10", _common.command_line("compare_speed.py"))
    with _common.scratch_home(NAME):
        report.rows.append(_query_row(n_query, 300, queries=15 if args.quick else 50))
        report.rows.append(_jaccard_row(n_shared, repeats))
    report.notes = [
        "Neighbour query: gensim's `most_similar` is the raw side; both are warmed with one query first (gensim "
        "caches its normalised matrix) and must return the same 10 words.",
        "Jaccard@10: neighbours searched among all shared words in blocks of 1,024 rows (a matrix product and a "
        "bounded top-k per block), both spaces, then Jaccard@10 and rank-biased overlap per word.",
    ]
    report.save()
    return 0


if __name__ == "__main__":
    sys.exit(main())
