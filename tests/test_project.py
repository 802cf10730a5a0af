"""Word samples, seeded UMAP layouts and their alignment (embedlab.analysis.maps).

UMAP's first fit in a process costs numba compile time, so the layouts are computed once per module and
kept small (60 points).
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from embedlab.analysis.maps import MapSettings, _procrustes_onto, aligned_layouts, sample_words, umap_layout

pytestmark = pytest.mark.slow

WORDS = [f"w{i}" for i in range(1000)]  # most frequent first


def _band(word: str) -> int:
    return int(word[1:]) // 100


# --- sample_words -------------------------------------------------------------------------------------------


def test_sample_size_is_respected_and_frequency_order_kept():
    sample = sample_words(WORDS, 100, seed=0)
    assert len(sample) == 100 == len(set(sample))
    assert set(sample) <= set(WORDS)
    assert sample == sorted(sample, key=WORDS.index)


def test_sample_draws_equally_from_every_frequency_band():
    sample = sample_words(WORDS, 100, seed=1)
    assert Counter(_band(w) for w in sample) == {band: 10 for band in range(10)}


def test_sample_with_uneven_bands_still_has_the_size():
    words = WORDS[:137]
    for size in (10, 57, 136):
        sample = sample_words(words, size, seed=2)
        assert len(sample) == size == len(set(sample))


def test_sample_is_seeded():
    assert sample_words(WORDS, 50, seed=7) == sample_words(WORDS, 50, seed=7)
    assert sample_words(WORDS, 50, seed=7) != sample_words(WORDS, 50, seed=8)


def test_must_include_comes_first_once_and_counts_towards_the_size():
    must = ["w500", "absent", "w3", "w500", "w999"]
    sample = sample_words(WORDS, 100, seed=0, must_include=must)
    assert sample[:3] == ["w500", "w3", "w999"]  # in the given order, duplicates and unknown words dropped
    assert len(sample) == 100 == len(set(sample))
    rest = sample[3:]
    assert rest == sorted(rest, key=WORDS.index)


def test_small_vocabulary_is_returned_whole_with_must_include_first():
    assert sample_words(["a", "b", "c", "d"], 10, seed=0, must_include=["c", "x"]) == ["c", "a", "b", "d"]
    assert sample_words(["a", "b"], 2, seed=0) == ["a", "b"]


def test_must_include_larger_than_the_sample_does_not_crash():
    """The Compare page passes the word and its neighbours in A and B (up to 2k+1 = 201 words) with n >= 100."""
    must = WORDS[200:225]
    sample = sample_words(WORDS, 10, seed=0, must_include=must)
    assert sample[:10] == must[:10]
    assert len(sample) == len(set(sample)) and len(sample) in (10, len(must))


# --- MapSettings --------------------------------------------------------------------------------------------


def test_map_settings_defaults():
    settings = MapSettings()
    assert (settings.sample_size, settings.seed, settings.n_neighbors, settings.min_dist) == (2000, 42, 15, 0.1)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"sample_size": 9}, "sample size must be from 10 to 200,000 words, got 9"),
        ({"sample_size": 200_001}, "sample size must be from 10 to 200,000 words, got 200001"),
        ({"n_neighbors": 1}, "n_neighbors must be from 2 to 200, got 1"),
        ({"n_neighbors": 201}, "n_neighbors must be from 2 to 200, got 201"),
        ({"min_dist": -0.1}, "min_dist must be from 0 to 1, got -0.1"),
        ({"min_dist": 1.5}, "min_dist must be from 0 to 1, got 1.5"),
    ],
)
def test_map_settings_validation(kwargs, message):
    with pytest.raises(ValueError) as caught:
        MapSettings(**kwargs)
    assert str(caught.value) == message


# --- Procrustes alignment (no UMAP needed) -----------------------------------------------------------------


def test_procrustes_undoes_rotation_reflection_scale_and_shift():
    rng = np.random.default_rng(0)
    target = rng.normal(size=(40, 2)).astype(np.float32)
    angle = 1.1
    rotation = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    reflected = target * np.array([-1, 1])
    source = reflected @ rotation * 3.5 + np.array([10.0, -4.0])
    aligned = _procrustes_onto(source, target)
    assert aligned.dtype == np.float32
    np.testing.assert_allclose(aligned, target, atol=1e-4)


# --- UMAP layouts -------------------------------------------------------------------------------------------


def _spread(layout: np.ndarray) -> float:
    """Root-mean-square distance of the points from their centre."""
    return float(np.sqrt(((layout - layout.mean(axis=0)) ** 2).sum(axis=1).mean()))


@pytest.fixture(scope="module")
def points():
    rng = np.random.default_rng(0)
    centres = rng.normal(size=(4, 16)) * 3
    data = centres[np.arange(60) % 4] + rng.normal(size=(60, 16))
    rotation, _ = np.linalg.qr(rng.normal(size=(16, 16)))
    return data.astype(np.float32), (data @ rotation).astype(np.float32)


SETTINGS = MapSettings(sample_size=60, seed=3)


@pytest.fixture(scope="module")
def layout(points):
    return umap_layout(points[0], SETTINGS)


def test_umap_layout_shape_and_determinism(points, layout):
    assert layout.shape == (60, 2) and layout.dtype == np.float32
    assert np.isfinite(layout).all()
    np.testing.assert_array_equal(umap_layout(points[0], SETTINGS), layout)
    other = umap_layout(points[0], MapSettings(sample_size=60, seed=4))
    assert not np.allclose(other, layout)


def test_umap_layout_of_tiny_inputs():
    rng = np.random.default_rng(1)
    assert umap_layout(rng.normal(size=(12, 5)), SETTINGS).shape == (12, 2)  # n_neighbors capped at n - 1
    with pytest.raises(ValueError, match="a map needs at least 3 words, got 2"):
        umap_layout(rng.normal(size=(2, 5)), SETTINGS)


def _clustered(n: int, seed: int, dim: int = 16, clusters: int = 6) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(clusters, dim)) * 3
    return (centres[rng.integers(0, clusters, n)] + rng.normal(size=(n, dim))).astype(np.float32)


@pytest.fixture(scope="module")
def clustered_pair():
    """300 clustered points, a rotated copy, and a copy whose first half was replaced by other points."""
    data = _clustered(300, seed=0)
    rotation, _ = np.linalg.qr(np.random.default_rng(1).normal(size=(16, 16)))
    changed = data.copy()
    changed[:150] = _clustered(150, seed=9)
    return data, (data @ rotation).astype(np.float32), (changed @ rotation).astype(np.float32)


MAP = MapSettings(sample_size=300, seed=3)


def _radius(layout: np.ndarray) -> float:
    """The map's radius: the largest distance of a point from the map's centre."""
    return float(np.linalg.norm(layout - layout.mean(axis=0), axis=1).max())


def test_aligned_layouts_of_a_rotated_copy_coincide(clustered_pair, fresh_home):
    data, rotated, _ = clustered_pair
    layout_a, layout_b = aligned_layouts(data, rotated, MAP)
    assert layout_a.shape == layout_b.shape == (300, 2)
    shift = np.linalg.norm(layout_b - layout_a, axis=1).mean()
    assert shift < 0.02 * _radius(layout_a), f"mean shift {shift:.3f} vs radius {_radius(layout_a):.2f}"


def test_aligned_layouts_move_the_words_whose_neighbourhood_changed(clustered_pair, fresh_home):
    data, _, changed = clustered_pair
    layout_a, layout_b = aligned_layouts(data, changed, MAP)
    shift = np.linalg.norm(layout_b - layout_a, axis=1)
    assert shift[:150].mean() >= 3 * shift[150:].mean()


def test_each_aligned_map_preserves_neighbourhoods_as_well_as_a_plain_umap_fit(clustered_pair, fresh_home):
    """Trustworthiness (scikit-learn, k = 10) of each aligned map within 0.02 of a plain UMAP fit of its space."""
    from sklearn.manifold import trustworthiness

    data, _, changed = clustered_pair
    layouts = aligned_layouts(data, changed, MAP)
    for vectors, layout in zip((data, changed), layouts):
        plain = umap_layout(vectors, MAP)
        expected = trustworthiness(vectors, plain, n_neighbors=10, metric="cosine")
        found = trustworthiness(vectors, layout, n_neighbors=10, metric="cosine")
        assert found >= expected - 0.02 and expected > 0.9, (found, expected)


def test_aligned_layouts_are_cached_on_disk(clustered_pair, fresh_home):
    data, rotated, _ = clustered_pair
    first = aligned_layouts(data, rotated, MAP)
    (cached,) = (fresh_home / "cache" / "maps").glob("*.npz")
    written = cached.stat().st_mtime_ns
    again = aligned_layouts(data, rotated, MAP)
    np.testing.assert_array_equal(again[0], first[0])
    np.testing.assert_array_equal(again[1], first[1])
    assert cached.stat().st_mtime_ns == written  # read back, not fitted and written again
    aligned_layouts(data, rotated, MapSettings(sample_size=300, seed=4))  # another seed is another map
    assert len(list((fresh_home / "cache" / "maps").glob("*.npz"))) == 2 and cached.stat().st_mtime_ns == written


def test_aligned_layouts_need_the_same_words(clustered_pair):
    data, rotated, _ = clustered_pair
    with pytest.raises(ValueError, match="same words: got 300 and 299 rows"):
        aligned_layouts(data, rotated[:299], MAP)


# --- compile once -------------------------------------------------------------------------------------------


def test_compile_once_memoises_njit_by_function_and_options():
    import numba

    from embedlab.analysis.maps import _CompileOnce

    once = _CompileOnce(numba)

    def add_one(x):
        return x + 1

    assert once.njit(add_one, fastmath=True) is once.njit(add_one, fastmath=True)
    assert once.njit(add_one, fastmath=True) is not once.njit(add_one, fastmath=False)
    assert once.typed is numba.typed  # everything else is numba itself
    assert once.njit(add_one)(1) == 2


def test_aligned_layouts_equal_umap_learn_as_shipped(clustered_pair, fresh_home):
    """The compile-once copy of umap-learn's aligned optimiser computes exactly what the original does."""
    import umap
    import umap.aligned_umap

    from embedlab.analysis.maps import _fit_aligned

    data, rotated, _ = clustered_pair
    ours = _fit_aligned(data, rotated, MAP)
    assert umap.aligned_umap.optimize_layout_aligned_euclidean.compiles_once
    patched = umap.aligned_umap.optimize_layout_aligned_euclidean
    umap.aligned_umap.optimize_layout_aligned_euclidean = umap.layouts.optimize_layout_aligned_euclidean
    try:
        shipped = _fit_aligned(data, rotated, MAP)
    finally:
        umap.aligned_umap.optimize_layout_aligned_euclidean = patched
    np.testing.assert_array_equal(ours[0], shipped[0])
    np.testing.assert_array_equal(ours[1], shipped[1])


