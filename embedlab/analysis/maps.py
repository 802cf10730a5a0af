"""UMAP maps of two spaces: frequency-stratified word samples, seeded layouts aligned with AlignedUMAP."""

from __future__ import annotations

import hashlib
import io
import sys
import threading
import time
import types
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from embedlab import metrics, store
from embedlab.errors import EmbedLabError

_FREQUENCY_BANDS = 10


# How strongly AlignedUMAP pulls a word to its place in the other map. At 0.1 a rotated copy of a space lands
# on itself (mean shift ~2% of the map's radius) while words whose neighbourhoods changed still move ~3x more
# than unchanged ones (measured on clustered data, see tests/test_project.py).
ALIGNMENT_REGULARISATION = 0.1


# Epochs of the aligned layout optimiser (AlignedUMAP runs 200), whose cost grows with the words mapped: 200 up to
# 600 words, then 120,000 point-epochs, at least 50 (60 at 2,000 words, 50 from 2,400). Started from spectral layouts
# aligned by Procrustes, that keeps a rotated copy within 1.5% of the map's radius, moved words 6x farther than the
# rest, and each map's trustworthiness (k = 10) within 0.005 of a plain UMAP fit, from 300 to 10,000 clustered words
# (tests/test_project.py, bench/umap_speed.py).
ALIGNED_EPOCH_BUDGET = 120_000
ALIGNED_EPOCHS = (50, 200)


