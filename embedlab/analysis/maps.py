"""UMAP maps of two spaces: frequency-stratified word samples, seeded layouts aligned with AlignedUMAP."""

from __future__ import annotations

import hashlib
import io
import sys
import threading
import time
import types
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from embedlab import store
from embedlab.errors import EmbedLabError

_FREQUENCY_BANDS = 10


# How strongly AlignedUMAP pulls a word to its place in the other map. At 0.1 a rotated copy of a space lands
# on itself (mean shift ~2% of the map's radius) while words whose neighbourhoods changed still move ~3x more
# than unchanged ones (measured on clustered data, see tests/test_project.py).
ALIGNMENT_REGULARISATION = 0.1


_warm_up_started = threading.Event()


warmed_up = threading.Event()


@dataclass(frozen=True)
class MapSettings:
    """UMAP settings of a map: words sampled (10..50,000), seed, ``n_neighbors`` and ``min_dist`` (umap-learn's)."""

    sample_size: int = 2000
    seed: int = 42
    n_neighbors: int = 15
    min_dist: float = 0.1

    def __post_init__(self) -> None:
        if not 10 <= self.sample_size <= 50_000:
            raise EmbedLabError(f"sample size must be from 10 to 50,000 words, got {self.sample_size}")
        if not 2 <= self.n_neighbors <= 200:
            raise EmbedLabError(f"n_neighbors must be from 2 to 200, got {self.n_neighbors}")
        if not 0 <= self.min_dist <= 1:
            raise EmbedLabError(f"min_dist must be from 0 to 1, got {self.min_dist}")


def sample_words(words: Sequence[str], size: int, seed: int, must_include: Sequence[str] = ()) -> list[str]:
    """A seeded sample of ``words`` (given most frequent first), equal shares from each frequency band.

    Every word of ``must_include`` that is in ``words`` comes first, even past ``size``; the rest keep frequency
    order.
    """
    present = set(words)
    chosen = list(dict.fromkeys(w for w in must_include if w in present))
    kept = set(chosen)
    if len(words) <= size:
        return chosen + [w for w in words if w not in kept]
    wanted = size - len(chosen)
    if wanted <= 0:
        return chosen
    rng = np.random.default_rng(seed)
    pool = np.array([i for i, w in enumerate(words) if w not in kept])
    picked: list[int] = []
    for position, band in enumerate(np.array_split(pool, _FREQUENCY_BANDS)):
        share = (wanted - len(picked)) // (_FREQUENCY_BANDS - position)
        picked.extend(rng.choice(band, size=min(share, len(band)), replace=False).tolist())
    if len(picked) < wanted:  # bands smaller than their share: top up from what is left
        left = np.setdiff1d(pool, picked)
        picked.extend(rng.choice(left, size=wanted - len(picked), replace=False).tolist())
    return chosen + [words[i] for i in sorted(picked)]


class _CompileOnce:
    """``numba`` with ``njit(function, **options)`` memoised, for the aligned optimiser's Python body only."""

    def __init__(self, numba) -> None:
        self._numba = numba
        self._compiled: dict = {}

    def __getattr__(self, name: str):
        return getattr(self._numba, name)

    def njit(self, function=None, **options):
        if not callable(function):  # the decorator form, njit(**options)(function): not used at run time
            return self._numba.njit(function, **options)
        key = (function, tuple(sorted(options.items())))
        if key not in self._compiled:
            self._compiled[key] = self._numba.njit(function, **options)
        return self._compiled[key]


def _umap():
    """umap-learn, imported on first use (it is slow to import), with AlignedUMAP's kernel compiled once."""
    # lazy: umap-learn takes ~14 s to import (numba); only maps need it
    import umap
    import umap.aligned_umap

    optimiser = umap.aligned_umap.optimize_layout_aligned_euclidean
    if not getattr(optimiser, "compiles_once", False):
        umap.aligned_umap.optimize_layout_aligned_euclidean = _compiling_once(optimiser)
    return umap


UMAP_WRITTEN_FOR = "0.5.12"  # _compiling_once copies this release's aligned optimiser; a test re-checks on upgrade


def _compiling_once(optimiser):
    """umap-learn's aligned layout optimiser, with its epoch kernel compiled once per process.

    umap-learn 0.5.12 wraps that kernel in a fresh ``numba.njit`` on every call, so every aligned map paid ~4.5 s
    of compiling on 2 cores, even after the warm-up (umap-learn PR #1152 fixed this for plain UMAP only). The
    copy runs the same code with a ``numba`` whose ``njit`` is memoised; the kernel itself is untouched.
    """
    namespace = {**optimiser.__globals__, "numba": _CompileOnce(optimiser.__globals__["numba"])}
    copy = types.FunctionType(
        optimiser.__code__, namespace, optimiser.__name__, optimiser.__defaults__, optimiser.__closure__
    )
    copy.__kwdefaults__ = optimiser.__kwdefaults__
    copy.compiles_once = True
    return copy


def _plain_reducer(n: int, settings: MapSettings, **options):
    return _umap().UMAP(
        n_components=2,
        n_neighbors=min(settings.n_neighbors, n - 1),
        min_dist=settings.min_dist,
        metric="cosine",
        random_state=settings.seed,
        n_jobs=1,
        init="spectral" if n > 20 else "random",
        **options,
    )


