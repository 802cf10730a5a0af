#!/usr/bin/env python
"""Change scores of a big map: Jaccard@10 and rank-biased overlap of every mapped word (``analysis.word_changes``,
what the Compare map's colours and hover show), exact vs approximate neighbours.

For 200,000 words scored against a 200,000-word shared vocabulary, a 100-d pair and a 384-d pair of spaces
(clustered vectors; B is A moved by noise, so neighbourhoods partly change):

* raw: today's exact path (blocked matrix products over the whole vocabulary), timed on a 20,000-word slice and
  extrapolated linearly to all words (the vocabulary searched is the same, so the cost per word is too);
* app: ``word_changes`` itself, which above ``maps.EXACT_NEIGHBOURS_UP_TO`` words reads each space's neighbours
  from pynndescent's NN-descent graph; goal <= 180 s on 2 cores;
* on a seeded sample of 1,000 of the words: recall of the approximate 10 nearest against the exact ones (both
  spaces), and the mean absolute error of the approximate Jaccard@10 and rank-biased overlap.

pynndescent's numba compile (once per process) is timed apart, on a tiny space, and is not in the app column.

Usage::

    python bench/map_changes.py [--quick] [--repeats R] [--graph-neighbours W]

``--quick`` scores 60,000 words (a 6,000-word exact slice) instead of 200,000.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common  # noqa: E402

_common.pin_threads()  # before numpy, torch or numba start their thread pools

NAME = "map_changes"
GOAL_S = 180.0
RECALL_GOAL = 0.9
K = 10
SAMPLE = 1_000
MOVED = 0.5  # norm of the noise that moves B's vectors away from A's (A's rows have unit norm)


def _pair(n: int, dim: int, seed: int):
    """A and B sharing ``n`` pseudo-words: clustered unit vectors, and the same moved by Gaussian noise."""
    import numpy as np

    from embedlab.spaces import EmbeddingSpace, normalise_rows

    words = tuple(_common.pseudo_words(n, seed))
    vectors = _common.clustered_vectors(n, dim, seed)
    noise = np.random.default_rng(seed + 1).normal(scale=MOVED / np.sqrt(dim), size=vectors.shape)
    counts = np.arange(n, 0, -1)
    a = EmbeddingSpace(f"a-{dim}d", words, vectors, counts, "synthetic")
    b = EmbeddingSpace(f"b-{dim}d", words, normalise_rows((vectors + noise).astype(np.float32)), counts, "synthetic")
    return a, b


def _compile_seconds() -> float:
    """pynndescent's first build in this process (numba compiles it), on a tiny space."""
    import numpy as np

    from embedlab.analysis import neighbours
    from embedlab.spaces import EmbeddingSpace

    vectors = _common.clustered_vectors(500, 16, 0)
    space = EmbeddingSpace("tiny", tuple(f"w{i}" for i in range(500)), vectors, np.ones(500, np.int64), "synthetic")
    return _common.timed(lambda: neighbours.approximate_neighbor_indices(space, K))


def _names(frame, column: str) -> list[set[str]]:
    return [set(cell.split(", ")) for cell in frame[column]]


