#!/usr/bin/env python
"""UMAP: EmbedLab's layouts (embedlab.analysis.maps) against raw umap-learn on the same matrix, with the same settings.

After a warm-up of both sides (numba's compile of the kernels the process needs anyway is not what is compared):

* plain map: ``maps.umap_layout`` vs ``umap.UMAP(...).fit_transform``, interleaved; the layouts must be equal;
* aligned map (what the Compare page draws), at 2,000 and 10,000 words (100-d and 384-d clustered vectors):
  ``maps.aligned_layouts`` (disk cache emptied before each run, so it fits) vs ``umap.AlignedUMAP(...).fit`` as
  shipped, interleaved. The app runs AlignedUMAP's method with exact neighbour graphs and fewer epochs, so the
  layouts differ: each map's trustworthiness (scikit-learn, k = 10) must stay within 0.02 of a plain UMAP fit of
  the same space (goal of the speed issue: 2,000 words in <= 4 s, 10,000 in <= 15 s, and 3x faster than raw);
* aligned map at 50,000 words, the app only (raw AlignedUMAP takes many minutes there): goal <= 90 s.

Usage::

    python bench/umap_speed.py [--quick] [--repeats R] [--words N]

``--quick`` maps 2,000 words in the plain step and skips the 50,000-word map.
"""

from __future__ import annotations

import contextlib
import shutil
import sys
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common  # noqa: E402

_common.pin_threads()  # before numpy, torch or numba start their thread pools

NAME = "umap_speed"
GOAL = 1.10


@contextlib.contextmanager
def _umap_as_shipped():
    """umap-learn's own aligned optimiser for the duration (EmbedLab swaps in a compile-once copy)."""
    import umap.aligned_umap
    import umap.layouts

    patched = umap.aligned_umap.optimize_layout_aligned_euclidean
    umap.aligned_umap.optimize_layout_aligned_euclidean = umap.layouts.optimize_layout_aligned_euclidean
    try:
        yield
    finally:
        umap.aligned_umap.optimize_layout_aligned_euclidean = patched


def _raw_plain(vectors, settings):
    import umap

    n = len(vectors)
    return umap.UMAP(
        n_components=2,
        n_neighbors=min(settings.n_neighbors, n - 1),
        min_dist=settings.min_dist,
        metric="cosine",
        random_state=settings.seed,
        n_jobs=1,
    ).fit_transform(vectors)


def _raw_aligned(a, b, settings):
    import umap

    from embedlab.analysis.maps import ALIGNMENT_REGULARISATION

    with _umap_as_shipped():
        reducer = umap.AlignedUMAP(
            n_components=2,
            n_neighbors=settings.n_neighbors,
            min_dist=settings.min_dist,
            metric="cosine",
            random_state=settings.seed,
            alignment_regularisation=ALIGNMENT_REGULARISATION,
        )
        reducer.fit([a, b], relations=[{i: i for i in range(len(a))}])
    return reducer.embeddings_


def _app_aligned(a, b, settings):
    from embedlab import store
    from embedlab.analysis import maps

    shutil.rmtree(store.cache_dir() / "maps", ignore_errors=True)  # measure the fit, not the disk cache
    return maps.aligned_layouts(a, b, settings)


def _warm_up() -> float:
    """Compile what both sides need (the app's warm-up, then one raw aligned fit); returns its seconds."""
    from embedlab.analysis import maps

    def both() -> None:
        maps.warm_up()
        small = _common.clustered_vectors(300, 16, seed=9)
        _raw_aligned(small, small, maps.MapSettings(sample_size=300))

    return _common.timed(both)


def _trust(vectors, layout) -> float:
    from sklearn.manifold import trustworthiness

    return float(trustworthiness(vectors, layout, n_neighbors=10, metric="cosine"))