def umap_layout(vectors: np.ndarray, settings: MapSettings = MapSettings()) -> np.ndarray:
    """A seeded 2-D UMAP layout with cosine distance.

    Args:
        vectors: float array of shape (n, dim), n >= 3.

    Returns:
        float32 array of shape (n, 2).
    """
    n = vectors.shape[0]
    if n < 3:
        raise EmbedLabError(f"a map needs at least 3 words, got {n}")
    return _plain_reducer(n, settings).fit_transform(np.asarray(vectors, dtype=np.float32)).astype(np.float32)


def _procrustes_onto(source: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Rotate/reflect, scale and shift ``source`` to best match ``target`` point by point."""
    # lazy: scipy adds ~0.3 s to every start-up; only this path needs it
    from scipy.linalg import orthogonal_procrustes

    source_centre, target_centre = source.mean(axis=0), target.mean(axis=0)
    src, tgt = source - source_centre, target - target_centre
    rotation, _ = orthogonal_procrustes(src, tgt)
    rotated = src @ rotation
    scale = np.sum(rotated * tgt) / max(np.sum(rotated * rotated), 1e-12)
    return (rotated * scale + target_centre).astype(np.float32)


def _fit_aligned(a_vectors: np.ndarray, b_vectors: np.ndarray, settings: MapSettings) -> tuple[np.ndarray, np.ndarray]:
    n = a_vectors.shape[0]
    if n < 3:
        raise EmbedLabError(f"a map needs at least 3 words, got {n}")
    reducer = _umap().AlignedUMAP(
        n_components=2,
        n_neighbors=min(settings.n_neighbors, n - 1),
        min_dist=settings.min_dist,
        metric="cosine",
        random_state=settings.seed,
        alignment_regularisation=ALIGNMENT_REGULARISATION,
        init="spectral" if n > 20 else "random",
    )
    with warnings.catch_warnings():  # "n_jobs overridden by setting random_state": seeded on purpose
        warnings.filterwarnings("ignore", message="n_jobs value", category=UserWarning)
        reducer.fit(
            [np.asarray(a_vectors, np.float32), np.asarray(b_vectors, np.float32)], relations=[{i: i for i in range(n)}]
        )
    layout_a, layout_b = (np.asarray(e, dtype=np.float32) for e in reducer.embeddings_)
    return layout_a, _procrustes_onto(layout_b, layout_a)


def _cache_key(a_vectors: np.ndarray, b_vectors: np.ndarray, settings: MapSettings) -> str:
    digest = hashlib.sha256()
    for array in (a_vectors, b_vectors):
        digest.update(np.ascontiguousarray(array, dtype=np.float32).tobytes())
    digest.update(repr((settings.seed, settings.n_neighbors, settings.min_dist, ALIGNMENT_REGULARISATION)).encode())
    return digest.hexdigest()[:24]


def aligned_layouts(
    a_vectors: np.ndarray, b_vectors: np.ndarray, settings: MapSettings = MapSettings()
) -> tuple[np.ndarray, np.ndarray]:
    """Aligned 2-D maps of the same words in two spaces: a word whose neighbourhood did not change sits in about
    the same place in both, and words whose neighbourhood changed move.

    umap-learn's AlignedUMAP fits both maps together, pulling each word towards its own position in the other
    map; a final orthogonal Procrustes fit removes any leftover rotation. Results are cached on disk by the
    exact input vectors and settings, so reopening a view (even after a restart) does not recompute.

    Args:
        a_vectors, b_vectors: float arrays of shape (n, dim_a) and (n, dim_b); row i is the same word.

    Returns:
        Two float32 arrays of shape (n, 2).
    """
    if a_vectors.shape[0] != b_vectors.shape[0]:
        raise EmbedLabError(f"both maps need the same words: got {a_vectors.shape[0]} and {b_vectors.shape[0]} rows")
    cache = store.cache_dir() / "maps" / f"{_cache_key(a_vectors, b_vectors, settings)}.npz"
    if cache.exists():
        with np.load(cache) as saved:
            return saved["a"], saved["b"]
    layout_a, layout_b = _fit_aligned(a_vectors, b_vectors, settings)
    buffer = io.BytesIO()
    np.savez(buffer, a=layout_a, b=layout_b)
    store.write_bytes(cache, buffer.getvalue())
    return layout_a, layout_b


def warm_up() -> None:
    """Fit tiny UMAPs (plain and aligned) so numba compiles its kernels now, not on the user's first map.

    Past 4,096 points UMAP finds neighbours with pynndescent instead of exactly: its kernels (~20 s to compile
    on 2 cores) are compiled here too, by forcing that path on the tiny input.
    """
    started = time.perf_counter()
    rng = np.random.default_rng(0)
    points = rng.normal(size=(200, 16)).astype(np.float32)
    settings = MapSettings(sample_size=200)
    umap_layout(points, settings)
    _plain_reducer(len(points), settings, force_approximation_algorithm=True).fit(points)
    _fit_aligned(points, points + rng.normal(scale=0.1, size=points.shape).astype(np.float32), settings)
    warmed_up.set()
    # In the server's log: from here on no map waits for numba (bench/browser_views.py waits for this line).
    print(f"EmbedLab: maps ready (UMAP compiled in {time.perf_counter() - started:.0f} s)", file=sys.stderr, flush=True)


def warm_up_in_background() -> None:
    """Start :func:`warm_up` in a daemon thread, once per process."""
    if _warm_up_started.is_set():
        return
    _warm_up_started.set()
    threading.Thread(target=warm_up, name="umap-warm-up", daemon=True).start()
