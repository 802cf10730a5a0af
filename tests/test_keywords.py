"""A corpus's typical words: frequent in it, rare in general English (corpus.distinctive_words)."""

from __future__ import annotations

from embedlab.corpus import distinctive_words


def test_typical_words_are_the_corpus_s_jargon_not_its_function_words():
    counts = {"the": 5000, "of": 3000, "is": 2500, "and": 2000, "matrix": 400, "eigenvalues": 120, "people": 300}
    counts |= {"time": 250, "ndarray": 60, "x": 900, "1": 800, "hessian": 4}
    words = distinctive_words(counts, n=5)
    assert words[:3] == ["matrix", "eigenvalues", "ndarray"]  # keyness order, jargon first
    assert not {"the", "of", "is", "and", "x", "1"} & set(words)  # stop words, one letter, digits
    assert "hessian" not in words  # seen fewer than MIN_COUNT times
    assert "people" not in words or words.index("people") > words.index("ndarray")  # common English comes late


def test_typical_words_of_an_empty_or_tiny_corpus():
    assert distinctive_words({}) == []
    assert distinctive_words({"the": 10, "a": 9}) == []
    assert distinctive_words({"solver": 7, "matrix": 9}, n=1) == [
        "solver"
    ]  # the rarer in English, though less frequent here
