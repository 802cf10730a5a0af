#!/usr/bin/env python
"""UMAP: EmbedLab's layouts (embedlab.analysis.maps) against raw umap-learn on the same matrix, with the same settings.

Two steps, each interleaved (raw, app, raw, app...) in one process after a warm-up of both (numba's compile
of the kernels the process needs anyway is not what is compared):

* plain map: ``project.umap_layout`` vs ``umap.UMAP(...).fit_transform``;
* aligned map (what the Compare page draws): ``project.aligned_layouts`` (disk cache emptied before each run,
  so it fits) vs ``umap.AlignedUMAP(...).fit``. The raw side runs umap-learn as shipped, which compiles the
  aligned epoch kernel on every fit; EmbedLab compiles it once per process (see project._compiling_once).

The app's layout of map A must equal the raw one (same seed, same code): the benchmark checks it. Usage::

    python bench/umap_speed.py [--quick] [--repeats R] [--words N] [--aligned-words N]
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
    parser.add_argument(
        "--aligned-words", type=int, default=None, help="aligned map size (default 5,000; --quick 1,000)"
    )
    args = parser.parse_args(argv)
    n = args.words or (2_000 if args.quick else 10_000)
    n_aligned = args.aligned_words or (1_000 if args.quick else 5_000)
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
        a, b = _common.clustered_vectors(n_aligned, 100, seed=2), _common.clustered_vectors(n_aligned, 384, seed=3)
        aligned_settings = maps.MapSettings(sample_size=n_aligned)
        aligned_row, aligned_details = _step(
            f"aligned map (AlignedUMAP), {n_aligned:,} words, 100-d and 384-d",
            max(2, repeats - 1),
            lambda: _raw_aligned(a, b, aligned_settings),
            lambda: _app_aligned(a, b, aligned_settings),
            lambda layouts: layouts[0],
        )
    report.rows = [plain_row, aligned_row]
    report.notes = [
        f"Median of interleaved runs in one process, after a {warm:.0f} s warm-up that compiles both sides' "
        "kernels (EmbedLab does this in the background when the server starts). Each app layout is checked to "
        "equal the raw one bit for bit.",
        "The aligned app run includes hashing the input for the disk cache and writing the layout there.",
    ]
    report.details = {"warm_up_seconds": warm, "plain": plain_details, "aligned": aligned_details}
    report.save()
    return 0


if __name__ == "__main__":
    sys.exit(main())