# --- big maps: approximate neighbours -------------------------------------------------------------------------


def test_above_the_exact_limit_the_neighbour_graph_comes_from_pynndescent_and_matches_the_exact_one(
    clustered_pair, monkeypatch
):
    """Above ``EXACT_NEIGHBOURS_UP_TO`` words the graph is built on pynndescent's neighbours: nearly the same edges
    (at least 95% of the exact graph's weight) on the same points."""
    from embedlab.analysis import maps

    data, _, _ = clustered_pair
    exact = maps.neighbour_graph(data, 15, seed=3)
    calls = []
    original = maps._exact_neighbours
    monkeypatch.setattr(maps, "_exact_neighbours", lambda *args: calls.append(args) or original(*args))
    monkeypatch.setattr(maps, "EXACT_NEIGHBOURS_UP_TO", 100)
    approximate = maps.neighbour_graph(data, 15, seed=3)
    assert calls == [] and approximate.shape == exact.shape == (300, 300)
    shared = exact.multiply(approximate > 0).sum()
    assert shared >= 0.95 * exact.sum(), (shared, exact.sum())


def test_aligned_maps_above_the_exact_limit_keep_the_alignment_properties(clustered_pair, fresh_home, monkeypatch):
    from embedlab.analysis import maps

    monkeypatch.setattr(maps, "EXACT_NEIGHBOURS_UP_TO", 100)
    data, rotated, changed = clustered_pair
    layout_a, layout_b = aligned_layouts(data, rotated, MAP)
    assert np.linalg.norm(layout_b - layout_a, axis=1).mean() < 0.02 * _radius(layout_a)
    layout_a, layout_b = aligned_layouts(data, changed, MAP)
    shift = np.linalg.norm(layout_b - layout_a, axis=1)
    assert shift[:150].mean() >= 3 * shift[150:].mean()