def aligned_epochs(n: int) -> int:
    """Epochs of the aligned layout optimiser for a map of ``n`` words (see ``ALIGNED_EPOCH_BUDGET``)."""
    fewest, most = ALIGNED_EPOCHS
    return int(min(most, max(fewest, ALIGNED_EPOCH_BUDGET // max(n, 1))))


MAX_MAP_WORDS = 200_000


# Up to this many words a map's neighbour graph uses exact neighbours (matrix products: 29 s at 50,000 x 384 on 2
# cores, growing with the square); above it, pynndescent's approximate ones, as umap-learn itself does above 4,096.
EXACT_NEIGHBOURS_UP_TO = 50_000


# Seconds of an aligned map on the 2-core CPU the benchmarks are set for, warm (bench/umap_speed.py): per word
# (the optimiser, spectral layouts), per word squared (exact neighbours by matrix products), per word above
# EXACT_NEIGHBOURS_UP_TO (pynndescent). Only for estimates, never for results.
_SECONDS_PER_WORD, _SECONDS_PER_WORD_PAIR, _SECONDS_PER_APPROXIMATE_WORD = 1.1e-3, 1.2e-8, 1.0e-3


def estimated_seconds(n: int) -> float:
    """Roughly how long an aligned map of ``n`` words per space takes on 2 CPU cores once UMAP is compiled (s)."""
    if n > EXACT_NEIGHBOURS_UP_TO:
        return n * (_SECONDS_PER_WORD + _SECONDS_PER_APPROXIMATE_WORD)
    return n * _SECONDS_PER_WORD + n * n * _SECONDS_PER_WORD_PAIR


_warm_up_started = threading.Event()


warmed_up = threading.Event()


@dataclass(frozen=True)
class MapSettings:
    """UMAP settings of a map: words sampled (10..200,000), seed, ``n_neighbors`` and ``min_dist`` (umap-learn's)."""

    sample_size: int = 2000
    seed: int = 42
    n_neighbors: int = 15
    min_dist: float = 0.1

    def __post_init__(self) -> None:
        if not 10 <= self.sample_size <= MAX_MAP_WORDS:
            raise EmbedLabError(f"sample size must be from 10 to {MAX_MAP_WORDS:,} words, got {self.sample_size}")
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


def _procrustes_onto(source: np.ndarray, target: np.ndarray, apply_to: np.ndarray | None = None) -> np.ndarray:
    """Rotate/reflect, scale and shift ``source`` to best match ``target`` point by point; the same transform
    applied to ``apply_to`` instead when given."""
    # lazy: scipy adds ~0.3 s to every start-up; only this path needs it
    from scipy.linalg import orthogonal_procrustes

    source_centre, target_centre = source.mean(axis=0), target.mean(axis=0)
    src, tgt = source - source_centre, target - target_centre
    rotation, _ = orthogonal_procrustes(src, tgt)
    rotated = src @ rotation
    scale = np.sum(rotated * tgt) / max(np.sum(rotated * rotated), 1e-12)
    if apply_to is not None:
        rotated = (apply_to - source_centre) @ rotation
    return (rotated * scale + target_centre).astype(np.float32)


def distinct_rows(vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The rows of ``vectors`` that are exact duplicates of an earlier row, found bit for bit.

    Args:
        vectors: array of shape (n, dim).

    Returns:
        ``first`` of shape (m,): the index of each distinct vector's first row, ascending; and ``inverse`` of
        shape (n,): for each row, its vector's position in ``first`` (``vectors[first][inverse] == vectors``).
    """
    rows = np.ascontiguousarray(vectors)
    if rows.ndim != 2 or len(rows) == 0:
        return np.arange(len(rows)), np.arange(len(rows))
    keys = rows.view(np.dtype((np.void, rows.dtype.itemsize * rows.shape[1]))).ravel()
    _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    order = np.argsort(first)  # np.unique sorts by bytes: renumber in order of first appearance
    position = np.empty_like(order)
    position[order] = np.arange(len(order))
    return first[order], position[inverse.ravel()]


def duplicate_counts(vectors: np.ndarray) -> np.ndarray:
    """For each row, how many other rows hold exactly the same vector (0 for a unique one).

    Args:
        vectors: array of shape (n, dim).

    Returns:
        int64 array of shape (n,).
    """
    _, inverse = distinct_rows(vectors)
    return np.bincount(inverse)[inverse].astype(np.int64) - 1


def duplicate_groups(words: Sequence[str], vectors: np.ndarray) -> list[tuple[str, ...]]:
    """Words that hold exactly the same vector as another word, one group per shared vector.

    Args:
        words: n words, row i of ``vectors`` for ``words[i]``.
        vectors: array of shape (n, dim).

    Returns:
        Groups of two or more words (in the given order within a group), the largest group first.
    """
    _, inverse = distinct_rows(vectors)
    sizes = np.bincount(inverse)
    groups: dict[int, list[str]] = {}
    for word, group in zip(words, inverse.tolist()):
        if sizes[group] > 1:
            groups.setdefault(group, []).append(word)
    return sorted((tuple(g) for g in groups.values()), key=len, reverse=True)


def duplicates_note(side: str, groups: Sequence[Sequence[str]], shown: int = 8) -> str:
    """One sentence naming a space's duplicate vectors for the Map tab and What changed ("" when there are none).

    Args:
        side: how the space is named to the reader ("A (Word2Vec …)").
        groups: from :func:`duplicate_groups`.
    """
    if not groups:
        return ""
    words = sum(len(g) for g in groups)
    largest = groups[0]
    named = ", ".join(largest[:shown]) + (f" … and {len(largest) - shown:,} more" if len(largest) > shown else "")
    others = f" and {len(groups) - 1:,} smaller groups" if len(groups) > 1 else ""
    return (
        f"{side} has {words:,} words whose vector is an exact copy of another word's, in {len(groups):,} "
        f"group{'s' if len(groups) > 1 else ''} (the largest, {len(largest):,} words: {named}{others}). Each group "
        "is drawn at one point on the map, and their neighbour lists are arbitrary among themselves: identical "
        "vectors tie, and ties are broken by word order."
    )


def neighbour_graph(vectors: np.ndarray, n_neighbors: int, seed: int):
    """UMAP's fuzzy neighbour graph of ``vectors`` by cosine (umap-learn's ``fuzzy_simplicial_set``), over their
    ``n_neighbors`` nearest neighbours: exact ones found by matrix products (:func:`embedlab.metrics.nearest_rows`)
    up to ``EXACT_NEIGHBOURS_UP_TO`` rows, pynndescent's approximate ones above (umap-learn's ``nearest_neighbors``).

    UMAP would compute the same exact neighbours below 4,096 points through scikit-learn's ``pairwise_distances``
    with a numba metric called once per pair from Python (about 2.5 s for 2,000 points on 2 cores), and above that
    approximate them with pynndescent; matrix products give the exact ones in a fraction of a second at 10,000.

    Args:
        vectors: float array of shape (n, dim), n >= 3; rows need not be unit length.

    Returns:
        scipy CSR matrix of shape (n, n): the symmetric membership strengths (0..1).
    """
    umap = _umap()
    raw = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(raw, axis=1, keepdims=True)
    unit = (raw / np.where(norms == 0, 1, norms)).astype(np.float32)
    k = min(n_neighbors, len(unit) - 1)
    if len(unit) > EXACT_NEIGHBOURS_UP_TO:
        indices, distances, _ = umap.umap_.nearest_neighbors(
            unit, k + 1, "cosine", {}, False, np.random.RandomState(seed), n_jobs=-1
        )
    else:
        indices, distances = _exact_neighbours(unit, k)
    graph, _, _ = umap.umap_.fuzzy_simplicial_set(
        unit, k + 1, np.random.RandomState(seed), "cosine", {}, indices, distances.astype(np.float32)
    )
    return graph.tocsr()


def _exact_neighbours(unit: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Each unit row's ``k`` nearest other rows by cosine, preceded by itself (UMAP counts a point as its own
    nearest): int (n, k + 1) indices and float32 (n, k + 1) cosine distances."""
    rows = np.arange(len(unit))
    others = metrics.nearest_rows(unit, k)  # (n, k), a row is never its own neighbour
    indices = np.concatenate([rows[:, None], others], axis=1)
    distances = 1 - np.einsum("ij,ikj->ik", unit, unit[others])
    return indices, np.concatenate([np.zeros((len(unit), 1), np.float32), np.maximum(distances, 0)], axis=1)


def _initial_layout(vectors: np.ndarray, graph, rng: np.random.RandomState) -> np.ndarray:
    """UMAP's spectral initialisation (random for 20 points or fewer), scaled to [-10, 10] as AlignedUMAP scales it."""
    umap = _umap()
    if len(vectors) > 20:
        layout = umap.spectral.spectral_layout(vectors, graph, 2, rng)
    else:
        layout = rng.uniform(-10, 10, size=(len(vectors), 2))
    return (layout * (10.0 / max(np.abs(layout).max(), 1e-12))).astype(np.float32, order="C")


def _edges(graph, epochs: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(heads, tails, epochs per sample) of a neighbour graph, edges too weak to be sampled once in ``epochs``
    dropped, as UMAP's own layout drops them."""
    coo = graph.tocoo()
    kept = coo.data >= coo.data.max() / float(epochs)
    epochs_per_sample = _umap().umap_.make_epochs_per_sample(coo.data[kept], epochs)
    return coo.row[kept].astype(np.int32), coo.col[kept].astype(np.int32), epochs_per_sample


def _neighbourhood_similarities(graphs: Sequence, expanded: np.ndarray) -> np.ndarray:
    """umap-learn's ``aligned_umap.build_neighborhood_similarities`` for two maps, in time linear in the edges.

    For each word linked across the maps, the Jaccard similarity of its neighbours in one map (carried over the
    relation) and its partner's neighbours in the other (those with a partner): how strongly the optimiser pulls
    the pair together. umap-learn's numba loop tests every neighbour against the whole relation (``in1d``), so its
    cost grows with the square of the words: 6 s at 50,000 words, 300 s at 100,000 on 2 cores. The same sets are
    formed here with sparse matrices; a test checks the result equals umap-learn's.

    Args:
        graphs: the two maps' neighbour graphs (scipy sparse, (n_a, n_a) and (n_b, n_b)).
        expanded: ``aligned_umap.expand_relations`` of the one relation, int32 of shape (2, 2 * window + 1, m).

    Returns:
        float32 array of the shape of ``expanded``.
    """
    from scipy import sparse  # lazy: scipy adds ~0.3 s to every start-up; only maps need it

    result = np.zeros(expanded.shape, dtype=np.float32)
    centre = (expanded.shape[1] - 1) // 2
    size = expanded.shape[2]
    for base, offset in ((0, 1), (1, -1)):
        mapping = expanded[base, centre + offset]
        rows = np.flatnonzero(mapping >= 0)
        own, other = graphs[base].tocoo(), graphs[1 - base].tocsr()
        carried = (own.col < size) & (mapping[np.minimum(own.col, size - 1)] >= 0)
        width = max(other.shape[1], int(mapping.max()) + 1)
        neighbours = sparse.csr_matrix(
            (np.ones(int(carried.sum()), np.float32), (own.row[carried], mapping[own.col[carried]])),
            shape=(own.shape[0], width),
        )
        neighbours.sum_duplicates()
        neighbours.data[:] = 1  # sets: a neighbour counts once
        related = np.zeros(width, dtype=bool)
        related[mapping[rows]] = True
        partners = other.tocoo()
        kept = related[partners.col]
        partner_neighbours = sparse.csr_matrix(
            (np.ones(int(kept.sum()), np.float32), (partners.row[kept], partners.col[kept])),
            shape=(other.shape[0], width),
        )
        partner_neighbours.data[:] = 1
        mine, theirs = neighbours[rows], partner_neighbours[mapping[rows]]
        both = np.asarray(mine.multiply(theirs).sum(axis=1)).ravel()
        union = np.diff(mine.indptr) + np.diff(theirs.indptr) - both
        result[base, centre + offset, rows] = np.where(union > 0, both / np.maximum(union, 1), 1.0)
    return result


def _fit_aligned(
    a_vectors: np.ndarray, b_vectors: np.ndarray, settings: MapSettings, relation: dict[int, int] | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """AlignedUMAP's method (umap-learn) on two spaces: each space's fuzzy neighbour graph, spectral layouts with
    B rotated onto A (``procrustes_align``), then :func:`aligned_epochs` epochs of umap-learn's aligned layout
    optimiser, which pulls each word towards its place in the other map (``ALIGNMENT_REGULARISATION``).

    ``umap.AlignedUMAP.fit`` does the same but first fits a whole UMAP of each space (its layout thrown away)
    with neighbours found pair by pair, computes each spectral layout twice and runs 200 epochs: several times
    slower, for maps whose trustworthiness differs by less than 0.005 (bench/umap_speed.py).
    """
    n = min(a_vectors.shape[0], b_vectors.shape[0])
    if n < 3:
        raise EmbedLabError(f"a map needs at least 3 words (distinct vectors), got {n}")
    umap = _umap()
    import numba  # lazy, as umap-learn (which imports it) is

    aligned = umap.aligned_umap
    relations = [relation if relation is not None else {i: i for i in range(n)}]
    window = aligned.AlignedUMAP().alignment_window_size
    expanded = aligned.expand_relations(relations, window)
    rng = np.random.RandomState(settings.seed)
    epochs = aligned_epochs(n)
    graphs = [neighbour_graph(vectors, settings.n_neighbors, settings.seed) for vectors in (a_vectors, b_vectors)]

    def typed(kind) -> list:
        return numba.typed.List.empty_list(kind)

    indptr, indices, heads, tails = (typed(numba.types.int32[::1]) for _ in range(4))
    epochs_per_sample = typed(numba.types.float64[::1])
    for graph in graphs:
        indptr.append(graph.indptr.astype(np.int32))
        indices.append(graph.indices.astype(np.int32))
        head, tail, per_sample = _edges(graph, epochs)
        heads.append(head)
        tails.append(tail)
        epochs_per_sample.append(per_sample)
    weights = _neighbourhood_similarities(graphs, expanded)
    layouts = typed(numba.types.float32[:, ::1])
    layouts.append(_initial_layout(a_vectors, graphs[0], rng))
    anchors = expanded[1][window - 1]
    linked = np.vstack([anchors[anchors >= 0], np.where(anchors >= 0)[0]])
    layouts.append(aligned.procrustes_align(layouts[0], _initial_layout(b_vectors, graphs[1], rng), linked))
    a, b = umap.umap_.find_ab_params(1.0, settings.min_dist)
    seeds = rng.randint(np.iinfo(np.int32).min + 1, np.iinfo(np.int32).max - 1, 3).astype(np.int64)
    fitted = aligned.optimize_layout_aligned_euclidean(
        layouts,
        layouts,
        heads,
        tails,
        epochs,
        epochs_per_sample,
        weights,
        expanded,
        seeds,
        a=a,
        b=b,
        lambda_=ALIGNMENT_REGULARISATION,
        move_other=True,
    )
    layout_a, layout_b = (np.asarray(layout, dtype=np.float32) for layout in fitted)
    if relation is not None:  # the caller aligns B onto A over its own pairs
        return layout_a, layout_b
    return layout_a, _procrustes_onto(layout_b, layout_a)


def _fit_distinct(a_vectors: np.ndarray, b_vectors: np.ndarray, settings: MapSettings) -> tuple[np.ndarray, np.ndarray]:
    """Aligned maps fitted once per distinct vector of each space, duplicates placed at their first copy's point.

    Duplicates (an unknown-word bucket: many words, one vector) would otherwise be spread over the map, since
    UMAP cannot tell identical points apart and lays them out as if they differed. Each space keeps its own
    distinct vectors; AlignedUMAP links a distinct A vector to the distinct B vector of its first word (one to one),
    and Procrustes aligns B onto A over the distinct (A, B) pairs, so copies do not outweigh other words.
    """
    first_a, inverse_a = distinct_rows(a_vectors)
    first_b, inverse_b = distinct_rows(b_vectors)
    relation: dict[int, int] = {}
    linked: set[int] = set()
    for in_a, in_b in zip(inverse_a.tolist(), inverse_b.tolist()):
        if in_a not in relation and in_b not in linked:
            relation[in_a] = in_b
            linked.add(in_b)
    layout_a, layout_b = _fit_aligned(a_vectors[first_a], b_vectors[first_b], settings, relation)
    pairs = np.unique(np.stack([inverse_a, inverse_b], axis=1), axis=0)
    layout_b = _procrustes_onto(layout_b[pairs[:, 1]], layout_a[pairs[:, 0]], layout_b)
    return layout_a[inverse_a], layout_b[inverse_b]


def _cache_key(a_vectors: np.ndarray, b_vectors: np.ndarray, settings: MapSettings, distinct: bool = False) -> str:
    digest = hashlib.sha256()
    for array in (a_vectors, b_vectors):
        digest.update(np.ascontiguousarray(array, dtype=np.float32).tobytes())
    digest.update(repr((settings.seed, settings.n_neighbors, settings.min_dist, ALIGNMENT_REGULARISATION)).encode())
    method = f"exact up to {EXACT_NEIGHBOURS_UP_TO}, aligned epochs {ALIGNED_EPOCHS} for {ALIGNED_EPOCH_BUDGET}"
    digest.update(method.encode())  # maps fitted otherwise are not served
    if distinct:  # maps with duplicates were once fitted row by row: never serve those from the cache
        digest.update(b"distinct vectors")
    return digest.hexdigest()[:24]


def aligned_layouts(
    a_vectors: np.ndarray, b_vectors: np.ndarray, settings: MapSettings = MapSettings()
) -> tuple[np.ndarray, np.ndarray]:
    """Aligned 2-D maps of the same words in two spaces: a word whose neighbourhood did not change sits in about
    the same place in both, and words whose neighbourhood changed move.

    AlignedUMAP's method (umap-learn's functions, see :func:`_fit_aligned`) fits both maps together, pulling each
    word towards its own position in the other map; a final orthogonal Procrustes fit removes any leftover
    rotation. Results are cached on disk by the
    exact input vectors and settings, so reopening a view (even after a restart) does not recompute.

    Exact duplicate vectors within a space are fitted once and drawn at one point (see :func:`distinct_rows`):
    rows that hold the same vector in A share their point in map A, and likewise in B; :func:`duplicate_counts`
    says how many share each point. Without duplicates the fit is the plain one, row for row.

    Args:
        a_vectors, b_vectors: float arrays of shape (n, dim_a) and (n, dim_b); row i is the same word.

    Returns:
        Two float32 arrays of shape (n, 2).

    Raises:
        EmbedLabError: the row counts differ, or either space has fewer than 3 distinct vectors.
    """
    if a_vectors.shape[0] != b_vectors.shape[0]:
        raise EmbedLabError(f"both maps need the same words: got {a_vectors.shape[0]} and {b_vectors.shape[0]} rows")
    distinct = bool(duplicate_counts(a_vectors).any() or duplicate_counts(b_vectors).any())
    cache = store.cache_dir() / "maps" / f"{_cache_key(a_vectors, b_vectors, settings, distinct)}.npz"
    if cache.exists():
        with np.load(cache) as saved:
            return saved["a"], saved["b"]
    fit = _fit_distinct if distinct else _fit_aligned
    layout_a, layout_b = fit(a_vectors, b_vectors, settings)
    buffer = io.BytesIO()
    np.savez(buffer, a=layout_a, b=layout_b)
    store.write_bytes(cache, buffer.getvalue())
    return layout_a, layout_b


def warm_up() -> None:
    """Fit a tiny aligned map so numba compiles its kernels now (the neighbour graph, the spectral layout, the
    aligned optimiser), not on the user's first map."""
    started = time.perf_counter()
    rng = np.random.default_rng(0)
    points = rng.normal(size=(200, 16)).astype(np.float32)
    settings = MapSettings(sample_size=200)
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
