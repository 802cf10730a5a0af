"""FastText runs keep their subword model: unseen words (a typo, an inflected form) get gensim's own vector for them,
neighbours among the run's words, and are marked as built from subwords in the analysis, the CLI and the page."""

from __future__ import annotations

import copy
import json
import types

import numpy as np
import pytest
from conftest import ROOT, TINY_TEXT, make_space

from embedlab import analysis, spaces, store
from embedlab.cli import main
from embedlab.errors import EmbedLabError
from embedlab.spaces.subwords import SUBWORDS_FILE, load_subwords

UNSEEN = ("matrx", "eigenvalue", "factorizations", "spectra")  # typos and inflections the corpus never has
NO_TRAINED_NGRAM = "qqzvq"  # none of its character n-grams occurs in the tiny corpus
# Another corpus: matrx x2 and eigenvalue (built from subwords), qqzvq (no vector), matrix (the run has it).
OTHER_TEXT = "matrx eigenvalue matrix.\nmatrx qqzvq matrix.\n"


@pytest.fixture(scope="module")
def ft(tmp_path_factory):
    """A FastText run on the tiny corpus (one thread, so gensim trains the same model again), gensim's own
    ``FastTextKeyedVectors`` of that training, and a copy of them with the never-trained buckets zeroed (the saved
    model, see embedlab.spaces.subwords), in a home of their own so that other tests' newest run is theirs."""
    from gensim.models.fasttext import compute_ngrams_bytes

    from embedlab.corpus import build_corpus
    from embedlab.spaces.subwords import trained_buckets
    from embedlab.training import TrainConfig, train_run
    from embedlab.training.word2vec import train_vectors

    home = tmp_path_factory.mktemp("fasttext-home")
    patch = pytest.MonkeyPatch()
    patch.setenv("EMBEDLAB_HOME", str(home))
    corpus = build_corpus("tiny.txt", (TINY_TEXT * 20).encode("utf-8"))
    other = build_corpus("other.txt", OTHER_TEXT.encode("utf-8"))
    config = TrainConfig(method="fasttext", dim=16, min_count=1, epochs=5, workers=1, seed=7)
    run = train_run(corpus, config)
    wv = train_vectors(corpus, config)
    saved = copy.deepcopy(wv)
    untrained = np.ones(saved.bucket, dtype=bool)
    untrained[trained_buckets(saved)] = False
    saved.vectors_ngrams[untrained] = 0.0
    ngrams = {gram for word in wv.index_to_key for gram in compute_ngrams_bytes(word, wv.min_n, wv.max_n)}
    yield types.SimpleNamespace(
        home=home, corpus=corpus, other=other, config=config, run=run, wv=wv, saved=saved, ngrams=len(ngrams)
    )
    patch.undo()


@pytest.fixture(scope="module")
def space(ft):
    return spaces.load_space(ft.run.id)


def _cosine(u: np.ndarray, v: np.ndarray) -> float:
    return float(u @ v / np.linalg.norm(u) / np.linalg.norm(v))


@pytest.mark.slow
def test_the_run_is_the_model_gensim_trains(ft, space):
    """The reference below is the same training: every whole-word vector the run saved is gensim's."""
    assert space.words == tuple(ft.wv.index_to_key)
    np.testing.assert_allclose(space.vectors, spaces.normalise_rows(ft.wv.vectors), atol=1e-6)


@pytest.mark.slow
def test_an_unseen_word_gets_gensims_own_vector(ft, space):
    subwords = load_subwords(store.runs_dir() / ft.run.id / SUBWORDS_FILE)
    for word in UNSEEN:
        assert word not in space
        built = space.oov_vector(word)
        assert built.shape == (16,) and np.linalg.norm(built) == pytest.approx(1.0, abs=1e-6)
        expected = ft.saved[word]  # gensim's FastTextKeyedVectors.get_vector for an out-of-vocabulary word
        np.testing.assert_allclose(subwords.raw_vector(word), expected, rtol=1e-5, atol=1e-7)
        assert _cosine(built, expected) == pytest.approx(1.0, abs=1e-6)
        # Against gensim's unmodified model, whose never-trained buckets hold random start values (+-1/dim):
        assert _cosine(built, ft.wv[word]) > 0.9
    # <matrx>: 14 n-grams of 3 to 6 characters; 'matrix' has 6 of them: <ma mat atr <mat matr <matr
    assert subwords.trained_share("matrx") == pytest.approx(6 / 14)