def test_map_time_estimates_grow_with_the_words_and_match_the_measured_sizes():
    """bench/umap_speed.py measured about 2.5 s, 11 s and 90 s at 2,000, 10,000 and 50,000 words on 2 cores."""
    from embedlab.analysis.maps import estimated_seconds

    sizes = [100, 2_000, 10_000, 50_000, 50_001, 200_000]
    estimates = [estimated_seconds(n) for n in sizes]
    assert estimates == sorted(estimates)
    for n, measured in ((2_000, 2.5), (10_000, 11.0), (50_000, 90.0)):
        assert 0.7 * measured <= estimated_seconds(n) <= 1.3 * measured, (n, estimated_seconds(n))


@pytest.mark.parametrize("relation", ["identity", "permuted subset"])
def test_neighbourhood_similarities_equal_umap_learns_in_linear_time(relation):
    """``maps._neighbourhood_similarities`` replaces umap-learn's quadratic loop: same values, bit for bit, for
    the identity relation and for a one-to-one relation over some of the words (as duplicate vectors make)."""
    import numba

    from embedlab.analysis import maps

    aligned = maps._umap().aligned_umap
    a, b = _clustered(300, seed=4), _clustered(260, seed=5)
    graphs = [maps.neighbour_graph(a, 15, seed=1), maps.neighbour_graph(b, 15, seed=1)]
    links = {i: i for i in range(260)} if relation == "identity" else {i: (7 * i) % 260 for i in range(0, 260, 2)}
    expanded = aligned.expand_relations([links], aligned.AlignedUMAP().alignment_window_size)
    indptr, indices = (numba.typed.List.empty_list(numba.types.int32[::1]) for _ in range(2))
    for graph in graphs:
        indptr.append(graph.indptr.astype(np.int32))
        indices.append(graph.indices.astype(np.int32))
    expected = aligned.build_neighborhood_similarities(indptr, indices, expanded)
    found = maps._neighbourhood_similarities(graphs, expanded)
    assert found.dtype == np.float32 and found.shape == expected.shape
    assert (expected > 0).sum() >= 50  # clustered words share neighbours: the values are not all zero
    np.testing.assert_array_equal(found, expected)