def _pair_row(n: int, dim: int, exact_slice: int, repeats: int, details: dict) -> _common.Row:
    import numpy as np

    from embedlab.analysis import word_changes

    a, b = _pair(n, dim, seed=dim)
    words = list(a.words)
    load_before = os.getloadavg()[0]
    sliced = _common.median([_common.timed(lambda: word_changes(a, b, words[:exact_slice], K)) for _ in range(repeats)])
    exact_s = sliced * n / exact_slice
    runs = []
    for _ in range(repeats):
        started = time.perf_counter()
        frame = word_changes(a, b, words, K, shown=K)  # all 10 named, for recall below; the page names 3
        runs.append(time.perf_counter() - started)
    app_s = _common.median(runs)
    load_after = os.getloadavg()[0]
    sample = np.sort(np.random.default_rng(0).choice(n, size=SAMPLE, replace=False))
    exact = word_changes(a, b, [words[i] for i in sample], K, shown=K)  # below the threshold: the exact path
    approx = frame.iloc[sample].reset_index(drop=True)
    recalls = [
        float(np.mean([len(x & y) / K for x, y in zip(_names(approx, column), _names(exact, column))]))
        for column in ("neighbours_a", "neighbours_b")
    ]
    jaccard_error = float(np.mean(np.abs(approx["jaccard"].to_numpy() - exact["jaccard"].to_numpy())))
    overlap_error = float(np.mean(np.abs(approx["rank_overlap"].to_numpy() - exact["rank_overlap"].to_numpy())))
    details[f"{dim}d"] = {
        "words": n,
        "exact_slice_words": exact_slice,
        "exact_slice_s": sliced,
        "exact_extrapolated_s": exact_s,
        "approximate_s": runs,
        "recall_a": recalls[0],
        "recall_b": recalls[1],
        "jaccard_mae": jaccard_error,
        "rank_overlap_mae": overlap_error,
        "mean_jaccard_exact": float(exact["jaccard"].mean()),
        "approximate_flag": bool(frame.attrs.get("approximate")),
        "load": [load_before, load_after],
    }
    passed = app_s <= GOAL_S and min(recalls) >= RECALL_GOAL and bool(frame.attrs.get("approximate"))
    return _common.Row(
        f"change scores of {n:,} map words, {dim}-d pair (vocabulary {n:,}); raw: exact path, {exact_slice:,}-word "
        f"slice x {n // exact_slice}",
        f"{_common.seconds(exact_s)} (extrapolated)",
        f"{_common.seconds(app_s)}; recall@{K} {recalls[0]:.3f} / {recalls[1]:.3f}, Jaccard MAE {jaccard_error:.3f}",
        app_s / exact_s,
        f"<= {GOAL_S:.0f} s, recall >= {RECALL_GOAL}",
        passed,
        f"load {load_before:.1f} -> {load_after:.1f}",
    )


def main(argv: list[str] | None = None) -> int:
    parser = _common.parser(__doc__.split("\n\n")[0])
    parser.add_argument("--graph-neighbours", type=int, default=None, help="NN-descent graph width (default: app's)")
    args = parser.parse_args(argv)
    repeats = args.repeats or 1
    n, exact_slice = (60_000, 6_000) if args.quick else (200_000, 20_000)

    from embedlab.analysis import neighbours

    if args.graph_neighbours:
        neighbours.GRAPH_NEIGHBOURS = args.graph_neighbours
    report = _common.Report(NAME, "Big map change scores: exact vs pynndescent", _common.command_line("map_changes.py"))
    with _common.scratch_home(NAME):
        compile_s = _compile_seconds()
        report.details["compile_s"] = compile_s
        for dim in (100, 384):
            report.rows.append(_pair_row(n, dim, exact_slice, repeats, report.details))
            print(report.rows[-1], flush=True)
    width = neighbours.GRAPH_NEIGHBOURS
    report.notes = [
        f"Clustered unit vectors (`_common.clustered_vectors`, 40 centres); B = A + Gaussian noise of norm {MOVED}, "
        f"renormalised. k = {K}. Approximate path: pynndescent NN-descent graph {width} wide over the shared "
        "vocabulary, one per space, seed 0, numba threads pinned to 2.",
        f"pynndescent's numba compile, once per process, took {compile_s:.1f} s here (not in the app column; the "
        "Compare page has usually paid it already, fitting a map of more than 50,000 words).",
        "Recall and errors: a seeded sample of 1,000 of the words, scored again by the exact path (fewer than "
        "50,000 words), against the same words' approximate rows.",
        "1-minute load average before -> after each row is in its note: other CPU-heavy work shared the 2 cores, "
        "so times are noisy.",
    ]
    report.save()
    return 0


if __name__ == "__main__":
    sys.exit(main())