def _aligned_step(n: int, repeats: int, goal_seconds: float, raw: bool) -> tuple[_common.Row, dict]:
    """The aligned map of ``n`` words: raw AlignedUMAP vs the app (interleaved), or the app alone; the app's maps'
    trustworthiness against a plain UMAP fit of each space."""
    from embedlab.analysis import maps

    a, b = _common.clustered_vectors(n, 100, seed=2), _common.clustered_vectors(n, 384, seed=3)
    settings = maps.MapSettings(sample_size=n)
    outputs: dict = {}

    def keep(name: str, call) -> float:
        return _common.timed(lambda: outputs.__setitem__(name, call()))

    calls = {"app": lambda: keep("app", lambda: _app_aligned(a, b, settings))}
    if raw:
        calls = {"raw": lambda: keep("raw", lambda: _raw_aligned(a, b, settings)), **calls}
    times = _common.interleaved(repeats, calls, label=f"aligned {n:,}: ")
    app_s = _common.median(times["app"])
    trust = {}
    if n <= 10_000:  # trustworthiness is quadratic in the words: 50,000 would take longer than the map
        for side, vectors, layout in zip("AB", (a, b), outputs["app"]):
            trust[side] = (_trust(vectors, layout), _trust(vectors, maps.umap_layout(vectors, settings)))
    kept = all(found >= plain - 0.02 for found, plain in trust.values())
    raw_s = _common.median(times["raw"]) if raw else None
    goal = f"<= {goal_seconds:.0f} s" + (" and <= 0.33x" if raw else "")
    passed = app_s <= goal_seconds and kept and (raw_s is None or app_s <= raw_s / 3)
    note = "; ".join(
        f"trustworthiness {side} {found:.4f} (plain UMAP {plain:.4f})" for side, (found, plain) in trust.items()
    )
    row = _common.Row(
        f"aligned map, 2 x {n:,} words (100-d and 384-d): app vs AlignedUMAP as shipped"
        if raw
        else f"aligned map, 2 x {n:,} words (100-d and 384-d), app only",
        _common.seconds(raw_s) if raw_s is not None else "—",
        _common.seconds(app_s),
        app_s / raw_s if raw_s else None,
        goal,
        passed,
        note,
    )
    return row, {"times": times, "trust": trust, "epochs": maps.aligned_epochs(n)}


def _step(label: str, repeats: int, raw, app, first_map) -> tuple[_common.Row, dict]:
    """Time ``raw()`` and ``app()`` interleaved; ``first_map`` picks map A from an output, to compare them."""
    import numpy as np

    outputs = {}

    def keep(name: str, call) -> float:
        return _common.timed(lambda: outputs.__setitem__(name, call()))

    times = _common.interleaved(
        repeats, {"raw": lambda: keep("raw", raw), "app": lambda: keep("app", app)}, label=f"{label}: "
    )
    raw_s, app_s = _common.median(times["raw"]), _common.median(times["app"])
    same = bool(np.array_equal(first_map(outputs["raw"]), first_map(outputs["app"])))
    row = _common.Row(
        label,
        _common.seconds(raw_s),
        _common.seconds(app_s),
        app_s / raw_s,
        f"<= {GOAL:.2f}x",
        app_s <= GOAL * raw_s and same,
        "" if same else "app layout differs from raw",
    )
    return row, {"raw": times["raw"], "app": times["app"], "same_layout": same}


def main(argv: list[str] | None = None) -> int:
    parser = _common.parser(__doc__.split("\n\n")[0])
    parser.add_argument("--words", type=int, default=None, help="plain map size (default 10,000; --quick 2,000)")
    args = parser.parse_args(argv)
    n = args.words or (2_000 if args.quick else 10_000)
    repeats = args.repeats or (2 if args.quick else 3)
    warnings.filterwarnings("ignore", message="n_jobs value")  # "overridden by setting random_state": seeded
    from embedlab.analysis import maps

    report = _common.Report(NAME, "UMAP: EmbedLab vs raw umap-learn", _common.command_line("umap_speed.py"))
    with _common.scratch_home(NAME):
        warm = _warm_up()
        print(f"warm-up (both sides' numba kernels): {warm:.1f} s", flush=True)
        plain = _common.clustered_vectors(n, 100, seed=1)
        settings = maps.MapSettings(sample_size=n)
        plain_row, plain_details = _step(
            f"plain UMAP, {n:,} x 100, cosine",
            repeats,
            lambda: _raw_plain(plain, settings),
            lambda: maps.umap_layout(plain, settings),
            lambda layout: layout,
        )
        aligned_rows, aligned_details = [], {}
        for size, goal_seconds, with_raw in ((2_000, 4.0, True), (10_000, 15.0, True), (50_000, 90.0, False)):
            if args.quick and size > 10_000:
                continue
            row, details = _aligned_step(size, max(1, repeats - 1) if size <= 2_000 else 1, goal_seconds, with_raw)
            print(_common.table([row]), flush=True)
            aligned_rows.append(row)
            aligned_details[size] = details
    report.rows = [plain_row, *aligned_rows]
    report.notes = [
        f"Median of interleaved runs in one process, after a {warm:.0f} s warm-up that compiles both sides' "
        "kernels (EmbedLab does this in the background when the server starts). The plain app layout is checked to "
        "equal the raw one bit for bit; the aligned maps by trustworthiness (k = 10) against a plain UMAP fit.",
        "The aligned app run includes hashing the input for the disk cache and writing the layout there; aligned "
        "epochs by size: " + ", ".join(f"{n:,} words {d['epochs']}" for n, d in aligned_details.items()) + ".",
    ]
    report.details = {"warm_up_seconds": warm, "plain": plain_details, "aligned": aligned_details}
    report.save()
    return 0


if __name__ == "__main__":
    sys.exit(main())