@pytest.mark.slow
def test_an_unseen_words_neighbours_are_gensims_most_similar(ft, space):
    for word in UNSEEN:
        found = analysis.nearest(space, word, k=5)
        expected = ft.saved.most_similar(word, topn=5)  # among the run's words, as gensim ranks them
        assert [n.word for n in found] == [w for w, _ in expected]
        np.testing.assert_allclose([n.similarity for n in found], [s for _, s in expected], atol=1e-5)
    query = analysis.word_query(space, "matrx")
    assert query.from_subwords and query.origin is analysis.VectorOrigin.SUBWORDS
    assert not analysis.word_query(space, "matrix").from_subwords
    assert len(analysis.nearest(space, "matrx", k=len(space) + 5)) == len(space)  # no word of the run is left out


def test_a_word_without_a_trained_ngram_gets_no_vector_where_gensim_returns_random_values(ft, space):
    assert np.linalg.norm(ft.wv[NO_TRAINED_NGRAM]) > 0  # gensim: the mean of never-trained random start rows
    assert not np.any(ft.saved[NO_TRAINED_NGRAM])  # the saved model: zero
    assert space.oov_vector(NO_TRAINED_NGRAM) is None
    with pytest.raises(EmbedLabError, match="none of its character n-grams was seen in training"):
        analysis.nearest(space, NO_TRAINED_NGRAM, k=3)
    with pytest.raises(EmbedLabError, match="is not in"):
        analysis.nearest(space, "", k=3)


def test_the_run_folder_stays_small(ft):
    folder = store.runs_dir() / ft.run.id
    sizes = {path.name: path.stat().st_size for path in folder.iterdir()}
    assert set(sizes) == {"vectors.bin", "params.json", "health.json", SUBWORDS_FILE}
    params = json.loads((folder / "params.json").read_text(encoding="utf-8"))["subwords"]
    assert params["bucket"] == ft.wv.bucket == 2_000_000 and (params["min_n"], params["max_n"]) == (3, 6)
    assert params["bytes"] == sizes[SUBWORDS_FILE]
    # Only the buckets the vocabulary's n-grams use are kept: one per distinct n-gram, bar hash collisions.
    assert 0.99 * ft.ngrams <= params["trained_buckets"] <= ft.ngrams
    row_bytes = 16 * 4 + 8  # a float32 row and its bucket number
    assert sizes[SUBWORDS_FILE] <= params["trained_buckets"] * row_bytes + 4096
    assert sum(sizes.values()) < 400_000  # gensim's wv.save would write 2M x 16 float32 rows: 128 MB


def test_a_reduced_copy_maps_subword_vectors_like_its_words(space):
    from sklearn.decomposition import PCA

    reduced = spaces.reduced(space, 8, seed=3)
    pca = PCA(n_components=8, random_state=3).fit(space.vectors)
    expected = spaces.normalise_rows(pca.transform(space.oov_vector("matrx")[None, :]))[0]
    np.testing.assert_allclose(reduced.oov_vector("matrx"), expected, atol=1e-6)


def test_compare_a_word_only_one_side_holds(ft, space):
    """A holds no 'matrx' (built from subwords); B holds it. Neighbours come from the words both hold."""
    words = (*space.words, "matrx")
    rng = np.random.default_rng(0)
    other = make_space(words, rng.normal(size=(len(words), 16)), name="hand")
    shared_a, shared_b = analysis.shared_spaces(space, other)
    queries = analysis.word_query(space, "matrx"), analysis.word_query(other, "matrx")
    result = analysis.compare_neighbors(shared_a, shared_b, "matrx", 5, queries)
    assert (result.origin_a, result.origin_b) == (analysis.VectorOrigin.SUBWORDS, analysis.VectorOrigin.VOCABULARY)
    assert [n.word for n in result.a] == [w for w, _ in ft.saved.most_similar("matrx", topn=5)]
    sims_b = shared_b.vectors @ other.vectors[other.index["matrx"]]
    assert [n.word for n in result.b] == [shared_b.words[i] for i in np.argsort(-sims_b, kind="stable")[:5]]
    assert result.jaccard == len(result.in_both) / len({n.word for n in result.a} | {n.word for n in result.b})
    # Without the whole spaces' queries, B's shared words lack it and B cannot build it: said, not guessed.
    with pytest.raises(EmbedLabError, match="'matrx' is not in hand"):
        analysis.compare_neighbors(shared_a, shared_b, "matrx", 5)
    # A word A holds but the comparison left out is not rebuilt from subwords in the cut-down space.
    only_a = analysis.shared_spaces(space, other.subset([w for w in other.words if w != "matrix"]))[0]
    with pytest.raises(EmbedLabError, match="not among the words of this comparison"):
        analysis.word_query(only_a, "matrix")


