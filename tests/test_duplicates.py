"""Exact duplicate vectors (an unknown-word bucket): one point on the map, counted and named
(embedlab.analysis.maps: distinct_rows, duplicate_counts, duplicate_groups, aligned_layouts; figures.map_pair)."""

from __future__ import annotations

import numpy as np
import pytest

from embedlab.analysis import maps
from embedlab.present import figures

OTHERS = [f"w{i}" for i in range(120)]
BUCKET = [f"unk{i}" for i in range(30)]
WORDS = OTHERS[:40] + BUCKET + OTHERS[40:]  # the bucket's words sit among the others, not at the end
IN_BUCKET = np.array([w.startswith("unk") for w in WORDS])


def _vectors(seed: int, bucket: bool) -> np.ndarray:
    rng = np.random.default_rng(seed)
    vectors = rng.normal(size=(len(WORDS), 12)).astype(np.float32)
    if bucket:
        vectors[IN_BUCKET] = rng.normal(size=12).astype(np.float32)  # 30 words, one vector
    return vectors


def test_distinct_rows_and_duplicate_counts():
    vectors = np.array([[1, 0], [0, 1], [1, 0], [2, 2], [0, 1], [1, 0]], dtype=np.float32)
    first, inverse = maps.distinct_rows(vectors)
    assert first.tolist() == [0, 1, 3] and inverse.tolist() == [0, 1, 0, 2, 1, 0]
    assert np.array_equal(vectors[first][inverse], vectors)
    assert maps.duplicate_counts(vectors).tolist() == [2, 1, 2, 0, 1, 2]
    assert maps.duplicate_groups(list("abcdef"), vectors) == [("a", "c", "f"), ("b", "e")]
    assert maps.duplicate_groups(["x", "y"], np.eye(2)) == []
    nearly = np.array([[1, 0], [1, 1e-7]], dtype=np.float32)  # close is not identical
    assert maps.duplicate_counts(nearly).tolist() == [0, 0]


def test_duplicates_note_counts_and_names_the_bucket():
    groups = maps.duplicate_groups(WORDS, _vectors(0, bucket=True))
    assert groups == [tuple(BUCKET)]
    note = maps.duplicates_note("A (vectors file)", groups)
    assert note.startswith(
        "A (vectors file) has 30 words whose vector is an exact copy of another word's, in 1 group (the largest, "
        "30 words: unk0, unk1, unk2, unk3, unk4, unk5, unk6, unk7 … and 22 more)."
    )
    assert "drawn at one point" in note and "arbitrary among themselves" in note
    assert maps.duplicates_note("B", []) == ""


@pytest.mark.slow
def test_a_bucket_of_identical_vectors_is_one_point_in_both_maps_and_leaves_the_others_alone(fresh_home):
    a, b = _vectors(1, bucket=True), _vectors(2, bucket=True)
    settings = maps.MapSettings(sample_size=len(WORDS), seed=3)
    layout_a, layout_b = maps.aligned_layouts(a, b, settings)
    for layout in (layout_a, layout_b):
        bucket = layout[IN_BUCKET]
        assert np.array_equal(bucket, np.repeat(bucket[:1], 30, axis=0))  # all 30 at identical coordinates
        others = layout[~IN_BUCKET]
        assert len(np.unique(others, axis=0)) == 120  # the others are 120 distinct points
        assert not (others == bucket[0]).all(axis=1).any()
    # The others are where they are when the bucket has one word: the 29 copies change nothing.
    one = ~IN_BUCKET | (np.array(WORDS) == "unk0")
    alone_a, alone_b = maps.aligned_layouts(a[one], b[one], settings)
    kept = np.array(WORDS)[one]
    assert np.allclose(layout_a[one], alone_a, atol=1e-5) and np.allclose(layout_b[one], alone_b, atol=1e-5)
    assert kept.tolist().count("unk0") == 1


@pytest.mark.slow
def test_duplicates_in_a_only_share_a_point_in_map_a_only(fresh_home):
    a, b = _vectors(1, bucket=True), _vectors(2, bucket=False)
    layout_a, layout_b = maps.aligned_layouts(a, b, maps.MapSettings(sample_size=len(WORDS), seed=3))
    assert len(np.unique(layout_a[IN_BUCKET], axis=0)) == 1
    assert len(np.unique(layout_b[IN_BUCKET], axis=0)) == 30  # in B they differ, so they are drawn apart
    assert len(np.unique(layout_a, axis=0)) == 121 and len(np.unique(layout_b, axis=0)) == 150


def test_map_hover_says_how_many_words_share_the_point():
    a = _vectors(1, bucket=True)
    layout = np.random.default_rng(0).normal(size=(len(WORDS), 2))
    fig = figures.map_pair(
        layout,
        layout,
        WORDS,
        np.ones(len(WORDS)),
        ("A", "B"),
        hover=figures.MapHover(
            duplicates_a=maps.duplicate_counts(a), duplicates_b=np.zeros(len(WORDS), dtype=np.int64)
        ),
    ).to_dict()
    first, second = (next(t for t in fig["data"] if t.get("xaxis", "x") == axis) for axis in ("x", "x2"))
    rows_a = {row[0]: row for row in first["customdata"]}
    rows_b = {row[0]: row for row in second["customdata"]}
    assert rows_a["unk5"][6] == "<br>same vector as 29 other words: drawn at one point"
    assert rows_a["w3"][6] == "" and rows_b["unk5"][6] == ""
    assert rows_a["unk5"][0] == "unk5" and rows_a["unk5"][2] == "unk5"  # the columns before it keep their places
    assert "%{customdata[6]}" in first["hovertemplate"]
    marked = figures.map_pair(layout, layout, WORDS, np.ones(len(WORDS)), ("A", "B")).to_dict()
    assert all(row[6] == "" for row in marked["data"][0]["customdata"])
