"""The seed-noise floor of "what changed": replicas trained and kept with a run, the floor and the beyond-noise test
(embedlab.analysis.noise), on corpora where the answer is known: a synthetic corpus of topics, retrained with another
seed (nothing changed) and with planted meaning shifts (known words moved to another topic)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from conftest import make_space

from embedlab import analysis, spaces, store
from embedlab.analysis import noise
from embedlab.cli import main
from embedlab.corpus import build_corpus
from embedlab.errors import EmbedLabError
from embedlab.metrics import nearest_rows, row_jaccard
from embedlab.spaces.replicas import REPLICAS_FILE, SeedReplicas, load_replicas, save_replicas
from embedlab.spaces.space import normalise_rows
from embedlab.training import TrainConfig, jobs, train_run

TOPICS, PER_TOPIC = 40, 25
# 20 words, each swapped with the word in the same slot of the topic 20 places on: 40 words change meaning
PLANTED = [(topic, slot) for topic, slot in zip(range(20), [1, 3, 5, 7, 9] * 4)]
SETTINGS = dict(dim=50, min_count=1, epochs=5, workers=2)


def _word(topic: int, slot: int) -> str:
    return f"t{topic:02d}w{slot:02d}"


def topic_corpus(planted: list[tuple[int, int]] = (), sentences: int = 12_000, seed: int = 0) -> bytes:
    """Sentences of 8 words drawn from one of 40 topics (Zipf-like frequencies within a topic, so frequency bands
    differ); a planted (topic, slot) word trades places with the same slot of topic + 20: each then appears only
    among the other topic's words."""
    rng = np.random.default_rng(seed)
    weights = 1 / np.arange(1, PER_TOPIC + 1) ** 0.8
    weights /= weights.sum()
    partner = {}
    for topic, slot in planted:
        other = (topic + TOPICS // 2) % TOPICS
        partner[(topic, slot)], partner[(other, slot)] = other, topic
    lines = []
    for _ in range(sentences):
        topic = int(rng.integers(TOPICS))
        words = [_word(partner.get((topic, slot), topic), slot) for slot in rng.choice(PER_TOPIC, 8, p=weights)]
        lines.append(" ".join(words))
    return "\n".join(lines).encode()


@pytest.fixture(scope="module")
def topic_runs():
    """A 3-seed run on the topic corpus, the same configuration with a fourth seed, and that seed on the corpus
    with planted shifts."""
    same = build_corpus("topics.txt", topic_corpus())
    shifted = build_corpus("topics-shifted.txt", topic_corpus(PLANTED))
    three = train_run(same, TrainConfig(seed=1, seeds=3, **SETTINGS))
    other_seed = train_run(same, TrainConfig(seed=100, **SETTINGS))
    planted = train_run(shifted, TrainConfig(seed=100, **SETTINGS))
    return {"same": same, "shifted": shifted, "three": three, "other_seed": other_seed, "planted": planted}


@pytest.mark.slow
def test_a_multi_seed_run_keeps_its_replicas(topic_runs):
    run = topic_runs["three"]
    params = json.loads((store.runs_dir() / run.id / "params.json").read_text())
    assert params["config"]["seeds"] == 3
    assert params["replicas"]["seeds"] == [1, 2, 3] and params["replicas"]["depth"] == 50
    space = spaces.load_space(run.id, topic_runs["same"])
    replicas = space.seed_replicas()
    assert replicas.seeds == (1, 2, 3) and replicas.words == space.words
    assert replicas.neighbours.shape == (3, TOPICS * PER_TOPIC, 50)
    assert replicas.vectors.shape == (2, TOPICS * PER_TOPIC, 50)
    # the lists are each seed's own nearest words: the primary's are the run's, the others' their vectors'
    np.testing.assert_array_equal(replicas.neighbours[0][:, :10], nearest_rows(space.vectors, 10))
    np.testing.assert_array_equal(replicas.neighbours[2][:, :10], nearest_rows(normalise_rows(replicas.vectors[1]), 10))
    assert not np.allclose(replicas.vectors[0], replicas.vectors[1])  # another seed, other vectors
    assert spaces.load_space(topic_runs["other_seed"].id, topic_runs["same"]).seed_replicas is None


@pytest.mark.slow
def test_retraining_with_another_seed_marks_at_most_5_percent_beyond_noise(topic_runs):
    a = spaces.load_space(topic_runs["three"].id, topic_runs["same"])
    b = spaces.load_space(topic_runs["other_seed"].id, topic_runs["same"])
    summary, frame = analysis.compare_spaces(a, b, k=10)
    floor = summary.noise
    assert floor.known and floor.seeds_a == (1, 2, 3) and floor.seeds_b == ()
    assert floor.tested == TOPICS * PER_TOPIC and floor.beyond == int(frame["beyond_noise"].sum())
    assert floor.share <= 0.05
    # the floor is real noise, not a copy: seeds of this corpus share about 4 of a word's 10 nearest
    assert 0.2 < frame["floor"].mean() < 0.6
    assert abs(frame["floor"].mean() - frame["jaccard"].mean()) < 0.05  # another seed changes as much as the floor


@pytest.mark.slow
def test_planted_meaning_shifts_are_marked_beyond_noise(topic_runs):
    a = spaces.load_space(topic_runs["three"].id, topic_runs["same"])
    b = spaces.load_space(topic_runs["planted"].id, topic_runs["shifted"])
    summary, frame = analysis.compare_spaces(a, b, k=10)
    planted = {_word(t, s) for t, s in PLANTED} | {_word((t + TOPICS // 2) % TOPICS, s) for t, s in PLANTED}
    marked = set(frame.loc[frame["beyond_noise"], "word"])
    assert planted <= marked  # every moved word
    others = frame[~frame["word"].isin(planted)]
    assert others["beyond_noise"].mean() <= 0.08  # the rest stay near the self-comparison's rate
    assert frame.set_index("word").loc[sorted(planted), "noise_p"].max() <= noise.ALPHA
    ranked = analysis.rank_changes(frame)
    assert set(ranked.words["word"].head(len(planted))) == planted  # and they lead "most changed"
    assert summary.noise.beyond == len(marked)


def test_a_debiased_copy_and_the_baseline_have_no_floor(topic_runs):
    run = spaces.load_space(topic_runs["three"].id, topic_runs["same"])
    copy = spaces.reduced(run, 10)  # derived vectors are not the replicas' own
    assert copy.seed_replicas is None
    summary, frame = analysis.compare_spaces(copy, spaces.load_space(topic_runs["other_seed"].id), k=10)
    assert not summary.noise.known and frame["floor"].isna().all() and not frame["beyond_noise"].any()
    assert summary.noise.caption().startswith("Seed-noise floor unknown: neither space has seed replicas")


def _replicas(words, seeds_vectors, depth=50) -> SeedReplicas:
    unit = [normalise_rows(v) for v in seeds_vectors]
    return SeedReplicas(
        tuple(words),
        tuple(range(len(unit))),
        np.stack([nearest_rows(v, depth) for v in unit]),
        np.stack(seeds_vectors[1:]).astype(np.float32),
    )


def _seeded_space(words, seeds_vectors, name, depth=50):
    space = make_space(words, seeds_vectors[0], name=name)
    replicas = _replicas(words, seeds_vectors, depth)
    return spaces.EmbeddingSpace(
        space.name, space.words, space.vectors, space.counts, space.source, seed_replicas=lambda: replicas
    )


def _fresh_floor(seeds_vectors, words, shared, rows, k):
    """The floor computed from scratch: each seed restricted to the shared words, searched, Jaccard@k per pair."""
    keep = [words.index(w) for w in shared]
    lists = [nearest_rows(normalise_rows(v[keep]), k, rows) for v in seeds_vectors]
    pairs = [row_jaccard(lists[i], lists[j]) for i in range(len(lists)) for j in range(i + 1, len(lists))]
    return np.mean(pairs, axis=0), np.min(pairs, axis=0)


@pytest.mark.parametrize(
    "k, searched",
    [
        (5, lambda n: n == 0),  # every stored list of 50 holds 5 shared words: read, not searched
        (14, lambda n: 0 < n < 100),  # some lists run short of 14 shared words: those words are searched again
        (60, lambda n: n == 100),  # past the stored depth: all searched
    ],
)
def test_the_floor_over_fewer_shared_words_equals_a_fresh_search(k, searched):
    rng = np.random.default_rng(3)
    words = [f"w{i}" for i in range(300)]
    base = rng.normal(size=(300, 8))
    seeds_vectors = [base + rng.normal(scale=0.5, size=base.shape) for _ in range(3)]
    a = _seeded_space(words, seeds_vectors, "a")
    shared = words[::3]  # B holds a third of A's words: many stored lists run short of shared words
    b = make_space(shared, rng.normal(size=(len(shared), 8)), name="b")
    summary, frame = analysis.compare_spaces(a, b, k=k)
    assert searched(summary.noise.searched)
    order = [shared.index(w) for w in frame["word"]]
    expected_floor, expected_min = _fresh_floor(seeds_vectors, words, shared, np.array(order), k)
    np.testing.assert_allclose(frame["floor"].to_numpy(), expected_floor)
    marked = frame["beyond_noise"].to_numpy()
    assert (frame["jaccard"].to_numpy()[marked] < expected_min[marked]).all()


def test_the_p_value_is_the_empirical_share_of_the_strata_seed_pairs_at_or_below():
    frame = analysis.compare_spaces(*_pair_with_floor())[1]
    # one stratum here (all counts 0); p = (1 + #{seed-pair values <= the A-vs-B value}) / (1 + #values)
    pairs = np.stack(
        [row_jaccard(lists[i], lists[j]) for lists in [_lists_of(frame)] for i in range(3) for j in range(i + 1, 3)]
    )
    pool = np.sort(pairs.ravel())
    expected = (1 + np.searchsorted(pool, frame["jaccard"].to_numpy(), side="right")) / (1 + pool.size)
    np.testing.assert_allclose(frame["noise_p"].to_numpy(), expected)
    expected_beyond = (frame["jaccard"].to_numpy() < pairs.min(axis=0)) & (expected <= noise.ALPHA)
    np.testing.assert_array_equal(frame["beyond_noise"].to_numpy(), expected_beyond)


_RNG_WORDS = [f"w{i}" for i in range(120)]


def _seed_vectors():
    rng = np.random.default_rng(11)
    base = rng.normal(size=(120, 6))
    return [base + rng.normal(scale=0.4, size=base.shape) for _ in range(3)]


def _pair_with_floor():
    seeds_vectors = _seed_vectors()
    rng = np.random.default_rng(12)
    b_vectors = seeds_vectors[0].copy()
    b_vectors[:20] = rng.normal(size=(20, 6))  # 20 words moved: their A-vs-B overlap drops
    return _seeded_space(_RNG_WORDS, seeds_vectors, "a"), make_space(_RNG_WORDS, b_vectors, name="b"), 10


def _lists_of(frame):
    rows = np.array([_RNG_WORDS.index(w) for w in frame["word"]])
    return [nearest_rows(normalise_rows(v), 10, rows) for v in _seed_vectors()]


def test_strata_merge_small_frequency_bands():
    counts = np.array([1] * 30 + [3] * 30 + [7] * 60 + [15] * 10)
    bands = analysis.frequency_bands(counts)
    strata = noise._strata(bands, counts)
    # bands 1 and 2-4 (30 + 30 words) make one stratum; 5-9 one; 10-19's 10 words join the one before
    assert strata.tolist() == [0] * 60 + [1] * 70


def test_replicas_of_another_vocabulary_are_refused(tmp_path):
    path = tmp_path / REPLICAS_FILE
    replicas = _replicas(["a", "b", "c"], [np.eye(3), np.eye(3)[::-1]], depth=2)
    save_replicas(path, replicas.seeds, replicas.neighbours, replicas.vectors)
    assert load_replicas(path, ("a", "b", "c")).seeds == (0, 1)
    with pytest.raises(EmbedLabError, match="not seed replicas of this run's 4 words"):
        load_replicas(path, ("a", "b", "c", "d"))
    path.write_bytes(b"not an npz")
    with pytest.raises(EmbedLabError, match="cannot read the run's seed replicas"):
        load_replicas(path, ("a", "b", "c"))


@pytest.mark.parametrize(
    "settings, message",
    [
        (dict(seeds=0), "seeds must be a whole number from 1 to 10, got 0"),
        (dict(seeds=11), "seeds must be a whole number from 1 to 10, got 11"),
        (dict(seed=2**31 - 1, seeds=2), "seed \\+ seeds - 1 must be at most"),
    ],
)
def test_seeds_are_validated(settings, message):
    with pytest.raises(EmbedLabError, match=message):
        TrainConfig(**settings)


def test_a_multi_seed_job_says_which_seed_it_trains(tiny_text_corpus):
    reports = []
    train_run(tiny_text_corpus, TrainConfig(dim=8, min_count=1, epochs=2, workers=1, seeds=3), reports.append)
    assert {(r.replica, r.replicas) for r in reports} == {(1, 3), (2, 3), (3, 3)}
    fractions = [r.fraction for r in reports]
    assert fractions == sorted(fractions) and fractions[-1] == pytest.approx(1.0)
    assert max(r.fraction for r in reports if r.replica == 1) <= 1 / 3 + 1e-9  # the share counts every seed


@pytest.mark.slow
def test_the_cli_trains_seeds_and_compare_json_gives_each_words_floor(tmp_path, capsys, fresh_home):
    text = tmp_path / "topics.txt"
    text.write_bytes(topic_corpus(sentences=3000))
    common = ["--dim", "16", "--min-count", "1", "--epochs", "3", "--workers", "1", "--json"]
    assert main(["train", str(text), "--seeds", "3", "--seed", "5", *common]) == 0
    three = json.loads(capsys.readouterr().out)
    assert three["seeds"] == [5, 6, 7]
    assert main(["train", str(text), "--seed", "9", *common]) == 0
    one = json.loads(capsys.readouterr().out)
    assert main(["compare", "--a", three["run_id"], "--b", one["run_id"], "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["noise"]["seeds_a"] == [5, 6, 7] and result["noise"]["seeds_b"] == []
    assert result["noise"]["tested"] == len(result["words"]) == TOPICS * PER_TOPIC
    assert result["noise"]["beyond"] == sum(w["beyond_noise"] for w in result["words"])
    assert result["noise"]["note"].startswith(f"{result['noise']['beyond']:,} of 1,000 scored words")
    assert all(0 <= w["floor"] <= 1 and 0 < w["noise_p"] <= 1 for w in result["words"])
    assert main(["compare", "--a", one["run_id"], "--b", one["run_id"], "--json"]) == 0
    unknown = json.loads(capsys.readouterr().out)
    assert "floor" not in unknown["words"][0] and unknown["noise"]["note"].startswith("Seed-noise floor unknown")
    assert main(["train", str(text), "--method", "sentence-transformer", "--seeds", "2", "--json"]) == 1
    assert "--seeds applies to word2vec and fasttext" in capsys.readouterr().err


def test_the_job_line_names_the_seed(tiny_text_corpus):
    store.add_job("job-test-seeds", tiny_text_corpus.id, TrainConfig(seeds=3).to_dict(), 5)
    store.update_job("job-test-seeds", status="running", epoch=2, message="seed 2/3", words_per_second=1000.0)
    shown = jobs.progress_text(store.get_job("job-test-seeds"))
    assert shown.startswith("running · seed 2/3 · epoch 2/5")


def test_the_caption_says_what_chance_alone_marks_and_warns_when_the_seeds_share_little():
    stable = noise.NoiseFloor((1, 2, 3), (), 10, 200, 30, mean_floor=0.4)
    assert stable.caption().startswith(
        "30 of 200 scored words (15.0%) changed beyond seed noise; retraining with another seed alone marks up to "
        "about 5%. The floor is each word's mean seed-to-seed Jaccard@10 over A's 3 seeds (1, 2, 3). B has no seed "
        "replicas"
    )
    assert "train longer" not in stable.caption()
    unstable = noise.NoiseFloor((1, 2), (5, 6), 10, 200, 0, mean_floor=0.08)
    assert "over A's 2 seeds (1, 2) and B's 2 seeds (5, 6)." in unstable.caption()
    assert unstable.caption().endswith(
        "a word keeps on average 8% of its 10 nearest when only the seed changes, so few changes can stand out; "
        "train longer (more epochs) or on more text for a floor that can."
    )