def test_coverage_counts_the_missing_words_that_get_a_subword_vector(ft, space):
    result = analysis.subword_vector_coverage(space, ft.other)
    assert result == analysis.SubwordCoverage(token_share=3 / 4, type_share=2 / 3, words=2)  # matrx x2, eigenvalue
    assert analysis.subword_vector_coverage(space, ft.corpus) == analysis.SubwordCoverage(1.0, 1.0)
    word2vec = spaces.EmbeddingSpace("w", space.words, space.vectors, space.counts, "no subwords")
    assert analysis.subword_vector_coverage(word2vec, ft.other) is None


def _cli_json(capsys, *argv: str) -> dict:
    assert main([*argv, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_the_cli_marks_a_word_built_from_subwords(ft, space, capsys, tmp_path):
    found = _cli_json(capsys, "neighbors", "--space", ft.run.id, "--word", "matrx", "--k", "4")
    assert found["from_subwords"] is True and found["vector_from"] == "subwords"
    assert [n["word"] for n in found["neighbors"]] == [w for w, _ in ft.saved.most_similar("matrx", topn=4)]
    assert _cli_json(capsys, "neighbors", "--space", ft.run.id, "--word", "matrix")["from_subwords"] is False

    assert main(["neighbors", "--space", ft.run.id, "--word", "matrx", "--k", "2"]) == 0
    printed = capsys.readouterr()
    assert "from_subwords: True" in printed.out
    assert f"'matrx' is not in {ft.run.id}: its vector is built from subwords" in printed.err

    assert main(["neighbors", "--space", ft.run.id, "--word", NO_TRAINED_NGRAM]) == 1
    assert "none of its character n-grams was seen in training" in capsys.readouterr().err

    path = tmp_path / "other.txt"
    path.write_text(OTHER_TEXT, encoding="utf-8")
    covered = _cli_json(capsys, "coverage", "--space", ft.run.id, "--corpus", str(path))
    assert covered["subwords"] == {"token_share": 0.75, "type_share": pytest.approx(2 / 3), "words": 2, "note": ""}


@pytest.fixture(scope="module")
def old_run(ft):
    """A FastText run as saved before runs kept their subword model: vectors.bin and params.json only."""
    from embedlab.training import train_run

    run = train_run(ft.corpus, ft.config)
    (store.runs_dir() / run.id / SUBWORDS_FILE).unlink()
    return run


@pytest.mark.slow
def test_a_run_saved_without_its_subword_model_keeps_its_whole_words(ft, space, old_run):
    old = spaces.load_space(old_run.id)
    np.testing.assert_array_equal(old.vectors, space.vectors)  # the same training, its words as before
    assert analysis.nearest(old, "matrix", 5) == analysis.nearest(space, "matrix", 5)
    with pytest.raises(EmbedLabError) as raised:
        analysis.nearest(old, "matrx", 5)
    message = str(raised.value)
    assert f"'matrx' is not in {old_run.id}" in message and "did you mean matrix" in message
    assert "saved without its subword model" in message and "whole words only" in message
    coverage = analysis.subword_vector_coverage(old, ft.other)
    assert coverage.token_share is None and "saved without its subword model" in coverage.note


def _compare_page(**view):
    from streamlit.testing.v1 import AppTest

    from embedlab.analysis import views

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    for key, value in views.to_query(views.CompareView(**view)).items():
        at.query_params[key] = value
    at.switch_page("pages/compare.py")
    return at.run()


@pytest.mark.slow
def test_the_compare_page_marks_a_word_built_from_subwords(ft, space):
    at = _compare_page(corpus=ft.corpus.id, a=ft.run.id, b="baseline", word="matrx", k=5)
    assert not at.exception and not at.error
    captions = [c.value for c in at.caption]
    assert "Built from subwords: 'matrx' is not in the run" in captions
    assert "Encoded alone: 'matrx' is not among this space's words" in captions  # the baseline encodes any word
    neighbours_a = at.table[0].value
    assert neighbours_a["word"].tolist() == [w for w, _ in ft.saved.most_similar("matrx", topn=5)]


@pytest.mark.slow
def test_the_coverage_tab_counts_missing_tokens_with_a_subword_vector(ft, old_run):
    at = _compare_page(corpus=ft.other.id, a=ft.run.id, b=old_run.id, tab="coverage")
    assert not at.exception and not at.error
    metrics = [(m.label, m.value) for m in at.metric]
    assert ("Missing tokens with a subword vector", "75.0%") in metrics  # matrx x2 and eigenvalue, not qqzvq
    assert sum(label == "Missing tokens with a subword vector" for label, _ in metrics) == 1  # not the old run
    assert any("saved without its subword model" in c.value for c in at.caption)
